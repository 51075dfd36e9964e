// A Node.js Lambda handler (ES module) behind the HTTP API route GET /hello/{name}.
// Edit this file while `make run` serves it: the function's instances are recycled and the
// next request runs the new code.
export const handler = async (event, context) => {
  const name = event.pathParameters?.name ?? "world";
  console.log(`greeting ${name}`);
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      message: `hello, ${name}`,
      runtime: `node ${process.version}`,
      requestId: context.awsRequestId,
      remainingMs: context.getRemainingTimeInMillis(),
    }),
  };
};
