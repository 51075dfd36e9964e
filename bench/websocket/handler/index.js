// The one handler both sides of bench/websocket/run.sh run on their WebSocket routes (two-way:
// the returned body goes back to the client): "whoami" answers the caller's connection id, every
// other message ($default) is echoed. It must not print: a log line per message would measure
// logging.
module.exports.handler = async (event) => ({
  statusCode: 200,
  body: event.requestContext.routeKey === 'whoami' ? event.requestContext.connectionId : event.body,
});
