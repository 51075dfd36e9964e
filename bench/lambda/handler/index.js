// The one handler both sides run (bench/lambda/run.sh): Gatehouse as `handler/index.hello`
// (codeUri bench/lambda/handler), serverless-offline as `handler/index.hello` from
// bench/lambda/serverless.yml. It must not print: a log line per request would measure logging.
module.exports.hello = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'text/plain' },
  body: 'hello',
});
