// The driver of bench/websocket/run.sh: WebSocket clients (the `ws` package from
// bench/lambda/node_modules) that measure one side at a time and print one JSON line.
//
//   node client.mjs roundtrip WS_URL CONNECTIONS SECONDS
//       CONNECTIONS clients each send {"action":"echo","n":…}, wait for the two-way route's
//       reply, and send again, for SECONDS (after a 1 s warm-up). Prints round trips/s, p50 and
//       p99 in ms, and errors (closed connections, replies that are not the message sent).
//   node client.mjs broadcast WS_URL CONNECTIONS_URL CLIENTS MESSAGES INFLIGHT
//       CLIENTS clients connect and learn their connection ids (a "whoami" two-way route); then
//       MESSAGES messages are POSTed to /@connections/{id} round-robin over the clients, with
//       INFLIGHT requests outstanding (HTTP keep-alive), as a backend broadcasting would. Prints
//       deliveries/s (from the first POST until every client got every message it was sent) and
//       the POSTs that were refused.
//   node client.mjs idle WS_URL CONNECTIONS
//       opens CONNECTIONS connections (64 handshakes in flight), prints {"open": n, "failed": n}
//       and holds them until stdin closes.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'lambda', 'node_modules', 'x.js'));
const WebSocket = require('ws');

const [mode, ...args] = process.argv.slice(2);

function open(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

async function roundtrip(url, connections, seconds) {
  const sockets = await Promise.all(Array.from({ length: connections }, () => open(url)));
  let measuring = false;
  let stop = false;
  let count = 0;
  let errors = 0;
  const latencies = [];
  const loops = sockets.map((ws, i) => new Promise((resolve) => {
    let n = 0;
    let sent = 0n;
    let expected = '';
    const next = () => {
      if (stop) { resolve(); return; }
      expected = JSON.stringify({ action: 'echo', c: i, n: n++ });
      sent = process.hrtime.bigint();
      ws.send(expected);
    };
    ws.on('message', (data) => {
      if (data.toString() !== expected) errors++;
      if (measuring) {
        count++;
        latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
      }
      next();
    });
    ws.on('close', () => { if (!stop) errors++; resolve(); });
    next();
  }));
  await new Promise((r) => setTimeout(r, 1000));
  measuring = true;
  const started = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  stop = true;
  await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 5000))]);
  for (const ws of sockets) ws.terminate();
  latencies.sort((a, b) => a - b);
  return { rate: count / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

async function broadcast(url, connectionsUrl, clients, messages, inflight) {
  const sockets = [];
  const ids = [];
  for (let i = 0; i < clients; i++) {
    const ws = await open(url);
    ids.push(await new Promise((resolve) => {
      ws.once('message', (data) => resolve(data.toString()));
      ws.send(JSON.stringify({ action: 'whoami' }));
    }));
    sockets.push(ws);
  }
  let delivered = 0;
  let refused = 0;
  let done;
  const finished = new Promise((r) => { done = r; });
  const check = () => { if (delivered + refused >= messages) done(); };
  for (const ws of sockets) ws.on('message', () => { delivered++; check(); });
  const agent = new http.Agent({ keepAlive: true, maxSockets: inflight });
  const body = JSON.stringify({ message: 'x'.repeat(64) });
  const post = (id) => new Promise((resolve) => {
    const req = http.request(`${connectionsUrl}/@connections/${encodeURIComponent(id)}`, {
      method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length },
    }, (res) => {
      res.resume();
      res.on('end', () => {
        // AWS answers 200; serverless-offline 204.
        if (res.statusCode < 200 || res.statusCode > 299) { refused++; check(); }
        resolve();
      });
    });
    req.on('error', () => { refused++; check(); resolve(); });
    req.end(body);
  });
  const started = process.hrtime.bigint();
  let next = 0;
  const workers = Array.from({ length: inflight }, async () => {
    while (next < messages) {
      const i = next++;
      await post(ids[i % ids.length]);
    }
  });
  await Promise.all(workers);
  await Promise.race([finished, new Promise((r) => setTimeout(r, 30000))]);
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  for (const ws of sockets) ws.terminate();
  agent.destroy();
  return { rate: delivered / elapsed, delivered, refused, seconds: elapsed };
}

async function idle(url, connections) {
  const sockets = [];
  let failed = 0;
  let next = 0;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < connections) {
      next++;
      try {
        sockets.push(await open(url));
      } catch {
        failed++;
      }
    }
  }));
  let closed = 0;
  for (const ws of sockets) ws.on('close', () => { closed++; });
  process.stdout.write(`${JSON.stringify({ open: sockets.length, failed })}\n`);
  await new Promise((r) => { process.stdin.on('end', r); process.stdin.on('close', r); process.stdin.resume(); });
  process.stdout.write(`${JSON.stringify({ closedWhileHeld: closed })}\n`);
  for (const ws of sockets) ws.terminate();
}

let result;
if (mode === 'roundtrip') {
  result = await roundtrip(args[0], Number(args[1]), Number(args[2]));
} else if (mode === 'broadcast') {
  result = await broadcast(args[0], args[1], Number(args[2]), Number(args[3]), Number(args[4]));
} else if (mode === 'idle') {
  await idle(args[0], Number(args[1]));
  process.exit(0);
} else {
  console.error('usage: client.mjs roundtrip|broadcast|idle ...');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
