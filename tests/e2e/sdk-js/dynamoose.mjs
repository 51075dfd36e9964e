// Dynamoose (the DynamoDB modelling library built on the AWS SDK for JavaScript v3) against a
// running gateway (tests/e2e/test_dynamodb_dynamoose.py): `node dynamoose.mjs <endpoint> <area>`
// runs one area's scenario and prints one JSON object of what Dynamoose (and, where the wire
// shape matters, the low-level client) handed back. Dummy credentials, no retries.
//
// Areas: tables (Dynamoose creating a hash+range table with a GSI, and a TTL model's table),
// crud, query, scan, batch, transaction, ttl.
import { DynamoDB } from '@aws-sdk/client-dynamodb';
import dynamoose from 'dynamoose';

const [endpoint, area] = process.argv.slice(2);
const ddb = new DynamoDB({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});
dynamoose.aws.ddb.set(ddb);

const TABLE_OPTIONS = {
  create: true,
  throughput: 'ON_DEMAND',
  waitForActive: { enabled: true, check: { timeout: 10000, frequency: 100 } },
};

// orders: hash key customer, range key n; GSI byStatus (status, total).
const Order = dynamoose.model('orders', new dynamoose.Schema({
  customer: { type: String, hashKey: true },
  n: { type: Number, rangeKey: true },
  status: { type: String, index: { type: 'global', name: 'byStatus', rangeKey: 'total' } },
  total: Number,
  visits: Number,
  note: String,
  tags: { type: Set, schema: [String] },
}), TABLE_OPTIONS);

// events: hash key id, items live one second (Dynamoose writes `ttl` in epoch seconds).
const eventModel = () => dynamoose.model('events', new dynamoose.Schema({
  id: { type: String, hashKey: true },
  what: String,
}), { ...TABLE_OPTIONS, expires: { ttl: 1000, attribute: 'ttl' } });

const json = (item) => (item === undefined ? null : item.toJSON());
const plain = (item) => {
  // Sets become sorted arrays so JSON can carry them.
  if (item === undefined) return null;
  const o = {};
  for (const k of Object.keys(item.toJSON())) o[k] = item[k] instanceof Set ? [...item[k]].sort() : item[k];
  return o;
};
const sortByKey = (items) => items.sort((a, b) => (a.customer < b.customer ? -1
  : a.customer > b.customer ? 1 : a.n - b.n));
const errorOf = async (promise) => {
  try {
    await promise;
    return null;
  } catch (e) {
    return { name: e.name, message: e.message };
  }
};
const rawItem = async (table, key) => (await ddb.getItem({
  TableName: table, Key: key, ConsistentRead: true })).Item ?? null;

// Every page of a Dynamoose query or scan, following lastKey with startAt until it is gone.
async function pages(build) {
  const out = [];
  let lastKey;
  for (let i = 0; i < 100; i++) {
    let request = build();
    if (lastKey !== undefined) request = request.startAt(lastKey);
    const page = await request.exec();
    out.push({ items: page.map(plain), lastKey: page.lastKey ?? null, count: page.count,
               scannedCount: page.scannedCount });
    lastKey = page.lastKey;
    if (lastKey === undefined) break;
  }
  return out;
}

// 25 orders of ada (n 1..25; odd n open, even n shipped; total n*10) and 5 of bob (all
// shipped; total n*10+5).
async function seed() {
  const items = [];
  for (let n = 1; n <= 25; n++) {
    items.push({ customer: 'ada', n, status: n % 2 ? 'open' : 'shipped', total: n * 10 });
  }
  for (let n = 1; n <= 5; n++) items.push({ customer: 'bob', n, status: 'shipped', total: n * 10 + 5 });
  for (let i = 0; i < items.length; i += 25) {
    const r = await Order.batchPut(items.slice(i, i + 25));
    if (r.unprocessedItems.length) throw new Error(`unprocessed: ${JSON.stringify(r)}`);
  }
}

const areas = {
  async tables() {
    await Order.get({ customer: 'nobody', n: 0 }); // waits for the setup flow
    const t = (await ddb.describeTable({ TableName: 'orders' })).Table;
    const Event = eventModel();
    await Event.get('nobody');
    const e = (await ddb.describeTable({ TableName: 'events' })).Table;
    const ttl = (await ddb.describeTimeToLive({ TableName: 'events' })).TimeToLiveDescription;
    return {
      orders: {
        status: t.TableStatus,
        keySchema: t.KeySchema,
        attributes: [...t.AttributeDefinitions].sort((a, b) => (a.AttributeName < b.AttributeName ? -1 : 1)),
        billing: t.BillingModeSummary?.BillingMode ?? null,
        gsis: (t.GlobalSecondaryIndexes ?? []).map((g) => ({
          name: g.IndexName, keySchema: g.KeySchema, projection: g.Projection, status: g.IndexStatus })),
      },
      events: { status: e.TableStatus, keySchema: e.KeySchema },
      eventsTtl: ttl,
      tables: (await ddb.listTables({})).TableNames,
    };
  },

  async crud() {
    const out = {};
    const created = await Order.create({ customer: 'ada', n: 1, status: 'open', total: 12.5,
                                          visits: 1, note: 'fragile', tags: new Set(['new']) });
    out.created = plain(created);
    out.createAgain = await errorOf(Order.create({ customer: 'ada', n: 1, total: 1 },
                                                 { overwrite: false }));
    out.afterCreateAgain = plain(await Order.get({ customer: 'ada', n: 1 }));
    out.raw = await rawItem('orders', { customer: { S: 'ada' }, n: { N: '1' } });
    out.missing = json(await Order.get({ customer: 'ada', n: 99 }));

    out.updated = plain(await Order.update({ customer: 'ada', n: 1 }, {
      $ADD: { visits: 2, tags: ['vip'] }, $SET: { status: 'shipped', total: 20 }, $REMOVE: ['note'],
    }));
    out.rawUpdated = await rawItem('orders', { customer: { S: 'ada' }, n: { N: '1' } });
    out.conditionFailed = await errorOf(Order.update({ customer: 'ada', n: 1 },
      { $SET: { status: 'closed' } },
      { condition: new dynamoose.Condition('status').eq('open') }));
    out.afterConditionFailed = plain(await Order.get({ customer: 'ada', n: 1 }));
    out.conditionPassed = plain(await Order.update({ customer: 'ada', n: 1 },
      { $SET: { status: 'closed' }, $ADD: { visits: -1 } },
      { condition: new dynamoose.Condition('status').eq('shipped').and().where('visits').ge(3) }));
    // An update of a missing item creates it (UpdateItem's upsert).
    out.upserted = plain(await Order.update({ customer: 'bob', n: 7 }, { $ADD: { visits: 5 } }));

    out.deleteConditionFailed = await errorOf(Order.delete({ customer: 'ada', n: 1 },
      { condition: new dynamoose.Condition('status').eq('open') }));
    await Order.delete({ customer: 'ada', n: 1 });
    out.afterDelete = json(await Order.get({ customer: 'ada', n: 1 }));
    out.remaining = (await Order.scan().exec()).map(plain);
    return out;
  },

  async query() {
    await seed();
    const out = {};
    out.rangeAndFilter = (await Order.query('customer').eq('ada').where('n').between(5, 15)
      .filter('status').eq('open').exec()).map((i) => i.n);
    out.descending = (await Order.query('customer').eq('ada').where('n').lt(4)
      .sort('descending').exec()).map((i) => i.n);
    out.filterOnly = (await Order.query('customer').eq('bob').filter('total').gt(30).exec())
      .map((i) => [i.n, i.total]);
    out.paged = (await pages(() => Order.query('customer').eq('ada').limit(4)))
      .map((p) => ({ ns: p.items.map((i) => i.n), lastKey: p.lastKey, count: p.count }));
    out.pagedFiltered = (await pages(() => Order.query('customer').eq('ada')
      .filter('status').eq('open').limit(4)))
      .map((p) => ({ ns: p.items.map((i) => i.n), lastKey: p.lastKey, count: p.count }));
    out.gsi = (await Order.query('status').eq('shipped').using('byStatus').where('total').gt(150)
      .exec()).map((i) => [i.customer, i.n, i.total]);
    out.gsiPaged = (await pages(() => Order.query('status').eq('shipped').using('byStatus')
      .limit(3))).map((p) => ({ keys: p.items.map((i) => [i.customer, i.n, i.total]),
                                lastKey: p.lastKey }));
    // all(): Dynamoose follows LastEvaluatedKey itself.
    const all = await Order.query('customer').eq('ada').limit(4).all().exec();
    out.all = { ns: all.map((i) => i.n), times: all.timesQueried, lastKey: all.lastKey ?? null };
    out.count = await Order.query('customer').eq('ada').count().exec();
    out.countFiltered = await Order.query('customer').eq('ada').filter('total').ge(200).count()
      .exec();
    out.gsiCount = await Order.query('status').eq('open').using('byStatus').count().exec();
    return out;
  },

  async scan() {
    await seed();
    const out = {};
    out.filtered = sortByKey((await Order.scan('total').gt(200).exec()).map(plain))
      .map((i) => [i.customer, i.n]);
    out.filteredTwo = sortByKey((await Order.scan('status').eq('shipped').and().where('total')
      .between(30, 60).exec()).map(plain)).map((i) => [i.customer, i.n, i.total]);
    out.paged = (await pages(() => Order.scan().limit(7)))
      .map((p) => ({ keys: p.items.map((i) => [i.customer, i.n]), count: p.count,
                     hasLastKey: p.lastKey !== null }));
    out.pagedFiltered = (await pages(() => Order.scan('status').eq('open').limit(7)))
      .map((p) => ({ keys: p.items.map((i) => [i.customer, i.n]), count: p.count,
                     scannedCount: p.scannedCount }));
    // parallel(3): one Scan per Segment of TotalSegments 3, merged.
    const parallel = await Order.scan().parallel(3).exec();
    out.parallel = { keys: sortByKey(parallel.map(plain)).map((i) => [i.customer, i.n]),
                     times: parallel.timesScanned };
    out.count = await Order.scan().count().exec();
    out.countFiltered = await Order.scan('customer').eq('bob').count().exec();
    return out;
  },

  async batch() {
    const out = {};
    out.put = await Order.batchPut([
      { customer: 'ada', n: 1, total: 10, tags: new Set(['a']) },
      { customer: 'ada', n: 2, total: 20 },
      { customer: 'bob', n: 1, total: 30, status: 'open' },
    ]);
    const got = await Order.batchGet([
      { customer: 'ada', n: 1 }, { customer: 'bob', n: 1 }, { customer: 'nobody', n: 1 },
      { customer: 'ada', n: 2 },
    ]);
    out.got = sortByKey(got.map(plain));
    out.unprocessedKeys = got.unprocessedKeys;
    // {attributes} makes Dynamoose send the legacy AttributesToGet.
    out.gotAttributes = sortByKey((await Order.batchGet(
      [{ customer: 'ada', n: 1 }, { customer: 'bob', n: 1 }],
      { attributes: ['customer', 'n', 'status'] })).map(plain));
    out.deleted = await Order.batchDelete([{ customer: 'ada', n: 1 }, { customer: 'bob', n: 1 },
                                           { customer: 'nobody', n: 5 }]);
    out.remaining = sortByKey((await Order.scan().exec()).map(plain));
    return out;
  },

  async transaction() {
    const out = {};
    await Order.create({ customer: 'ada', n: 1, status: 'open', total: 100, visits: 1 });
    await Order.create({ customer: 'ada', n: 2, status: 'open', total: 50 });
    const before = sortByKey((await Order.scan().exec()).map(plain));
    out.cancelled = await errorOf(dynamoose.transaction([
      Order.transaction.create({ customer: 'bob', n: 1, total: 1 }),
      Order.transaction.update({ customer: 'ada', n: 1 }, { $ADD: { visits: 1 }, $SET: { total: 90 } }),
      Order.transaction.condition({ customer: 'ada', n: 2 },
                                  new dynamoose.Condition('status').eq('closed')),
    ]));
    out.cancelledItemsUnchanged = JSON.stringify(sortByKey((await Order.scan().exec()).map(plain)))
      === JSON.stringify(before);
    out.afterCancelled = sortByKey((await Order.scan().exec()).map(plain));
    // A create that would overwrite (Dynamoose adds attribute_not_exists) cancels too.
    out.cancelledByCreate = await errorOf(dynamoose.transaction([
      Order.transaction.update({ customer: 'ada', n: 2 }, { $SET: { status: 'gone' } }),
      Order.transaction.create({ customer: 'ada', n: 1, total: 0 }),
    ]));
    out.afterCancelledByCreate = sortByKey((await Order.scan().exec()).map(plain));

    out.committed = await dynamoose.transaction([
      Order.transaction.create({ customer: 'bob', n: 1, total: 1 }),
      Order.transaction.update({ customer: 'ada', n: 1 }, { $ADD: { visits: 1 }, $SET: { total: 90 } }),
      Order.transaction.condition({ customer: 'ada', n: 2 },
                                  new dynamoose.Condition('status').eq('open')),
    ]) ?? null;
    out.afterCommitted = sortByKey((await Order.scan().exec()).map(plain));
    const got = await dynamoose.transaction([
      Order.transaction.get({ customer: 'ada', n: 1 }),
      Order.transaction.get({ customer: 'bob', n: 1 }),
    ]);
    out.got = got.map((i) => (i ? plain(i) : null));
    await dynamoose.transaction([
      Order.transaction.delete({ customer: 'ada', n: 2 }),
      Order.transaction.delete({ customer: 'bob', n: 1 }),
    ]);
    out.afterDeletes = sortByKey((await Order.scan().exec()).map(plain));
    return out;
  },

  async ttl() {
    const Event = eventModel();
    const out = {};
    const before = Math.floor(Date.now() / 1000);
    const created = await Event.create({ id: 'e1', what: 'soon gone' });
    const after = Math.ceil(Date.now() / 1000);
    out.describe = (await ddb.describeTimeToLive({ TableName: 'events' })).TimeToLiveDescription;
    const raw = await rawItem('events', { id: { S: 'e1' } });
    out.rawTypes = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Object.keys(v)[0]]));
    const ttl = Number(raw.ttl.N);
    out.ttlInRange = ttl >= before + 1 && ttl <= after + 1;
    out.ttlMatchesModel = ttl === created.ttl;
    // The sweeper deletes the item once it is past its ttl; poll the raw store for up to 20 s.
    const deadline = Date.now() + 20000;
    let gone = false;
    while (Date.now() < deadline) {
      if ((await rawItem('events', { id: { S: 'e1' } })) === null) { gone = true; break; }
      await new Promise((r) => setTimeout(r, 250));
    }
    out.sweptAfterExpiry = gone;
    out.sweptAtLeastAtTtl = !gone || Date.now() / 1000 >= ttl;
    return out;
  },
};

if (!(area in areas)) {
  console.error(`usage: node dynamoose.mjs <endpoint> <${Object.keys(areas).join('|')}>`);
  process.exit(2);
}
console.log(JSON.stringify(await areas[area]()));
