"""WebSocket APIs end to end (aws-behaviour.md §2): the built gateway serving a WEBSOCKET API
whose routes run a real Node.js Lambda function (tests/fixtures/lambda/websocket), driven by
Python's `websockets` client (Debian python3-websockets) and boto3's apigatewaymanagementapi.

Covered: the handshake ($connect accepts, refuses with the integration's status, negotiates
Sec-WebSocket-Protocol), route selection (custom keys, nested expressions, $default for unmatched
and non-JSON messages, AWS's Forbidden frame without $default), two-way routes, error frames,
the CONNECT / MESSAGE / DISCONNECT events field by field, AWS's limits (binary frames → 1003,
messages over the limit → 1009, idle timeout → 1001 and $disconnect), the @connections API
(POST, GET, DELETE, 410 Gone; also through boto3) and a broadcast to 100 clients.

The `websockets` package is Debian's: when the Python running the tests lacks it, the file
re-runs itself with /usr/bin/python3 (like the boto3 drivers of the other tests)."""


import debian_python

debian_python.require("websockets")

import asyncio
import json
import re
import signal
import tempfile
import unittest
import urllib.error
import urllib.request
from pathlib import Path

import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatusCode

from harness import (CONFIG_DIR, SOURCE_DIR, EchoUpstream, GatewayTestCase, request, run_cli,
                     wait_until)
from lambda_support import function_yaml, listeners_yaml

HANDLER_DIR = SOURCE_DIR / "tests" / "fixtures" / "lambda" / "websocket"
SDK_MODULES = SOURCE_DIR / "tests" / "e2e" / "sdk-js" / "node_modules"
ID_RE = re.compile(r"^[A-Za-z0-9_-]{15}=$")


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


def handshake_status(url: str) -> int:
    """101 when the handshake is accepted, else the HTTP status it was refused with."""
    async def attempt():
        try:
            async with websockets.connect(url):
                return 101
        except InvalidStatusCode as refused:
            return refused.status_code
    return run(attempt())


class WebSocketTest(GatewayTestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="gh-ws-"))
        self.events_file = self.tmp / "events.jsonl"
        self.events_file.touch()

    def config(self, routes: str, *, limits: str = "", api_extra: str = "",
               expression: str = "$request.body.action", **function_settings) -> str:
        extra = f"  limits: {{{limits}}}\n" if limits else ""
        # NODE_PATH lends the handler the JS SDK installed for the tests (tests/e2e/sdk-js).
        environment = {"EVENTS_FILE": str(self.events_file), "NODE_PATH": str(SDK_MODULES)}
        return (listeners_yaml(extra)
                + "functions:\n"
                + function_yaml("ws", "nodejs", HANDLER_DIR, "index.handler",
                                environment=environment, **function_settings)
                + "apis:\n  - id: chat\n    protocol: WEBSOCKET\n"
                + f"    routeSelectionExpression: {json.dumps(expression)}\n"
                + "    stages: {prod: {}}\n" + api_extra
                + "    routes:\n" + routes)

    LAMBDA = "{integration: {type: lambda, function: ws}"
    FULL_ROUTES = (
        f"      $connect: {LAMBDA}}}\n"
        f"      $disconnect: {LAMBDA}}}\n"
        f"      echo: {LAMBDA}, routeResponseSelectionExpression: $default}}\n"
        f"      quiet: {LAMBDA}}}\n"
        f"      $default: {LAMBDA}, routeResponseSelectionExpression: $default}}\n")

    def url(self, gw, query: str = "") -> str:
        return f"ws://127.0.0.1:{gw.api_port}/prod" + (f"?{query}" if query else "")

    def events(self) -> list[dict]:
        return [json.loads(line) for line in self.events_file.read_text().splitlines() if line]

    def wait_event(self, event_type: str, count: int = 1) -> list[dict]:
        return wait_until(lambda: (lambda found: found if len(found) >= count else None)(
            [e for e in self.events() if e["requestContext"]["eventType"] == event_type]), 20,
            message=f"{count} {event_type} event(s)")

    # ------------------------------------------------------------------- routes and events

    def test_route_selection_two_way_and_events(self):
        gw = self.start_gateway(self.config(self.FULL_ROUTES))

        async def session():
            async with websockets.connect(self.url(gw, "room=blue&room=red"),
                                          user_agent_header="ws-test/1") as ws:
                await ws.send(json.dumps({"action": "echo", "n": 1}))
                echo = json.loads(await ws.recv())
                await ws.send("plain text, not JSON")
                default_text = json.loads(await ws.recv())
                await ws.send(json.dumps({"action": "nobody-listens"}))
                default_json = json.loads(await ws.recv())
                await ws.send(json.dumps({"action": "quiet"}))  # one-way: no answer
                await ws.send(json.dumps({"action": "echo", "n": 2}))
                after_quiet = json.loads(await ws.recv())
                await ws.send(json.dumps({"action": "fail"}))
                failure = json.loads(await ws.recv())
                return echo, default_text, default_json, after_quiet, failure

        echo, default_text, default_json, after_quiet, failure = run(session())
        self.assertEqual(echo["route"], "echo")
        self.assertEqual(echo["echo"], {"action": "echo", "n": 1})
        connection_id = echo["connectionId"]
        self.assertRegex(connection_id, ID_RE)
        self.assertEqual(default_text["route"], "$default")
        self.assertEqual(default_text["echo"], "plain text, not JSON")
        self.assertEqual(default_json["route"], "$default")
        self.assertEqual(after_quiet["echo"], {"action": "echo", "n": 2})
        # An integration failure: AWS's error frame, and the connection stays open.
        self.assertEqual(set(failure), {"message", "connectionId", "requestId"})
        self.assertEqual(failure["message"], "Internal server error")
        self.assertEqual(failure["connectionId"], connection_id)

        (connect,) = self.wait_event("CONNECT")
        rc = connect["requestContext"]
        self.assertEqual(rc["routeKey"], "$connect")
        self.assertEqual(rc["eventType"], "CONNECT")
        self.assertEqual(rc["connectionId"], connection_id)
        self.assertEqual(rc["stage"], "prod")
        self.assertEqual(rc["apiId"], "chat")
        self.assertEqual(rc["messageDirection"], "IN")
        self.assertEqual(rc["requestId"], rc["extendedRequestId"])
        self.assertEqual(rc["identity"], {"userAgent": "ws-test/1", "sourceIp": "127.0.0.1"})
        self.assertIsInstance(rc["connectedAt"], int)
        self.assertEqual(connect["headers"]["Sec-WebSocket-Version"], "13")
        self.assertEqual(connect["queryStringParameters"], {"room": "red"})
        self.assertEqual(connect["multiValueQueryStringParameters"], {"room": ["blue", "red"]})
        self.assertFalse(connect["isBase64Encoded"])
        self.assertNotIn("body", connect)

        messages = self.wait_event("MESSAGE", 6)
        first = messages[0]
        self.assertEqual(set(first), {"requestContext", "body", "isBase64Encoded"})
        self.assertEqual(first["body"], json.dumps({"action": "echo", "n": 1}))
        mrc = first["requestContext"]
        self.assertEqual(mrc["routeKey"], "echo")
        self.assertEqual(mrc["connectedAt"], rc["connectedAt"])
        self.assertRegex(mrc["messageId"], ID_RE)
        self.assertEqual(len({m["requestContext"]["messageId"] for m in messages}), 6)
        self.assertEqual([m["requestContext"]["routeKey"] for m in messages],
                         ["echo", "$default", "$default", "quiet", "echo", "$default"])

        (disconnect,) = self.wait_event("DISCONNECT")
        drc = disconnect["requestContext"]
        self.assertEqual(drc["routeKey"], "$disconnect")
        self.assertEqual(drc["disconnectStatusCode"], 1000)
        self.assertEqual(drc["connectionId"], connection_id)
        self.assertEqual(disconnect["headers"]["User-Agent"], "ws-test/1")

    def test_access_log_has_the_websocket_context(self):
        fmt = ('{"eventType":"$context.eventType","routeKey":"$context.routeKey",'
               '"connectionId":"$context.connectionId","messageId":"$context.messageId",'
               '"status":"$context.status"}')
        text = self.config(self.FULL_ROUTES).replace(
            "functions:\n", "logging:\n  accessLog: {destination: stdout, format: "
            + json.dumps(fmt) + "}\nfunctions:\n", 1)
        gw = self.start_gateway(text)

        async def session():
            async with websockets.connect(self.url(gw)) as ws:
                await ws.send(json.dumps({"action": "echo"}))
                return json.loads(await ws.recv())["connectionId"]

        cid = run(session())
        lines = wait_until(lambda: (lambda ls: ls if len(ls) >= 3 else None)(
            [json.loads(l) for l in gw.stdout().splitlines() if l.startswith("{")]), 20,
            message="three access-log lines")
        self.assertEqual([(l["eventType"], l["routeKey"]) for l in lines[:3]],
                         [("CONNECT", "$connect"), ("MESSAGE", "echo"),
                          ("DISCONNECT", "$disconnect")])
        self.assertEqual({l["connectionId"] for l in lines[:3]}, {cid})
        self.assertEqual(lines[0]["status"], "101")
        self.assertRegex(lines[1]["messageId"], ID_RE)
        self.assertEqual(lines[0]["messageId"], "-")

    def test_nested_selection_expression(self):
        routes = (f"      chat/join: {self.LAMBDA}, routeResponseSelectionExpression: $default}}\n"
                  f"      $default: {self.LAMBDA}, routeResponseSelectionExpression: $default}}\n")
        gw = self.start_gateway(self.config(
            routes, expression="${request.body.meta.service}/${request.body.meta.action}"))

        async def session():
            async with websockets.connect(self.url(gw)) as ws:
                await ws.send(json.dumps({"meta": {"service": "chat", "action": "join"}}))
                joined = json.loads(await ws.recv())
                await ws.send(json.dumps({"meta": {"service": "chat"}}))  # "chat/" -> $default
                partial = json.loads(await ws.recv())
                return joined, partial

        joined, partial = run(session())
        self.assertEqual(joined["route"], "chat/join")
        self.assertEqual(partial["route"], "$default")

    def test_without_default_route_unmatched_messages_get_forbidden(self):
        gw = self.start_gateway(self.config(
            f"      echo: {self.LAMBDA}, routeResponseSelectionExpression: $default}}\n"))

        async def session():
            async with websockets.connect(self.url(gw)) as ws:
                await ws.send(json.dumps({"action": "unknown"}))
                forbidden = json.loads(await ws.recv())
                await ws.send(json.dumps({"action": "echo"}))  # still open
                return forbidden, json.loads(await ws.recv())

        forbidden, echo = run(session())
        self.assertEqual(forbidden["message"], "Forbidden")
        self.assertRegex(forbidden["connectionId"], ID_RE)
        self.assertEqual(echo["route"], "echo")

    # ------------------------------------------------------------------------- handshake

    def test_connect_refused_with_the_integrations_status(self):
        gw = self.start_gateway(self.config(self.FULL_ROUTES))
        for status in (401, 403, 400):
            with self.subTest(status=status):
                self.assertEqual(handshake_status(self.url(gw, f"status={status}")), status)
        # A function error on $connect fails the handshake with a 5xx (aws-behaviour.md §2.3).
        self.assertEqual(handshake_status(self.url(gw, "throw=1")), 502)
        # Nothing was registered, no $disconnect ran.
        self.assertEqual([e for e in self.events()
                          if e["requestContext"]["eventType"] == "DISCONNECT"], [])

    def test_subprotocol_from_the_connect_answer(self):
        gw = self.start_gateway(self.config(self.FULL_ROUTES))

        async def session():
            async with websockets.connect(self.url(gw, "protocol=chat.v2"),
                                          subprotocols=["chat.v2"]) as ws:
                return ws.subprotocol

        self.assertEqual(run(session()), "chat.v2")

    def test_connect_without_a_connect_route_is_accepted(self):
        gw = self.start_gateway(self.config(
            f"      $default: {self.LAMBDA}, routeResponseSelectionExpression: $default}}\n"))

        async def session():
            async with websockets.connect(self.url(gw)) as ws:
                await ws.send("hi")
                return json.loads(await ws.recv())

        self.assertEqual(run(session())["echo"], "hi")

    def test_unknown_stage_is_refused(self):
        gw = self.start_gateway(self.config(self.FULL_ROUTES))
        self.assertEqual(handshake_status(f"ws://127.0.0.1:{gw.api_port}/nostage"), 403)

    def test_connect_with_aws_iam_presigned_url_and_api_key(self):
        from botocore.auth import SigV4QueryAuth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        key, secret = "AKIAWEBSOCKETTEST01", "ws-secret"
        iam = ("iam:\n  credentials:\n"
               f"    - {{accessKeyId: {key}, secretAccessKey: {secret}, "
               "arn: 'arn:aws:iam::000000000000:user/ws', policies: [{Statement: [{Effect: Allow, "
               "Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:*:*:chat/prod/$connect'}]}]}\n"
               "apiKeys: [{id: k1, value: ws-key-0123456789abcdefgh}]\n"
               "usagePlans: [{id: p1, apiStages: [{apiId: chat, stage: prod}], apiKeys: [k1]}]\n")
        routes = (f"      $connect: {self.LAMBDA}, authorizationType: AWS_IAM, apiKeyRequired: true}}\n"
                  f"      $default: {self.LAMBDA}, routeResponseSelectionExpression: $default}}\n")
        text = self.config(routes).replace("apis:\n", iam + "apis:\n", 1)
        gw = self.start_gateway(text)
        base = f"http://127.0.0.1:{gw.api_port}/prod"

        def presigned(secret_key: str) -> str:
            req = AWSRequest(method="GET", url=base, headers={"Host": f"127.0.0.1:{gw.api_port}"})
            SigV4QueryAuth(Credentials(key, secret_key), "execute-api", "us-east-1",
                           expires=60).add_auth(req)
            return req.url.replace("http://", "ws://", 1)

        async def attempt(url, headers=None):
            try:
                async with websockets.connect(url, extra_headers=headers or {}) as ws:
                    await ws.send("hi")
                    return json.loads(await ws.recv())
            except InvalidStatusCode as refused:
                return refused.status_code

        api_key = {"x-api-key": "ws-key-0123456789abcdefgh"}
        self.assertEqual(run(attempt(self.url(gw), api_key)), 403)         # unsigned
        self.assertEqual(run(attempt(presigned("wrong"), api_key)), 403)   # bad signature
        self.assertEqual(run(attempt(presigned(secret))), 403)             # no API key
        echo = run(attempt(presigned(secret), api_key))
        self.assertEqual(echo["echo"], "hi")
        (connect,) = self.wait_event("CONNECT")
        identity = connect["requestContext"]["identity"]
        self.assertEqual(identity["userArn"], "arn:aws:iam::000000000000:user/ws")
        self.assertEqual(identity["accessKey"], key)
        self.assertEqual(identity["apiKeyId"], "k1")
        # Later events carry the identity $connect established.
        message = self.wait_event("MESSAGE")[0]
        self.assertEqual(message["requestContext"]["identity"]["userArn"], identity["userArn"])

    # ---------------------------------------------------------------------------- limits

    def test_mock_and_http_proxy_integrations(self):
        # Routes need not be Lambda: a mock answers from config ($context and stage variables
        # filled in), an http_proxy route POSTs the message to its backend, and $connect's
        # http_proxy call gets the handshake's headers but not its Sec-WebSocket-* fields.
        upstream = EchoUpstream().start()
        self.addCleanup(upstream.stop)
        backend = f"http://127.0.0.1:{upstream.port}"
        routes = (
            f"      $connect: {{integration: {{type: http_proxy, uri: '{backend}/connect'}}}}\n"
            "      mock: {integration: {type: mock, body: '{\"conn\": \"$context.connectionId\", "
            "\"route\": \"$context.routeKey\", \"v\": \"$stageVariables.v\"}'}, "
            "routeResponseSelectionExpression: $default}\n"
            f"      put: {{integration: {{type: http_proxy, uri: '{backend}/put', httpMethod: PUT}}}}\n"
            f"      $default: {{integration: {{type: http_proxy, uri: '{backend}/messages'}}, "
            "routeResponseSelectionExpression: $default}\n")
        config = self.config(routes).replace("stages: {prod: {}}",
                                             "stages: {prod: {stageVariables: {v: blue}}}")
        gw = self.start_gateway(config)

        async def session():
            async with websockets.connect(self.url(gw), extra_headers={"X-Team": "a"}) as ws:
                await ws.send(json.dumps({"action": "mock"}))
                mocked = json.loads(await ws.recv())
                await ws.send(json.dumps({"action": "put", "n": 1}))  # one-way: no reply
                await ws.send("plain text")
                proxied = json.loads(await ws.recv())
                return mocked, proxied

        mocked, proxied = run(session())
        self.assertEqual(mocked["route"], "mock")
        self.assertEqual(mocked["v"], "blue")
        self.assertRegex(mocked["conn"], ID_RE)
        self.assertEqual((proxied["method"], proxied["path"], proxied["body"]),
                         ("POST", "/messages", "plain text"))
        connect, put, message = upstream.requests
        self.assertEqual((connect.method, connect.path), ("POST", "/connect"))
        names = {k.lower() for k, _ in connect.headers}
        self.assertIn("x-team", names)
        self.assertFalse({n for n in names if n.startswith("sec-websocket-")}, names)
        self.assertNotIn("upgrade", names)
        self.assertEqual((put.method, put.path, json.loads(put.body)),
                         ("PUT", "/put", {"action": "put", "n": 1}))

    def test_binary_frames_close_1003(self):
        gw = self.start_gateway(self.config(self.FULL_ROUTES))

        async def session():
            async with websockets.connect(self.url(gw)) as ws:
                await ws.send(b"\x00\x01binary")
                with self.assertRaises(ConnectionClosed) as closed:
                    await ws.recv()
                return closed.exception.rcvd.code

        self.assertEqual(run(session()), 1003)
        (disconnect,) = self.wait_event("DISCONNECT")
        self.assertEqual(disconnect["requestContext"]["disconnectStatusCode"], 1003)

    def test_messages_over_the_limit_close_1009(self):
        gw = self.start_gateway(self.config(self.FULL_ROUTES,
                                            limits="webSocketMaxMessageBytes: 1024"))

        async def session():
            async with websockets.connect(self.url(gw)) as ws:
                await ws.send(json.dumps({"action": "echo", "pad": "x" * 900}))
                ok = json.loads(await ws.recv())
                await ws.send(json.dumps({"action": "echo", "pad": "x" * 2000}))
                with self.assertRaises(ConnectionClosed) as closed:
                    await ws.recv()
                return ok, closed.exception.rcvd.code if closed.exception.rcvd else None

        ok, code = run(session())
        self.assertEqual(ok["route"], "echo")
        self.assertEqual(code, 1009)

    def test_frames_over_32_kb_close_1009_but_fragmented_messages_pass(self):
        # AWS's limits: 32 KB per frame, 128 KB per message (aws-behaviour.md §2.5). The same
        # 40 KB message passes in 16 KB fragments and closes the connection as one frame; a
        # good message sent just before the big frame is still routed.
        gw = self.start_gateway(self.config(self.FULL_ROUTES))
        body = json.dumps({"action": "echo", "pad": "x" * 40000})
        fragments = [body[i:i + 16384] for i in range(0, len(body), 16384)]

        async def session():
            async with websockets.connect(self.url(gw), max_size=None) as ws:
                await ws.send(fragments)
                ok = json.loads(await ws.recv())
                await ws.send(json.dumps({"action": "quiet", "n": 1}))
                await ws.send(body)
                with self.assertRaises(ConnectionClosed) as closed:
                    while True:
                        await ws.recv()
                return ok, closed.exception.rcvd.code if closed.exception.rcvd else None

        ok, code = run(session())
        self.assertEqual(ok["route"], "echo")
        self.assertEqual(code, 1009)
        (disconnect,) = self.wait_event("DISCONNECT")
        self.assertEqual(disconnect["requestContext"]["disconnectStatusCode"], 1009)
        routes = [e["requestContext"]["routeKey"] for e in self.events()
                  if e["requestContext"]["eventType"] == "MESSAGE"]
        self.assertEqual(routes, ["echo", "quiet"])  # the oversized frame reached no route

    def test_idle_connections_close_1001_and_disconnect_runs(self):
        gw = self.start_gateway(self.config(self.FULL_ROUTES,
                                            limits="webSocketIdleTimeoutMillis: 600"))

        async def session():
            async with websockets.connect(self.url(gw)) as ws:
                await ws.send(json.dumps({"action": "echo"}))
                await ws.recv()
                with self.assertRaises(ConnectionClosed) as closed:
                    await ws.recv()  # nothing more: the idle timeout closes it
                return closed.exception.rcvd.code

        self.assertEqual(run(session()), 1001)
        (disconnect,) = self.wait_event("DISCONNECT")
        self.assertEqual(disconnect["requestContext"]["disconnectStatusCode"], 1001)

    def test_shutdown_closes_with_1001_after_disconnect(self):
        gw = self.start_gateway(self.config(self.FULL_ROUTES))

        async def session():
            async with websockets.connect(self.url(gw)) as ws:
                await ws.send(json.dumps({"action": "echo"}))
                await ws.recv()
                loop = asyncio.get_running_loop()
                stopping = loop.run_in_executor(None, lambda: gw.stop(signal.SIGTERM))
                with self.assertRaises(ConnectionClosed) as closed:
                    await ws.recv()
                await stopping
                return closed.exception.rcvd.code if closed.exception.rcvd else None

        self.assertEqual(run(session()), 1001)
        (disconnect,) = self.wait_event("DISCONNECT")
        self.assertEqual(disconnect["requestContext"]["disconnectStatusCode"], 1001)

    # --------------------------------------------------------------------- @connections

    def connections_url(self, gw, connection_id: str) -> str:
        return f"http://127.0.0.1:{gw.api_port}/prod/@connections/{connection_id}"

    def test_connections_api(self):
        gw = self.start_gateway(self.config(self.FULL_ROUTES))

        async def session():
            async with websockets.connect(self.url(gw)) as ws:
                await ws.send(json.dumps({"action": "echo"}))
                cid = json.loads(await ws.recv())["connectionId"]
                loop = asyncio.get_running_loop()
                post = await loop.run_in_executor(None, lambda: request(
                    gw.api_port, "POST", f"/prod/@connections/{cid}", body="pushed to you"))
                pushed = await ws.recv()
                info = await loop.run_in_executor(None, lambda: request(
                    gw.api_port, "GET", f"/prod/@connections/{cid}"))
                delete = await loop.run_in_executor(None, lambda: request(
                    gw.api_port, "DELETE", f"/prod/@connections/{cid}"))
                with self.assertRaises(ConnectionClosed) as closed:
                    await ws.recv()
                return cid, post, pushed, info, delete, closed.exception.rcvd.code

        cid, post, pushed, info, delete, code = run(session())
        self.assertEqual(post.status, 200)
        self.assertEqual(pushed, "pushed to you")
        self.assertEqual(info.status, 200)
        body = info.json()
        self.assertEqual(set(body), {"connectedAt", "identity", "lastActiveAt"})
        self.assertRegex(body["connectedAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(body["identity"]["sourceIp"], "127.0.0.1")
        self.assertEqual(delete.status, 204)
        self.assertEqual(code, 1000)
        self.wait_event("DISCONNECT")
        gone = request(gw.api_port, "POST", f"/prod/@connections/{cid}", body="late")
        self.assertEqual(gone.status, 410)
        self.assertEqual(gone.header("x-amzn-ErrorType"), "GoneException")
        self.assertEqual(request(gw.api_port, "GET", f"/prod/@connections/{cid}").status, 410)
        self.assertEqual(request(gw.api_port, "DELETE", f"/prod/@connections/{cid}").status, 410)
        self.assertEqual(request(gw.api_port, "POST", "/prod/@connections/nobody",
                                 body="x").status, 410)

    def test_connections_api_with_boto3(self):
        import boto3
        gw = self.start_gateway(self.config(self.FULL_ROUTES))
        client = boto3.client("apigatewaymanagementapi",
                              endpoint_url=f"http://127.0.0.1:{gw.api_port}/prod",
                              region_name="us-east-1", aws_access_key_id="test",
                              aws_secret_access_key="test")

        async def session():
            async with websockets.connect(self.url(gw)) as ws:
                await ws.send(json.dumps({"action": "echo"}))
                cid = json.loads(await ws.recv())["connectionId"]
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(None, lambda: client.post_to_connection(
                    ConnectionId=cid, Data=b"from boto3"))
                got = await ws.recv()
                info = await loop.run_in_executor(None, lambda: client.get_connection(
                    ConnectionId=cid))
                await loop.run_in_executor(None, lambda: client.delete_connection(
                    ConnectionId=cid))
                with self.assertRaises(ConnectionClosed):
                    await ws.recv()
                return cid, got, info

        cid, got, info = run(session())
        self.assertEqual(got, "from boto3")
        self.assertEqual(info["Identity"]["SourceIp"], "127.0.0.1")
        self.assertIn("ConnectedAt", info)
        self.wait_event("DISCONNECT")
        with self.assertRaises(client.exceptions.GoneException):
            client.post_to_connection(ConnectionId=cid, Data=b"late")

    def test_js_sdk_management_client_inside_a_handler(self):
        # @aws-sdk/client-apigatewaymanagementapi, called by the route's own Lambda handler
        # with endpoint AWS_ENDPOINT_URL/{stage}: GetConnection, then PostToConnection to others.
        gw = self.start_gateway(self.config(self.FULL_ROUTES))

        async def session():
            a, b, c = [await websockets.connect(self.url(gw)) for _ in range(3)]
            ids = []
            for ws in (a, b, c):
                await ws.send(json.dumps({"action": "echo"}))
                ids.append(json.loads(await ws.recv())["connectionId"])
            await a.send(json.dumps({"action": "sdk-push", "to": ids[1:], "text": "via the SDK"}))
            done = json.loads(await a.recv())
            got = [json.loads(await ws.recv()) for ws in (b, c)]
            for ws in (a, b, c):
                await ws.close()
            return ids, done, got

        ids, done, got = run(session())
        self.assertEqual(done, {"route": "$default", "sent": 2})
        self.assertEqual(got, [{"from": ids[0], "text": "via the SDK", "sourceIp": "127.0.0.1"}] * 2)

    ENFORCED_IAM = """iam:
  enforce: true
  credentials:
    - accessKeyId: AKIAWSADMIN0000001
      secretAccessKey: admin-secret
      arn: arn:aws:iam::000000000000:user/admin
      policies: [{Version: "2012-10-17", Statement: [{Effect: Allow,
        Action: "execute-api:ManageConnections", Resource: "arn:aws:execute-api:*:*:chat/prod/*"}]}]
    - accessKeyId: AKIAWSREADER000001
      secretAccessKey: reader-secret
      arn: arn:aws:iam::000000000000:user/reader
      policies: [{Version: "2012-10-17", Statement: [{Effect: Allow,
        Action: "execute-api:ManageConnections",
        Resource: "arn:aws:execute-api:*:*:chat/prod/GET/@connections/*"}]}]
  roles:
    - arn: arn:aws:iam::000000000000:role/chat-handler
      policies: [{Version: "2012-10-17", Statement: [{Effect: Allow,
        Action: "execute-api:*", Resource: "*"}]}]
"""

    def test_connections_api_with_iam_enforced(self):
        # iam.enforce: the @connections API wants SigV4 (service execute-api) and
        # execute-api:ManageConnections on .../{stage}/{METHOD}/@connections/{id}, as AWS does;
        # a function with a role signs with its role session's credentials.
        import boto3
        from botocore.exceptions import ClientError
        gw = self.start_gateway(self.config(self.FULL_ROUTES,
                                            role="arn:aws:iam::000000000000:role/chat-handler")
                                + self.ENFORCED_IAM)

        def client(key, secret, port=None):
            return boto3.client("apigatewaymanagementapi",
                                endpoint_url=f"http://127.0.0.1:{port or gw.api_port}/prod",
                                region_name="us-east-1", aws_access_key_id=key,
                                aws_secret_access_key=secret)
        admin = client("AKIAWSADMIN0000001", "admin-secret")
        reader = client("AKIAWSREADER000001", "reader-secret")
        forger = client("AKIAWSADMIN0000001", "not-the-secret")
        services = client("AKIAWSADMIN0000001", "admin-secret", gw.services_port)

        def error_of(call):
            with self.assertRaises(ClientError) as raised:
                call()
            return raised.exception.response

        async def session():
            a, b, c = [await websockets.connect(self.url(gw)) for _ in range(3)]
            ids = []
            for ws in (a, b, c):
                await ws.send(json.dumps({"action": "echo"}))
                ids.append(json.loads(await ws.recv())["connectionId"])
            loop = asyncio.get_running_loop()
            call = lambda fn: loop.run_in_executor(None, fn)  # noqa: E731
            out = {"ids": ids}
            out["unsigned"] = await call(lambda: request(
                gw.api_port, "POST", f"/prod/@connections/{ids[1]}", body=b"no signature"))
            await call(lambda: admin.post_to_connection(ConnectionId=ids[1], Data=b"signed"))
            out["b_got"] = await b.recv()
            await call(lambda: services.post_to_connection(ConnectionId=ids[2], Data=b"services"))
            out["c_got"] = await c.recv()
            out["reader_get"] = await call(lambda: reader.get_connection(ConnectionId=ids[1]))
            out["reader_post"] = await call(lambda: error_of(
                lambda: reader.post_to_connection(ConnectionId=ids[1], Data=b"denied")))
            out["forged"] = await call(lambda: error_of(
                lambda: forger.post_to_connection(ConnectionId=ids[1], Data=b"forged")))
            out["gone"] = await call(lambda: error_of(
                lambda: admin.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"x")))
            # The handler's own SDK client signs with its role session's credentials.
            await a.send(json.dumps({"action": "sdk-push", "to": ids[1:], "text": "role"}))
            out["pushed"] = json.loads(await a.recv())
            out["pushed_got"] = [json.loads(await ws.recv()) for ws in (b, c)]
            for ws in (a, b, c):
                await ws.close()
            return out

        out = run(session())
        ids = out["ids"]
        self.assertEqual(out["unsigned"].status, 403)
        self.assertEqual(out["unsigned"].header("x-amzn-ErrorType"),
                         "MissingAuthenticationTokenException")
        self.assertEqual((out["b_got"], out["c_got"]), ("signed", "services"))
        self.assertEqual(out["reader_get"]["Identity"]["SourceIp"], "127.0.0.1")
        denied = out["reader_post"]
        self.assertEqual(denied["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.assertEqual(denied["Error"]["Code"], "AccessDeniedException")
        self.assertEqual(
            denied["Error"]["Message"],
            "User: arn:aws:iam::000000000000:user/reader is not authorized to perform: "
            "execute-api:ManageConnections on resource: "
            f"arn:aws:execute-api:us-east-1:000000000000:chat/prod/POST/@connections/{ids[1]}")
        self.assertEqual(out["forged"]["Error"]["Code"], "InvalidSignatureException")
        self.assertEqual(out["gone"]["ResponseMetadata"]["HTTPStatusCode"], 410)
        self.assertEqual(out["pushed"], {"route": "$default", "sent": 2})
        self.assertEqual([m["text"] for m in out["pushed_got"]], ["role", "role"])

    def test_enforced_iam_refuses_a_function_without_a_role(self):
        # The same push from a function with no role: its placeholder keys sign nothing the
        # gateway knows, so the SDK call fails and the client gets the error frame.
        gw = self.start_gateway(self.config(self.FULL_ROUTES) + self.ENFORCED_IAM)

        async def session():
            async with websockets.connect(self.url(gw)) as a, websockets.connect(self.url(gw)) as b:
                await b.send(json.dumps({"action": "echo"}))
                target = json.loads(await b.recv())["connectionId"]
                await a.send(json.dumps({"action": "sdk-push", "to": [target], "text": "x"}))
                return json.loads(await a.recv())

        frame = run(session())
        self.assertEqual(frame["message"], "Internal server error")

    def test_broadcast_to_100_clients(self):
        gw = self.start_gateway(self.config(self.FULL_ROUTES))

        async def session():
            clients = [await websockets.connect(self.url(gw)) for _ in range(100)]
            ids = []
            for ws in clients:
                await ws.send(json.dumps({"action": "echo"}))
                ids.append(json.loads(await ws.recv())["connectionId"])
            loop = asyncio.get_running_loop()
            statuses = await asyncio.gather(*[loop.run_in_executor(None, lambda c=c: request(
                gw.api_port, "POST", f"/prod/@connections/{c}", body="hello everyone").status)
                for c in ids])
            received = await asyncio.gather(*[ws.recv() for ws in clients])
            for ws in clients:
                await ws.close()
            return ids, statuses, received

        ids, statuses, received = run(session())
        self.assertEqual(len(set(ids)), 100)
        self.assertEqual(statuses, [200] * 100)
        self.assertEqual(received, ["hello everyone"] * 100)
        self.wait_event("DISCONNECT", 100)

    # ------------------------------------------------------------- the example chat

    def test_example_chat_broadcasts_from_a_handler(self):
        # config/gatehouse.yaml's chat: the function broadcasts through @connections on the
        # services endpoint (AWS_ENDPOINT_URL), as an SDK client inside a function would.
        gw = self.start_gateway(config_file=CONFIG_DIR / "gatehouse.yaml")
        url = f"ws://127.0.0.1:{gw.api_port}/chat/dev"

        async def session():
            clients = [await websockets.connect(url) for _ in range(3)]
            await clients[0].send("hello?")  # no action: the $default mock answers
            hint = await clients[0].recv()
            await clients[1].send(json.dumps({"action": "sendmessage", "message": "hi all"}))
            got = [json.loads(await ws.recv()) for ws in clients]
            await clients[2].close()
            await clients[0].send(json.dumps({"action": "sendmessage", "message": "two left"}))
            rest = [json.loads(await ws.recv()) for ws in clients[:2]]
            for ws in clients[:2]:
                await ws.close()
            return hint, got, rest

        hint, got, rest = run(session())
        self.assertEqual(hint, 'send {"action": "sendmessage", "message": "..."}')
        self.assertEqual([g["message"] for g in got], ["hi all"] * 3)
        self.assertEqual(len({g["from"] for g in got}), 1)
        self.assertEqual([r["message"] for r in rest], ["two left"] * 2)

    def test_connections_api_on_the_services_endpoint(self):
        gw = self.start_gateway(self.config(self.FULL_ROUTES))

        async def session():
            async with websockets.connect(self.url(gw)) as ws:
                await ws.send(json.dumps({"action": "echo"}))
                cid = json.loads(await ws.recv())["connectionId"]
                loop = asyncio.get_running_loop()
                wrong_stage = await loop.run_in_executor(None, lambda: request(
                    gw.services_port, "POST", f"/dev/@connections/{cid}", body="x"))
                post = await loop.run_in_executor(None, lambda: request(
                    gw.services_port, "POST", f"/prod/@connections/{cid}", body="via services"))
                return wrong_stage, post, await ws.recv()

        wrong_stage, post, got = run(session())
        self.assertEqual(wrong_stage.status, 410)
        self.assertEqual(post.status, 200)
        self.assertEqual(got, "via services")

    # ------------------------------------------------------------------------ validation

    def test_validate_reports_websocket_mistakes(self):
        bad = (listeners_yaml()
               + "apis:\n  - id: chat\n    protocol: WEBSOCKET\n"
               + "    routes:\n"
               + "      $weird: {integration: {type: mock}}\n"
               + "      $connect: {integration: {type: mock}, "
               + "routeResponseSelectionExpression: $default}\n"
               + "  - id: web\n    protocol: HTTP\n"
               + "    routeSelectionExpression: $request.body.action\n"
               + "    routes: {\"GET /\": {integration: {type: mock}}}\n")
        path = self.tmp / "bad.yaml"
        path.write_text(bad)
        out = run_cli("validate", str(path))
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        for message in ("apis[0].routeSelectionExpression: missing required key",
                        "WebSocket route keys are $connect, $disconnect, $default or a custom key",
                        "$connect and $disconnect cannot answer with a message",
                        "apis[1].routeSelectionExpression: routeSelectionExpression is a "
                        "WEBSOCKET API setting"):
            self.assertIn(message, out.stderr)
        self.assertRegex(out.stderr, r"bad\.yaml:\d+:\d+: error:")

    def test_validate_reports_role_mistakes(self):
        config = self.config(self.FULL_ROUTES, role="arn:aws:iam::000000000000:role/unlisted")
        path = self.tmp / "roles.yaml"
        path.write_text(config + "iam:\n  roles:\n    - {arn: 'arn:aws:iam::000000000000:user/x'}\n")
        out = run_cli("validate", str(path))
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertIn("functions.ws.role: no iam.roles entry has the arn "
                      "'arn:aws:iam::000000000000:role/unlisted'", out.stderr)
        self.assertIn("iam.roles[0].arn: a role's arn is arn:aws:iam::123456789012:role/name",
                      out.stderr)


if __name__ == "__main__":
    unittest.main()
