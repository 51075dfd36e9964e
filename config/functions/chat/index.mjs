// The chat of config/gatehouse.yaml's WebSocket API: $connect and $disconnect keep the list of
// connections, "sendmessage" broadcasts to all of them through the @connections API.
//
// On AWS the list would live in DynamoDB; here one warm instance keeps it in memory
// (reservedConcurrency: 1 in the config). AWS_ENDPOINT_URL is the gateway's services endpoint,
// where POST /{stage}/@connections/{id} reaches any connection, as the AWS SDKs call it.
const connections = new Set();

export const handler = async (event) => {
  const { eventType, connectionId, stage } = event.requestContext;
  if (eventType === 'CONNECT') {
    connections.add(connectionId);
    return { statusCode: 200 };
  }
  if (eventType === 'DISCONNECT') {
    connections.delete(connectionId);
    return { statusCode: 200 };
  }
  let message = '';
  try {
    message = JSON.parse(event.body).message ?? '';
  } catch {
    return { statusCode: 400, body: 'send {"action": "sendmessage", "message": "..."}' };
  }
  const endpoint = `${process.env.AWS_ENDPOINT_URL}/${stage}/@connections`;
  const data = JSON.stringify({ from: connectionId, message });
  await Promise.all([...connections].map(async (id) => {
    const res = await fetch(`${endpoint}/${encodeURIComponent(id)}`, { method: 'POST', body: data });
    if (res.status === 410) connections.delete(id);  // gone without a $disconnect
  }));
  return { statusCode: 200 };
};
