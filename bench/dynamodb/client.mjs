// The set-up half of bench/dynamodb/run.sh (the measured phases are wrk with ops.lua): a
// lightweight DynamoDB client (node:http with keep-alive, the JSON 1.0 protocol written by hand)
// that runs one step against one endpoint and prints one JSON line.
//
//   node client.mjs setup ENDPOINT                      creates table "bench" (pk S, sk N)
//   node client.mjs load ENDPOINT ITEMS                  BatchWriteItem, 25 items a call, 16 in
//                                                        flight: pk "p<i % (ITEMS/10)>", sk i
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

let result;
if (mode === 'setup') result = await setup();
else if (mode === 'load') result = await load(Number(args[0]));
else { console.error('usage: client.mjs setup|load ENDPOINT ...'); process.exit(2); }
process.stdout.write(`${JSON.stringify(result)}\n`);
agent.destroy();
