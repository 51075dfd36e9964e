// Lambda Invoke through the AWS SDK for JavaScript v3, for tests/e2e/test_lambda_invoke_sdk.py.
//
//   node invoke.mjs <endpoint> '<json>'
//
// <json> is {"calls": [call, ...], "timeoutMs": n}; each call holds Invoke parameters as the SDK
// names them: FunctionName, and optionally Payload (a string), InvocationType, LogType,
// ClientContext (base64) and Qualifier. The calls run one after the other; one JSON array is
// printed on stdout with one object per call:
//   {"ok": true, "httpStatus", "requestId", "StatusCode", "FunctionError", "LogResult",
//    "ExecutedVersion", "Payload" (UTF-8 text)}
//   {"ok": false, "name", "message", "httpStatus", "requestId", "fault", "Type", "Reason"}
// The same shapes come from the boto3 driver in test_lambda_invoke_sdk.py, so each test runs
// unchanged against both SDKs. Exit status 0 whenever every call got an answer (errors included).
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

const [endpoint, json] = process.argv.slice(2);
if (!endpoint || !json) {
  console.error('usage: node invoke.mjs <endpoint> <json>');
  process.exit(2);
}
const { calls, timeoutMs = 30000 } = JSON.parse(json);

const client = new LambdaClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1, // no retries: a 429 must reach the test as it was answered
  requestHandler: { connectionTimeout: 5000, requestTimeout: timeoutMs, throwOnRequestTimeout: true },
});

const text = (bytes) => (bytes == null ? '' : Buffer.from(bytes).toString('utf8'));
const orNull = (value) => (value === undefined ? null : value);

const results = [];
for (const call of calls) {
  const input = { ...call };
  if (input.Payload !== undefined) input.Payload = Buffer.from(input.Payload, 'utf8');
  try {
    const out = await client.send(new InvokeCommand(input), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
    results.push({
      ok: true,
      httpStatus: out.$metadata.httpStatusCode,
      requestId: orNull(out.$metadata.requestId),
      StatusCode: orNull(out.StatusCode),
      FunctionError: orNull(out.FunctionError),
      LogResult: orNull(out.LogResult),
      ExecutedVersion: orNull(out.ExecutedVersion),
      Payload: text(out.Payload),
    });
  } catch (err) {
    // No HTTP answer (connection refused, timeout): a crash with the stack on stderr, exit 1.
    if (err.$metadata?.httpStatusCode === undefined) throw err;
    results.push({
      ok: false,
      name: err.name,
      message: err.message,
      httpStatus: orNull(err.$metadata.httpStatusCode),
      requestId: orNull(err.$metadata.requestId),
      fault: orNull(err.$fault),
      Type: orNull(err.Type),
      Reason: orNull(err.Reason),
    });
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
