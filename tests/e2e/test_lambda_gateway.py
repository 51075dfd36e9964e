"""Lambda functions behind API Gateway routes, end to end: the built gateway runs the fixtures of
tests/fixtures/lambda as real Node.js, Python and `provided` (bash) processes, and clients talk
to it over loopback (http.client and curl).

What is checked is what a user coming from AWS sees: the proxy event each handler receives
(payload 1.0 on a REST API, 2.0 on an HTTP API), how the result becomes the HTTP response, and
API Gateway's exact answers when a function throws, times out, crashes, fails to initialise or
returns something malformed (aws-behaviour.md §1.4 and §3.3/§3.4, docs/aws-notes-lambda.md §4),
plus the function's log lines in the gateway's log."""

import base64
import json
import re
import time
import unittest

from harness import UUID_RE, Gateway, request, wait_until
from lambda_support import (HTTP_INTERNAL, HTTP_UNAVAILABLE, LAMBDA_REQUEST_ID, NODE_DIR,
                            PROVIDED_DIR, PYTHON_DIR, REST_INTERNAL, REST_TIMEOUT, call,
                            environ_of,
                            function_processes, function_yaml, invocations, lambda_lines,
                            listeners_yaml, report_of, wait_for_lambda_line, wait_gone)

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==")

# name -> (runtime, code directory, handler, extra settings)
FUNCTIONS = {
    "node-hello": ("nodejs", NODE_DIR, "index.hello", {}),
    "node-async": ("nodejs", NODE_DIR, "index.asyncHello", {}),
    "node-callback": ("nodejs", NODE_DIR, "index.callback", {}),
    "node-nested": ("nodejs", NODE_DIR, "lib/nested.deep.handler", {}),
    "node-esm": ("nodejs", NODE_DIR / "esm", "index.handler", {}),
    "node-echo": ("nodejs", NODE_DIR, "index.echo", {}),
    "node-throws": ("nodejs", NODE_DIR, "index.throws", {}),
    "node-rejects": ("nodejs", NODE_DIR, "index.rejects", {}),
    "node-malformed": ("nodejs", NODE_DIR, "index.malformed", {}),
    "node-binary": ("nodejs", NODE_DIR, "index.binary", {}),
    "node-string": ("nodejs", NODE_DIR, "index.plainString", {}),
    "node-prints": ("nodejs", NODE_DIR, "index.prints", {}),
    "node-context": ("nodejs", NODE_DIR, "index.context", {"memorySize": 256, "timeout": 7}),
    "node-sleep": ("nodejs", NODE_DIR, "index.sleep", {"timeout": 1}),
    "node-crash": ("nodejs", NODE_DIR, "index.crash", {}),
    "node-initerror": ("nodejs", NODE_DIR / "initerror", "index.handler", {}),
    "node-syntaxerror": ("nodejs", NODE_DIR / "syntaxerror", "index.handler", {}),
    "node-nohandler": ("nodejs", NODE_DIR, "index.nope", {}),
    "py-hello": ("python", PYTHON_DIR, "app.hello", {}),
    "py-echo": ("python", PYTHON_DIR, "app.echo", {}),
    "py-pkg": ("python", PYTHON_DIR, "pkg.mod.fn", {}),
    "py-throws": ("python", PYTHON_DIR, "app.throws", {}),
    "py-binary": ("python", PYTHON_DIR, "app.binary", {}),
    "py-prints": ("python", PYTHON_DIR, "app.prints", {}),
    "py-context": ("python", PYTHON_DIR, "app.context", {}),
    "py-env": ("python", PYTHON_DIR, "app.env", {"environment": {"TABLE": "orders", "EMPTY": ""}}),
    "py-sleep": ("python", PYTHON_DIR, "app.sleep", {"timeout": 5}),
    "py-initerror": ("python", PYTHON_DIR / "initerror", "app.lambda_handler", {}),
    "py-unserialisable": ("python", PYTHON_DIR, "app.unserialisable", {}),
    "provided-echo": ("provided", PROVIDED_DIR, None, {}),
}


def routes_yaml(names, payload=None, prefix=""):
    """One `GET|POST /<name>` route per function (ANY), plus the options given."""
    lines = []
    for name in names:
        extra = f", payloadFormatVersion: \"{payload}\"" if payload else ""
        lines.append(f"      \"ANY {prefix}/{name}\":\n"
                     f"        integration: {{type: lambda, function: {name}{extra}}}\n")
    return "".join(lines)


CONFIG = (listeners_yaml()
          + "functions:\n"
          + "".join(function_yaml(n, rt, code, h, **s) for n, (rt, code, h, s) in FUNCTIONS.items())
          + "apis:\n"
          + "  - id: web\n    protocol: HTTP\n    routes:\n"
          + routes_yaml(FUNCTIONS)
          + "      \"GET /items/{id}\":\n        integration: {type: lambda, function: node-echo}\n"
          + "      \"GET /v1/echo\":\n"
          + "        integration: {type: lambda, function: py-echo, payloadFormatVersion: \"1.0\"}\n"
          + "      \"GET /slow\":\n"
          + "        integration: {type: lambda, function: py-sleep, timeoutInMillis: 300}\n"
          + "  - id: shop\n    protocol: REST\n    binaryMediaTypes: [image/png]\n"
          + "    stages:\n      dev:\n        stageVariables: {color: blue}\n    routes:\n"
          + routes_yaml(FUNCTIONS)
          + "      \"GET /items/{id}\":\n        integration: {type: lambda, function: py-echo}\n"
          + "      \"POST /upload\":\n        integration: {type: lambda, function: node-echo}\n"
          + "      \"GET /slow\":\n"
          + "        integration: {type: lambda, function: py-sleep, timeoutInMillis: 300}\n")


class LambdaGatewayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(CONFIG)
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def http(self, method, path, **kw):
        return call(self.gw, "web", method, path, **kw)

    def rest(self, method, path, **kw):
        return call(self.gw, "shop", method, "/dev" + path, **kw)

    # ------------------------------------------------------------------------- handler styles

    def test_every_runtime_and_handler_style_answers(self):
        cases = {
            "/node-hello": b"hello from node",
            "/node-async": b"hello from async node",
            "/node-callback": b"hello from callback",
            "/node-nested": b"hello from lib/nested",
            "/py-hello": b"hello from python",
            "/py-pkg": b"hello from pkg.mod",
        }
        for path, body in cases.items():
            for api in (self.http, self.rest):
                with self.subTest(path=path, api=api.__name__):
                    r = api("GET", path)
                    self.assertEqual(r.status, 200, r.text)
                    self.assertEqual(r.body, body)
                    # No Content-Type from the function: REST APIs answer application/json,
                    # HTTP APIs text/plain (recorded on AWS, see proxy_result.cpp).
                    self.assertEqual(r.header("Content-Type"),
                                     "application/json" if api == self.rest
                                     else "text/plain; charset=utf-8")

    def test_es_module_handler(self):
        r = self.http("GET", "/node-esm?x=1")
        self.assertEqual(r.status, 200, r.text)
        body = r.json()
        self.assertEqual(body["message"], "hello from esm")
        self.assertEqual(body["event"]["rawQueryString"], "x=1")

    def test_provided_bootstrap_receives_the_event_bytes(self):
        # The bash bootstrap posts the event back unchanged. A 2.0 result without statusCode is
        # a 200 whose body is the JSON itself, so the response is the event AWS would build.
        r = self.http("POST", "/provided-echo?a=b", body="payload",
                      headers={"Content-Type": "text/plain"})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.header("Content-Type"), "application/json")
        event = r.json()
        self.assertEqual(event["version"], "2.0")
        self.assertEqual(event["routeKey"], "ANY /provided-echo")
        self.assertEqual(event["body"], "payload")
        self.assertEqual(event["queryStringParameters"], {"a": "b"})
        wait_for_lambda_line(self.gw, "provided-echo", r"^provided bootstrap: request "
                             + LAMBDA_REQUEST_ID + r", \d+ bytes$")

    # -------------------------------------------------------------------------------- events

    def test_payload_2_0_event(self):
        r = self.http("GET", "/items/42?b=2&a=1&a=3",
                      headers={"Cookie": "c1=v1; c2=v2", "X-Multi": "one", "User-Agent": "t/1"})
        self.assertEqual(r.status, 200, r.text)
        self.assertRegex(r.header("apigw-requestid"), r"^[A-Za-z0-9_-]{15}=$")
        e = r.json()
        self.assertEqual(e["version"], "2.0")
        self.assertEqual(e["routeKey"], "GET /items/{id}")
        self.assertEqual(e["rawPath"], "/items/42")
        self.assertEqual(e["rawQueryString"], "b=2&a=1&a=3")
        self.assertEqual(e["cookies"], ["c1=v1", "c2=v2"])
        self.assertEqual(e["queryStringParameters"], {"a": "1,3", "b": "2"})
        self.assertEqual(e["pathParameters"], {"id": "42"})
        self.assertEqual(e["headers"]["x-multi"], "one")
        self.assertEqual(e["headers"]["user-agent"], "t/1")
        self.assertNotIn("cookie", e["headers"])
        self.assertFalse(e["isBase64Encoded"])
        self.assertNotIn("body", e)
        rc = e["requestContext"]
        self.assertEqual(rc["apiId"], "web")
        self.assertEqual(rc["stage"], "$default")
        self.assertEqual(rc["routeKey"], "GET /items/{id}")
        self.assertEqual(rc["http"], {"method": "GET", "path": "/items/42", "protocol": "HTTP/1.1",
                                      "sourceIp": "127.0.0.1", "userAgent": "t/1"})
        self.assertEqual(rc["requestId"], r.header("apigw-requestid"))
        self.assertEqual(rc["domainName"], "web.execute-api.localhost")
        self.assertEqual(rc["domainPrefix"], "web")
        self.assertIsInstance(rc["timeEpoch"], int)

    def test_payload_1_0_event_on_a_rest_api(self):
        r = self.rest("GET", "/items/7?q=a&q=b", headers={"X-Test": "yes"})
        self.assertEqual(r.status, 200, r.text)
        e = r.json()
        self.assertEqual(e["resource"], "/items/{id}")
        self.assertEqual(e["path"], "/items/7")
        self.assertEqual(e["httpMethod"], "GET")
        self.assertEqual(e["pathParameters"], {"id": "7"})
        self.assertEqual(e["queryStringParameters"], {"q": "b"})  # 1.0: the last value
        self.assertEqual(e["multiValueQueryStringParameters"], {"q": ["a", "b"]})
        self.assertEqual(e["headers"]["X-Test"], "yes")
        self.assertEqual(e["multiValueHeaders"]["X-Test"], ["yes"])
        self.assertEqual(e["stageVariables"], {"color": "blue"})
        self.assertIsNone(e["body"])
        self.assertFalse(e["isBase64Encoded"])
        rc = e["requestContext"]
        self.assertEqual(rc["stage"], "dev")
        self.assertEqual(rc["resourcePath"], "/items/{id}")
        self.assertEqual(rc["path"], "/dev/items/7")
        self.assertEqual(rc["httpMethod"], "GET")
        self.assertEqual(rc["apiId"], "shop")
        self.assertEqual(rc["identity"]["sourceIp"], "127.0.0.1")
        self.assertEqual(rc["requestId"], r.header("x-amzn-RequestId"))
        self.assertRegex(rc["requestId"], UUID_RE)
        self.assertIsInstance(rc["requestTimeEpoch"], int)

    def test_payload_1_0_on_an_http_api(self):
        r = self.http("GET", "/v1/echo?k=v")
        self.assertEqual(r.status, 200, r.text)
        e = r.json()
        self.assertEqual(e["version"], "1.0")
        self.assertEqual(e["resource"], "/v1/echo")
        self.assertEqual(e["queryStringParameters"], {"k": "v"})
        self.assertEqual(e["requestContext"]["stage"], "$default")

    def test_binary_request_bodies_are_base64(self):
        # HTTP API: anything that is not text is base64-encoded.
        r = self.http("POST", "/node-echo", body=PNG, headers={"Content-Type": "image/png"})
        e = r.json()
        self.assertTrue(e["isBase64Encoded"])
        self.assertEqual(base64.b64decode(e["body"]), PNG)
        r = self.http("POST", "/node-echo", body='{"a":1}',
                      headers={"Content-Type": "application/json"})
        e = r.json()
        self.assertFalse(e["isBase64Encoded"])
        self.assertEqual(e["body"], '{"a":1}')
        # REST API: only content types in binaryMediaTypes.
        r = self.rest("POST", "/upload", body=PNG, headers={"Content-Type": "image/png"})
        e = r.json()
        self.assertTrue(e["isBase64Encoded"])
        self.assertEqual(base64.b64decode(e["body"]), PNG)
        r = self.rest("POST", "/upload", body="plain", headers={"Content-Type": "text/plain"})
        e = r.json()
        self.assertFalse(e["isBase64Encoded"])
        self.assertEqual(e["body"], "plain")

    # ---------------------------------------------------------------------------------- results

    def test_binary_results(self):
        # HTTP API: isBase64Encoded results are always decoded.
        for fn in ("node-binary", "py-binary"):
            r = self.http("GET", "/" + fn)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.header("Content-Type"), "image/png")
            self.assertEqual(r.body, PNG)
        # REST API: decoded only when Accept matches binaryMediaTypes, else the base64 text.
        r = self.rest("GET", "/node-binary", headers={"Accept": "image/png"})
        self.assertEqual(r.body, PNG)
        r = self.rest("GET", "/py-binary", headers={"Accept": "application/json"})
        self.assertEqual(r.body, base64.b64encode(PNG))

    def test_non_object_results(self):
        # HTTP API (2.0): a string result is a 200 with the string as the body (the docs'
        # "Hello from Lambda!" example); REST (1.0): malformed, 502.
        r = self.http("GET", "/node-string")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b'just a string')
        self.assertEqual(r.header("Content-Type"), "application/json")
        r = self.rest("GET", "/node-string")
        self.assertEqual(r.status, 502)
        self.assertEqual(r.body, REST_INTERNAL)

    def test_malformed_proxy_result(self):
        r = self.rest("GET", "/node-malformed")
        self.assertEqual(r.status, 502)
        self.assertEqual(r.body, REST_INTERNAL)
        self.assertEqual(r.header("x-amzn-ErrorType"), "InternalServerErrorException")
        self.assertRegex(r.header("x-amzn-RequestId"), UUID_RE)
        # Payload 2.0 has no unknown-key rule: {"statusCode":200,"bogus":1} is a 200, empty body.
        r = self.http("GET", "/node-malformed")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"")

    # ----------------------------------------------------------------------------- failures

    def assert_function_error(self, fn):
        r = self.rest("GET", "/" + fn)
        self.assertEqual(r.status, 502, r.text)
        self.assertEqual(r.body, REST_INTERNAL)
        self.assertEqual(r.header("x-amzn-ErrorType"), "InternalServerErrorException")
        r = self.http("GET", "/" + fn)
        self.assertEqual(r.status, 500, r.text)
        self.assertEqual(r.body, HTTP_INTERNAL)
        self.assertIsNone(r.header("x-amzn-ErrorType"))

    def test_handler_errors(self):
        for fn in ("node-throws", "node-rejects", "py-throws", "py-unserialisable"):
            with self.subTest(fn=fn):
                self.assert_function_error(fn)

    def test_init_errors(self):
        for fn, error_type in (("node-initerror", "Error"),
                               ("node-syntaxerror", "Runtime.UserCodeSyntaxError"),
                               ("node-nohandler", "Runtime.HandlerNotFound"),
                               ("py-initerror", "RuntimeError")):
            with self.subTest(fn=fn):
                self.assert_function_error(fn)
                # The reason is in the log, for the user to read.
                wait_for_lambda_line(self.gw, fn, re.escape(error_type))

    def test_function_timeout_is_a_function_error(self):
        # timeout: 1 s; the handler sleeps 10 s. The instance is killed; API Gateway sees a
        # Sandbox.Timedout function error: REST 502.
        r = self.rest("GET", "/node-sleep", timeout=20)
        self.assertEqual(r.status, 502, r.text)
        self.assertEqual(r.body, REST_INTERNAL)
        ids = invocations(self.gw, "node-sleep")
        self.assertTrue(ids)
        wait_for_lambda_line(self.gw, "node-sleep", r"Task timed out after 1\.00 seconds",
                             request_id=ids[-1])
        wait_until_no_processes(self, self.gw, "node-sleep")

    def test_integration_timeout_answers_before_the_function_ends(self):
        # timeoutInMillis: 300, the function sleeps 10 s (its own timeout is 5 s).
        r = self.rest("GET", "/slow", timeout=10)
        self.assertEqual(r.status, 504)
        self.assertEqual(r.body, REST_TIMEOUT)
        self.assertEqual(r.header("x-amzn-ErrorType"), "InternalServerErrorException")
        r = self.http("GET", "/slow", timeout=10)
        self.assertEqual(r.status, 503)
        self.assertEqual(r.body, HTTP_UNAVAILABLE)

    def test_crash_mid_invoke_and_the_next_request(self):
        r = self.rest("GET", "/node-crash")
        self.assertEqual(r.status, 502, r.text)
        rid = invocations(self.gw, "node-crash")[-1]
        wait_for_lambda_line(self.gw, "node-crash", r"\tINFO\tcrash: exiting with status 3$",
                             request_id=rid)
        wait_for_lambda_line(self.gw, "node-crash", r"Runtime exited with error: exit status 3",
                             request_id=rid)
        # The REPORT still has the memory the process used (read when it was reaped).
        self.assertGreater(int(report_of(self.gw, "node-crash", rid)["used"]), 5)
        # A fresh instance serves the next one (and crashes the same way).
        r = self.http("GET", "/node-crash")
        self.assertEqual(r.status, 500)
        self.assertEqual(len(invocations(self.gw, "node-crash")), 2)

    # ------------------------------------------------------------------------------ context

    def test_node_context_object(self):
        r = self.http("GET", "/node-context")
        self.assertEqual(r.status, 200, r.text)
        c = r.json()
        self.assertRegex(c["awsRequestId"], UUID_RE)
        self.assertEqual(c["functionName"], "node-context")
        self.assertEqual(c["functionVersion"], "$LATEST")
        self.assertEqual(c["invokedFunctionArn"],
                         "arn:aws:lambda:us-east-1:000000000000:function:node-context")
        self.assertEqual(c["memoryLimitInMB"], "256")
        self.assertEqual(c["logGroupName"], "/aws/lambda/node-context")
        self.assertRegex(c["logStreamName"], r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$")
        self.assertTrue(c["callbackWaitsForEmptyEventLoop"])
        self.assertTrue(5000 < c["remainingTimeInMillis"] <= 7000, c)
        self.assertRegex(c["traceId"], r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};"
                                       r"Sampled=[01]")

    def test_python_context_object(self):
        r = self.rest("GET", "/py-context")
        self.assertEqual(r.status, 200, r.text)
        c = r.json()
        self.assertRegex(c["aws_request_id"], UUID_RE)
        self.assertEqual(c["function_name"], "py-context")
        self.assertEqual(c["memory_limit_in_mb"], "128")
        self.assertTrue(0 < c["remaining_time_in_millis"] <= 3000, c)
        self.assertEqual(c["log_group_name"], "/aws/lambda/py-context")

    def test_function_environment(self):
        r = self.http("POST", "/py-env", body="")
        self.assertEqual(r.status, 200, r.text)
        # app.env reads names from the event; through API Gateway the event is the proxy
        # event, so only the fixed list is there: the runtime's variables.
        env = r.json()
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_NAME"], "py-env")
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST")
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "128")
        self.assertEqual(env["AWS_REGION"], "us-east-1")
        self.assertEqual(env["AWS_DEFAULT_REGION"], "us-east-1")
        self.assertEqual(env["_HANDLER"], "app.env")
        self.assertEqual(env["LAMBDA_TASK_ROOT"], str(PYTHON_DIR.resolve()))
        self.assertRegex(env["AWS_LAMBDA_RUNTIME_API"], r"^127\.0\.0\.1:\d+$")
        self.assertEqual(env["TZ"], ":UTC")
        pids = function_processes(self.gw, "py-env")
        self.assertEqual(len(pids), 1)
        proc_env = environ_of(pids[0])
        self.assertEqual(proc_env.get("TABLE"), "orders")
        self.assertEqual(proc_env.get("EMPTY"), "")

    # --------------------------------------------------------------------------------- logs

    def test_node_log_lines_are_tagged_and_framed(self):
        r = self.http("POST", "/node-prints")
        self.assertEqual(r.status, 200)
        rid = invocations(self.gw, "node-prints")[-1]
        report = report_of(self.gw, "node-prints", rid)
        self.assertEqual(report["memory"], "128")
        self.assertGreaterEqual(int(report["billed"]), 1)
        self.assertIsNotNone(report["init"])  # the first invocation of a new instance
        texts = [l.text for l in lambda_lines(self.gw, "node-prints", rid)]
        self.assertEqual(texts[0], f"START RequestId: {rid} Version: $LATEST")
        self.assertEqual(texts[-2], f"END RequestId: {rid}")
        self.assertTrue(texts[-1].startswith(f"REPORT RequestId: {rid}\t"))
        printed = texts[1:-2]
        # Node's console format: <time>\t<request id>\t<LEVEL>\t<message>
        self.assertRegex(printed[0], r"^\d{4}-\d\d-\d\dT[\d:.]+Z\t" + rid + r"\tINFO\tprints: "
                                     r"first line$")
        self.assertTrue(any("\tWARN\tprints: a warning" in t for t in printed), printed)
        self.assertTrue(any("\tERROR\tprints: an error line" in t for t in printed), printed)
        # A multi-line message stays one record ("\n" became "\r").
        self.assertTrue(any(t.endswith("prints: two\rlines") for t in printed), printed)
        # A second call on the warm instance: no Init Duration.
        self.http("POST", "/node-prints")
        rid2 = invocations(self.gw, "node-prints")[-1]
        self.assertNotEqual(rid, rid2)
        self.assertIsNone(report_of(self.gw, "node-prints", rid2)["init"])

    def test_python_log_lines(self):
        r = self.rest("GET", "/py-prints")
        self.assertEqual(r.status, 502)  # "ok" is not a REST proxy result
        rid = invocations(self.gw, "py-prints")[-1]
        report_of(self.gw, "py-prints", rid)
        texts = [l.text for l in lambda_lines(self.gw, "py-prints", rid)]
        self.assertIn("prints: first line", texts)
        self.assertTrue(any(re.match(r"^\[WARNING\]\t\S+Z\t" + rid + r"\tprints: a warning", t)
                            for t in texts), texts)


NODE_SEMANTICS = {
    "trace-env": "index.traceEnv",
    "sync-return": "index.syncReturn",
    "callback-wait": "index.callbackWait",
    "unhandled-rejection": "index.unhandledRejection",
    "uncaught": "index.uncaught",
    "never-settles": "index.neverSettles",
}


class NodeRuntimeSemanticsTest(unittest.TestCase):
    """What AWS's nodejs20.x runtime does with handlers that return, call back, reject or throw
    in unusual ways (the fixtures README lists each), seen through the Invoke API."""

    @classmethod
    def setUpClass(cls):
        text = (listeners_yaml() + "functions:\n"
                + "".join(function_yaml(n, "nodejs", NODE_DIR, h)
                          for n, h in NODE_SEMANTICS.items())
                + "apis:\n  - id: web\n    protocol: HTTP\n    routes:\n"
                + "      \"GET /\": {integration: {type: mock, body: ok}}\n")
        cls.gw = Gateway(text)
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def invoke(self, fn, event=None):
        started = time.monotonic()
        r = request(self.gw.services_port, "POST", f"/2015-03-31/functions/{fn}/invocations",
                    body=json.dumps(event or {}), timeout=30)
        return r, time.monotonic() - started

    def test_each_invocation_sees_its_own_trace_id_everywhere(self):
        # The bootstrap keeps _X_AMZN_TRACE_ID out of glibc's environment (setenv never frees
        # a value: a unique id per invocation leaked); JavaScript and child processes still
        # see the current one.
        seen = []
        for root in ("Root=1-5759e988-bd862e3fe1be46a994272793",
                     "Root=1-5759e988-bd862e3fe1be46a994272794"):
            r = request(self.gw.services_port, "POST",
                        "/2015-03-31/functions/trace-env/invocations", body="{}",
                        headers={"X-Amzn-Trace-Id": root + ";Sampled=1"})
            self.assertEqual(r.status, 200, r.body)
            t = r.json()
            self.assertRegex(t["value"], "^" + re.escape(root) + r";Parent=[0-9a-f]{16};Sampled=0$")
            self.assertEqual((t["has"], t["listed"], t["child"]), (True, 1, t["value"]))
            seen.append(t["value"])
        self.assertNotEqual(seen[0], seen[1])

    def test_a_plain_function_returning_a_value_answers_null(self):
        r, _ = self.invoke("sync-return")
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.header("X-Amz-Function-Error"))
        self.assertEqual(r.body, b"null")

    def test_callback_waits_for_the_event_loop_unless_told_not_to(self):
        r, elapsed = self.invoke("callback-wait")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["statusCode"], 200)
        self.assertGreaterEqual(elapsed, 1.5)  # the handler's 1.5 s timer ran out first
        r, elapsed = self.invoke("callback-wait", {"noWait": True})
        self.assertEqual(r.status, 200)
        self.assertLess(elapsed, 1.5)

    def test_unhandled_rejection_fails_the_invoke_and_ends_the_process(self):
        r, _ = self.invoke("unhandled-rejection")
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled")
        error = r.json()
        self.assertEqual(error["errorType"], "Runtime.UnhandledPromiseRejection")
        self.assertEqual(error["errorMessage"], "Error: unhandled boom")
        self.gw.wait_for_stderr(r"lambda unhandled-rejection: instance 1 exited "
                                r"\(exit status 128\)")

    def test_an_uncaught_exception_fails_the_invoke_and_ends_the_process(self):
        r, _ = self.invoke("uncaught")
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled")
        error = r.json()
        self.assertEqual(error["errorType"], "Error")
        self.assertEqual(error["errorMessage"], "uncaught boom")
        self.gw.wait_for_stderr(r"lambda uncaught: instance 1 exited \(exit status 129\)")

    def test_a_promise_that_never_settles(self):
        r, _ = self.invoke("never-settles")
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled")
        error = r.json()
        self.assertEqual(error["errorType"], "Runtime.NodeJsExit")
        self.assertIn("Promise that was never settled", error["errorMessage"])


class QuietLogTest(unittest.TestCase):
    """At log level warn the gateway skips START/END/REPORT (nobody reads them), yet the Invoke
    API's log tail still has them when a caller asks."""

    def test_log_tail_without_info_logging(self):
        text = (listeners_yaml() + "functions:\n"
                + function_yaml("prints", "nodejs", NODE_DIR, "index.prints")
                + "apis:\n  - id: web\n    protocol: HTTP\n    routes:\n"
                + "      \"GET /p\": {integration: {type: lambda, function: prints}}\n")
        gw = Gateway(text, args=["--log-level", "warn"], expect_ready_line=False)
        self.addCleanup(gw.close)
        gw.start()
        r = call(gw, "web", "GET", "/p")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"ok")
        r = request(gw.services_port, "POST", "/2015-03-31/functions/prints/invocations",
                    body='{"marker": "quiet"}', headers={"X-Amz-Log-Type": "Tail"})
        self.assertEqual(r.status, 200)
        rid = r.header("x-amzn-RequestId")
        tail = base64.b64decode(r.header("X-Amz-Log-Result")).decode()
        self.assertTrue(tail.startswith(f"START RequestId: {rid} Version: $LATEST\n"), tail)
        self.assertIn("\tINFO\tprints: marker=quiet\n", tail)
        self.assertIn(f"END RequestId: {rid}\n", tail)
        self.assertRegex(tail, r"\nREPORT RequestId: " + rid + r"\tDuration: [\d.]+ ms\t.*\n$")
        gw.stop()
        self.assertNotIn("START RequestId", gw.stderr())


def wait_until_no_processes(test, gw, function):
    """The killed instance's processes are gone (a fresh one starts on the next request)."""
    wait_until(lambda: not function_processes(gw, function), 15,
               message=f"{function}'s instance to be killed")


if __name__ == "__main__":
    unittest.main()
