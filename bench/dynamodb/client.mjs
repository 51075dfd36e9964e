// The driver of bench/dynamodb/run.sh: a lightweight DynamoDB client (node:http with keep-alive,
// the JSON 1.0 protocol written by hand; the AWS SDK itself is slower than the servers measured)
// that runs one phase against one endpoint and prints one JSON line.
//
//   node client.mjs setup ENDPOINT                      creates table "bench" (pk S, sk N)
//   node client.mjs load ENDPOINT ITEMS                  BatchWriteItem, 25 items a call, 16 in
//                                                        flight: pk "p<i % (ITEMS/10)>", sk i
//   node client.mjs run ENDPOINT OP SECONDS ITEMS CONCURRENCY
//       OP = put | get | query: CONCURRENCY loops, each one request at a time, for SECONDS:
//       put writes new items (sk above ITEMS), get reads a random loaded item, query reads a
//       random partition (its 10 items). Prints ops/s, p50 and p99 in ms, and errors (non-200s
//       and items not found).
//
// Requests carry a syntactically valid SigV4 Authorization header with a dummy signature:
// dynalite wants one, Gatehouse ignores it unless iam.enforce is on.
import http from 'node:http';

const [mode, endpoint, ...args] = process.argv.slice(2);
const url = new URL(endpoint);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const auth = 'AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request, '
  + 'SignedHeaders=host;x-amz-date, Signature=' + '0'.repeat(64);
const payload = 'x'.repeat(100);

function call(operation, body) {
  const data = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request({
      host: url.hostname, port: url.port, path: '/', method: 'POST', agent,
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': `DynamoDB_20120810.${operation}`,
        'X-Amz-Date': '20260101T000000Z',
        Authorization: auth,
        'Content-Length': Buffer.byteLength(data),
      },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', (e) => resolve({ status: 0, body: String(e) }));
    req.end(data);
  });
}

const item = (i, partitions) => ({
  pk: { S: `p${i % partitions}` }, sk: { N: String(i) }, payload: { S: payload }, n: { N: String(i) },
});

async function setup() {
  const r = await call('CreateTable', {
    TableName: 'bench',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  if (r.status !== 200) throw new Error(`CreateTable: ${r.status} ${r.body}`);
  for (let i = 0; i < 100; i++) {  // dynalite creates tables asynchronously
    const d = await call('DescribeTable', { TableName: 'bench' });
    if (JSON.parse(d.body).Table?.TableStatus === 'ACTIVE') return { ok: true };
    await new Promise((s) => setTimeout(s, 100));
  }
  throw new Error('table never became ACTIVE');
}

async function load(items) {
  const partitions = Math.max(1, Math.floor(items / 10));
  const started = process.hrtime.bigint();
  let next = 0;
  let errors = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < items) {
      const first = next;
      next = Math.min(items, next + 25);
      const requests = [];
      for (let i = first; i < next; i++) requests.push({ PutRequest: { Item: item(i, partitions) } });
      const r = await call('BatchWriteItem', { RequestItems: { bench: requests } });
      if (r.status !== 200 || Object.keys(JSON.parse(r.body).UnprocessedItems || {}).length) errors++;
    }
  }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { items, seconds, rate: items / seconds, errors };
}

async function run(op, seconds, items, concurrency) {
  const partitions = Math.max(1, Math.floor(items / 10));
  let putNext = items + 1;
  let count = 0;
  let errors = 0;
  const latencies = [];
  const deadline = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < deadline) {
      const i = Math.floor(Math.random() * items);
      let r;
      const t0 = process.hrtime.bigint();
      if (op === 'put') {
        r = await call('PutItem', { TableName: 'bench', Item: item(putNext++, partitions) });
      } else if (op === 'get') {
        r = await call('GetItem', { TableName: 'bench', Key: { pk: { S: `p${i % partitions}` }, sk: { N: String(i) } } });
        if (r.status === 200 && !JSON.parse(r.body).Item) errors++;
      } else {
        r = await call('Query', {
          TableName: 'bench', KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': { S: `p${i % partitions}` } }, Limit: 10,
        });
        if (r.status === 200 && JSON.parse(r.body).Count < 1) errors++;
      }
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r.status !== 200) errors++;
      count++;
    }
  }));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))];
  return { op, rate: count / elapsed, p50: pct(50), p99: pct(99), errors };
}

let result;
if (mode === 'setup') result = await setup();
else if (mode === 'load') result = await load(Number(args[0]));
else if (mode === 'run') result = await run(args[0], Number(args[1]), Number(args[2]), Number(args[3]));
else { console.error('usage: client.mjs setup|load|run ENDPOINT ...'); process.exit(2); }
process.stdout.write(`${JSON.stringify(result)}\n`);
agent.destroy();
