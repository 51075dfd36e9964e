// DynamoDB transactions through the AWS SDK for JavaScript v3 against a running gateway
// (tests/e2e/test_dynamodb_transactions.py): `node transactions.mjs <endpoint>` expects the
// test's `accounts` table holding { id: 'ada', balance: 10 } and prints one JSON object of what
// the SDK handed back. Dummy credentials, no retries.
import { DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, TransactGetCommand, TransactWriteCommand }
  from '@aws-sdk/lib-dynamodb';

const client = new DynamoDBClient({
  endpoint: process.argv[2],
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});
const doc = DynamoDBDocumentClient.from(client);
const out = {};

const withdraw = (amount) => ({
  Update: {
    TableName: 'accounts', Key: { id: 'ada' },
    UpdateExpression: 'SET balance = balance - :a', ConditionExpression: 'balance >= :a',
    ExpressionAttributeValues: { ':a': amount }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  },
});

// Too much: cancelled, with the reasons (the SDK parses CancellationReasons).
try {
  await doc.send(new TransactWriteCommand({
    TransactItems: [{ Put: { TableName: 'accounts', Item: { id: 'bob', balance: 100 } } }, withdraw(100)],
  }));
  out.cancelled = 'committed';
} catch (e) {
  out.cancelled = {
    name: e.name,
    message: e.message,
    reasons: e.CancellationReasons.map((r) => JSON.parse(JSON.stringify({
      ...r,
      // The document client leaves errors alone: plain values for comparison.
      Item: r.Item && { id: r.Item.id.S, balance: Number(r.Item.balance.N) },
    }))),
  };
}

await doc.send(new TransactWriteCommand({
  TransactItems: [withdraw(6), { Put: { TableName: 'accounts', Item: { id: 'bob', balance: 6 } } }],
}));
out.balances = Object.fromEntries((await doc.send(new ScanCommand({ TableName: 'accounts' })))
  .Items.map((i) => [i.id, i.balance]));

out.got = (await doc.send(new TransactGetCommand({
  TransactItems: [
    { Get: { TableName: 'accounts', Key: { id: 'ada' } } },
    { Get: { TableName: 'accounts', Key: { id: 'nobody' } } },
  ],
}))).Responses.map((r) => r.Item ?? null);

const put = (balance) => new TransactWriteItemsCommand({
  ClientRequestToken: 'js-token',
  TransactItems: [{ Put: { TableName: 'accounts', Item: { id: { S: 'eve' }, balance: { N: `${balance}` } } } }],
});
await client.send(put(1));
await client.send(put(1));
try {
  await client.send(put(2));
  out.mismatch = 'accepted';
} catch (e) {
  out.mismatch = e.name;
}
process.stdout.write(`${JSON.stringify(out)}\n`);
