// The AWS SDK for JavaScript v3's DynamoDB clients against a running gateway
// (tests/e2e/test_dynamodb.py): `node dynamodb.mjs <endpoint>` runs one scenario with the
// low-level client and the document client (@aws-sdk/lib-dynamodb, which marshals plain JS
// values) and prints one JSON object of what the SDK handed back. Dummy credentials, no retries.
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, waitUntilTableExists }
  from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand }
  from '@aws-sdk/lib-dynamodb';

const endpoint = process.argv[2];
const client = new DynamoDBClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});
const doc = DynamoDBDocumentClient.from(client);
const out = {};

const created = await client.send(new CreateTableCommand({
  TableName: 'orders',
  KeySchema: [{ AttributeName: 'customer', KeyType: 'HASH' }, { AttributeName: 'n', KeyType: 'RANGE' }],
  AttributeDefinitions: [
    { AttributeName: 'customer', AttributeType: 'S' },
    { AttributeName: 'n', AttributeType: 'N' },
  ],
  BillingMode: 'PAY_PER_REQUEST',
}));
out.createdStatus = created.TableDescription.TableStatus;
await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 1 }, { TableName: 'orders' });

await doc.send(new PutCommand({
  TableName: 'orders',
  Item: { customer: 'ada', n: 1, total: 12.5, items: ['tea', 'cake'], tags: new Set(['new', 'vip']),
          address: { city: 'London', zip: null }, paid: true },
}));
const replaced = await doc.send(new PutCommand({
  TableName: 'orders',
  Item: { customer: 'ada', n: 1, total: 13 },
  ReturnValues: 'ALL_OLD',
}));
out.replaced = { ...replaced.Attributes, tags: [...replaced.Attributes.tags].sort() };
out.got = (await doc.send(new GetCommand({ TableName: 'orders', Key: { customer: 'ada', n: 1 } }))).Item;
out.missing = (await doc.send(new GetCommand({ TableName: 'orders', Key: { customer: 'bob', n: 1 } }))).Item ?? null;
out.itemCount = (await client.send(new DescribeTableCommand({ TableName: 'orders' }))).Table.ItemCount;
out.updated = (await doc.send(new UpdateCommand({
  TableName: 'orders', Key: { customer: 'ada', n: 2 },
  UpdateExpression: 'SET #s = :s ADD visits :one',
  ExpressionAttributeNames: { '#s': 'status' },
  ExpressionAttributeValues: { ':s': 'open', ':one': 1 },
  ReturnValues: 'ALL_NEW',
}))).Attributes;
out.queried = (await doc.send(new QueryCommand({
  TableName: 'orders', KeyConditionExpression: 'customer = :c AND n >= :n',
  ExpressionAttributeValues: { ':c': 'ada', ':n': 1 }, ScanIndexForward: false,
}))).Items.map((i) => i.n);
out.deleted = (await doc.send(new DeleteCommand({
  TableName: 'orders', Key: { customer: 'ada', n: 1 }, ReturnValues: 'ALL_OLD',
}))).Attributes;
try {
  await doc.send(new GetCommand({ TableName: 'nope', Key: { customer: 'ada', n: 1 } }));
} catch (e) {
  out.error = { name: e.name, message: e.message, status: e.$metadata.httpStatusCode };
}
process.stdout.write(`${JSON.stringify(out)}\n`);
