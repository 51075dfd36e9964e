"""Percent-encoded request paths, end to end: HTTP APIs decode the path before routing and hand
integrations the decoded path; REST APIs route on the path as sent and pass it on raw.

The built gateway serves one HTTP API and one REST API with the same routes: mock routes that
name what they matched, a real Python Lambda (tests/fixtures/lambda/python, app.echo) that
returns the event it received, and http_proxy routes to a Python upstream (harness.EchoUpstream)
that records the request-target it was sent. Requests go out with http.client, which sends the
path bytes exactly as given.

AWS's behaviour (docs/aws-notes-core.md §8, gateway/routing/request_path.cpp): an HTTP API
decodes the path, cuts it at a decoded '?', decodes it again, and answers 400 when a '%' starts
no escape; rawPath, requestContext.http.path, payload 1.0 path and pathParameters are decoded.
REST keeps path and pathParameters as sent."""

import json
import unittest

from harness import EchoUpstream, Gateway, request, wait_until
from lambda_support import PYTHON_DIR, function_yaml, listeners_yaml

# The mock bodies name the route and what the integration was given.
MOCK = ("{type: mock, headers: {Content-Type: application/json}, body: '{\"route\": "
        "\"$context.routeKey\", \"path\": \"$context.path\", \"rest\": \"$request.path\"}'}")


def routes(proxy_prefix):
    return (f"      \"GET /caf\u00e9\":\n        integration: {MOCK}\n"
            f"      \"GET /a/b\":\n        integration: {MOCK}\n"
            f"      \"GET /{{single}}\":\n        integration: {MOCK}\n"
            "      \"GET /echo/{name}\":\n"
            "        integration: {type: lambda, function: py-echo}\n"
            "      \"GET /echo1/{name}\":\n"
            "        integration: {type: lambda, function: py-echo, payloadFormatVersion: \"1.0\"}\n"
            "      \"ANY /files/{proxy+}\":\n"
            "        integration: {type: lambda, function: py-echo}\n"
            "      \"ANY /proxy/{proxy+}\":\n"
            f"        integration: {{type: http_proxy, uri: \"http://127.0.0.1:8080/{proxy_prefix}"
            "/{proxy}?p={proxy}\"}\n")


CONFIG = (listeners_yaml()
          + "logging:\n  accessLog: {destination: stdout, format: '$context.path|$context.status'}\n"
          + "functions:\n"
          + function_yaml("py-echo", "python", PYTHON_DIR, "app.echo")
          + "apis:\n"
          + "  - id: web\n    protocol: HTTP\n    routes:\n"
          + routes("up")
          + "      \"$default\":\n"
          + "        integration: {type: http_proxy, uri: \"http://127.0.0.1:8080\"}\n"
          + "  - id: legacy\n    protocol: REST\n    stages: {prod: {}}\n    routes:\n"
          + routes("rest"))


class PathDecodingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.upstream = EchoUpstream().start()
        cls.addClassCleanup(cls.upstream.stop)
        cls.gw = Gateway(CONFIG, fixed_ports={8080: cls.upstream.port})
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()

    @classmethod
    def tearDownClass(cls):
        cls.upstream.release()
        cls.gw.stop()

    def setUp(self):
        self.upstream.clear()

    def call(self, api, path, method="GET"):
        return request(self.gw.api_port, method, path,
                       headers={"Host": f"{api}.execute-api.localhost"}, timeout=30)

    def http(self, path, method="GET"):
        return self.call("web", path, method)

    def rest(self, path, method="GET"):
        return self.call("legacy", "/prod" + path, method)

    def ok_json(self, r):
        self.assertEqual(r.status, 200, r.text)
        return r.json()

    # -- routing --------------------------------------------------------------------------------

    def test_http_api_matches_literal_routes_on_the_decoded_path(self):
        for sent in ("/caf%C3%A9", "/caf%c3%a9", "/caf%25C3%25A9"):  # the last decoded twice
            with self.subTest(sent=sent):
                got = self.ok_json(self.http(sent))
                self.assertEqual(got, {"route": "GET /caf\u00e9", "path": "/caf\u00e9",
                                       "rest": "/caf\u00e9"})

    def test_http_api_encoded_slash_is_a_real_slash(self):
        # /a%2Fb is /a/b at AWS (fastify/aws-lambda-fastify#169: rawPath "/a/b"), so it is two
        # segments and matches GET /a/b, not GET /{single}.
        self.assertEqual(self.ok_json(self.http("/a%2Fb"))["route"], "GET /a/b")
        self.assertEqual(self.ok_json(self.http("/a%252Fb"))["route"], "GET /a/b")
        self.assertEqual(self.ok_json(self.http("/a%20b")),
                         {"route": "GET /{single}", "path": "/a b", "rest": "/a b"})

    def test_http_api_decoded_question_mark_ends_the_path(self):
        got = self.ok_json(self.http("/a%3Fb"))
        self.assertEqual((got["route"], got["path"]), ("GET /{single}", "/a"))

    def test_http_api_answers_400_to_a_path_that_does_not_decode(self):
        for sent in ("/percent%25done", "/a%zz", "/a%", "/a%2%41"):
            with self.subTest(sent=sent):
                r = self.http(sent)
                self.assertEqual(r.status, 400, r.text)
                self.assertEqual(r.body, b'{"message":"Bad Request"}')
                self.assertIsNotNone(r.header("apigw-requestid"), r.headers)

    def test_rest_routes_on_the_path_as_sent(self):
        # No decoding: the escaped text is one segment, so /{single} matches with the raw value,
        # and the literal route GET /café is not reached.
        for sent in ("/caf%C3%A9", "/a%2Fb", "/a%20b", "/a%3Fb", "/percent%25done", "/a%zz"):
            with self.subTest(sent=sent):
                got = self.ok_json(self.rest(sent))
                self.assertEqual(got, {"route": "GET /{single}", "path": "/prod" + sent,
                                       "rest": sent})

    def test_access_log_path_is_the_reported_path(self):
        # $context.path: decoded for the HTTP API, as sent for REST (paths no other test uses).
        self.assertEqual(self.http("/logged%20caf%C3%A9").status, 200)
        self.assertEqual(self.rest("/logged%20caf%C3%A9").status, 200)
        expected = {"/logged caf\u00e9|200", "/prod/logged%20caf%C3%A9|200"}
        wait_until(lambda: expected <= set(self.gw.stdout().splitlines()),
                   message="both access log lines")
        self.assertNotIn("/logged%20caf%C3%A9|200", self.gw.stdout().splitlines())

    # -- Lambda ---------------------------------------------------------------------------------

    def test_lambda_v2_event_carries_decoded_path_and_parameters(self):
        event = self.ok_json(self.http("/echo/Chester%20Mall%C3%A9?q=a%20b"))
        self.assertEqual(event["routeKey"], "GET /echo/{name}")
        self.assertEqual(event["rawPath"], "/echo/Chester Mall\u00e9")
        self.assertEqual(event["requestContext"]["http"]["path"], "/echo/Chester Mall\u00e9")
        self.assertEqual(event["pathParameters"], {"name": "Chester Mall\u00e9"})
        self.assertEqual(event["rawQueryString"], "q=a%20b")  # the query is not touched
        self.assertEqual(event["queryStringParameters"], {"q": "a b"})

    def test_lambda_v1_event_on_an_http_api_is_decoded_too(self):
        event = self.ok_json(self.http("/echo1/x%2By%23z"))
        self.assertEqual(event["version"], "1.0")
        self.assertEqual(event["path"], "/echo1/x+y#z")
        self.assertEqual(event["requestContext"]["path"], "/echo1/x+y#z")
        self.assertEqual(event["pathParameters"], {"name": "x+y#z"})

    def test_lambda_greedy_parameter_keeps_decoded_slashes(self):
        event = self.ok_json(self.http("/files/a%2Fb/c%20d"))
        self.assertEqual(event["routeKey"], "ANY /files/{proxy+}")
        self.assertEqual(event["pathParameters"], {"proxy": "a/b/c d"})

    def test_rest_lambda_event_keeps_the_escapes(self):
        event = self.ok_json(self.rest("/echo/Chester%20Mall%C3%A9"))
        self.assertEqual(event["path"], "/echo/Chester%20Mall%C3%A9")
        self.assertEqual(event["requestContext"]["path"], "/prod/echo/Chester%20Mall%C3%A9")
        self.assertEqual(event["pathParameters"], {"name": "Chester%20Mall%C3%A9"})
        event = self.ok_json(self.rest("/files/a%2Fb/c%20d"))
        self.assertEqual(event["pathParameters"], {"proxy": "a%2Fb/c%20d"})

    # -- http_proxy -----------------------------------------------------------------------------

    def upstream_target(self):
        seen = self.upstream.last()
        return seen.path + ("?" + seen.query if seen.query else "")

    def test_http_proxy_re_encodes_decoded_parameters(self):
        r = self.http("/proxy/dir%2Fcaf%C3%A9%20menu/100%2525%3Bx@y?keep=a%20b")
        self.assertEqual(r.status, 200, r.text)
        # Decoded: "dir/café menu/100%;x@y". In the path only what cannot stand there is escaped
        # ('/', ';', '@' stay); in the query value everything but unreserved characters.
        self.assertEqual(self.upstream_target(),
                         "/up/dir/caf%C3%A9%20menu/100%25;x@y"
                         "?p=dir%2Fcaf%C3%A9%20menu%2F100%25%3Bx%40y&keep=a%20b")

    def test_http_proxy_default_route_forwards_the_decoded_path_re_encoded(self):
        r = self.http("/store/caf%C3%A9%20menu%3Fx%3Dy?q=1")
        self.assertEqual(r.status, 200, r.text)
        # Cut at the decoded '?', like every HTTP API path.
        self.assertEqual(self.upstream_target(), "/store/caf%C3%A9%20menu?q=1")

    def test_rest_http_proxy_passes_the_raw_values_on(self):
        r = self.rest("/proxy/dir%2Fcaf%C3%A9%20menu/100%2525?keep=a%20b")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(self.upstream_target(),
                         "/rest/dir%2Fcaf%C3%A9%20menu/100%2525"
                         "?p=dir%2Fcaf%C3%A9%20menu/100%2525&keep=a%20b")


if __name__ == "__main__":
    unittest.main()
