"""Routing over HTTP, served from config/examples/routing.yaml.

API selection (Host, base path, the root API), REST stages, AWS's route priority and method
fall-through, REST vs HTTP API slash rules, the exact miss answers of each API type, and the
request-id headers on every response (errors included)."""

import unittest

from harness import (EXAMPLES_DIR, SHORT_ID_RE, UUID_RE, Gateway, RawClient,
                     check_documented_curls, curl, parse_curl_include)

REST_MISS = b'{"message":"Missing Authentication Token"}'
HTTP_MISS = b'{"message":"Not Found"}'


class RoutingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(config_file=EXAMPLES_DIR / "routing.yaml")
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()
        cls.port = cls.gw.api_port

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()  # SIGTERM, exit code 0

    def get(self, path, method="GET", **kw):
        return self.gw.request(method, path, **kw)

    def assertRoute(self, response, expected: dict, status=200):
        self.assertEqual(response.status, status, response.text)
        self.assertEqual(response.json(), expected)

    def assertHttpApiIds(self, r):
        rid = r.header("apigw-requestid")
        self.assertIsNotNone(rid, r.headers)
        self.assertRegex(rid, SHORT_ID_RE)
        self.assertFalse(r.has_header("x-amzn-RequestId"), r.headers)
        self.assertFalse(r.has_header("x-amz-apigw-id"), r.headers)
        self.assertFalse(r.has_header("x-amzn-ErrorType"), r.headers)

    def assertRestIds(self, r):
        self.assertRegex(r.header("x-amzn-RequestId") or "", UUID_RE, r.headers)
        self.assertRegex(r.header("x-amz-apigw-id") or "", SHORT_ID_RE, r.headers)
        self.assertFalse(r.has_header("apigw-requestid"), r.headers)

    def assertHttpMiss(self, r):
        self.assertEqual(r.status, 404, r.text)
        self.assertEqual(r.body, HTTP_MISS)
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(r.header("Content-Length"), "23")
        self.assertHttpApiIds(r)

    def assertRestMiss(self, r):
        self.assertEqual(r.status, 403, r.text)
        self.assertEqual(r.body, REST_MISS)
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(r.header("Content-Length"), "42")
        self.assertEqual(r.header("x-amzn-ErrorType"), "MissingAuthenticationTokenException")
        self.assertRestIds(r)

    def test_documented_curls(self):
        check_documented_curls(self, self.gw, (EXAMPLES_DIR / "routing.yaml").read_text(),
                               minimum=3)

    # -- HTTP API priorities --------------------------------------------------------------------

    def test_http_literal_beats_parameter(self):
        self.assertRoute(self.get("/pets/search?q=cats"),
                         {"route": "GET /pets/search", "q": "cats"})

    def test_http_parameter(self):
        self.assertRoute(self.get("/pets/7"), {"route": "GET /pets/{petId}", "petId": "7"})

    def test_http_method_specific_route(self):
        self.assertRoute(self.get("/pets/7", "POST", body=b"{}"),
                         {"route": "POST /pets/{petId}", "petId": "7"}, status=201)

    def test_http_method_falls_through_to_greedy_any(self):
        # No DELETE /pets/{petId}: the greedy ANY route answers (http-api-develop-routes).
        self.assertRoute(self.get("/pets/7", "DELETE"),
                         {"route": "ANY /pets/{proxy+}", "method": "DELETE", "proxy": "7"})

    def test_http_greedy_takes_several_segments(self):
        self.assertRoute(self.get("/pets/7/toys/1"),
                         {"route": "ANY /pets/{proxy+}", "method": "GET", "proxy": "7/toys/1"})

    def test_http_named_stage_and_stage_variables(self):
        self.assertRoute(self.get("/beta/pets"),
                         {"route": "GET /pets", "stage": "beta", "color": "blue"})
        self.assertEqual(self.get("/pets").json()["stage"], "$default")

    def test_http_trailing_slash_is_a_different_path(self):
        self.assertEqual(self.get("/health").status, 200)
        self.assertHttpMiss(self.get("/health/"))
        self.assertHttpMiss(self.get("/pets/"))

    def test_http_miss(self):
        self.assertHttpMiss(self.get("/nope"))
        self.assertHttpMiss(self.get("/health", "POST", body=b"x"))

    def test_http_head_is_not_get(self):
        # No implicit HEAD for a GET route (docs/aws-notes-core.md section 9): 404 with the
        # length of the error body and no body.
        r = self.get("/health", "HEAD")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.header("Content-Length"), "23")
        self.assertEqual(r.body, b"")
        self.assertHttpApiIds(r)

    def test_http_default_route_catches_everything(self):
        self.assertRoute(self.get("/edge/hello"), {"route": "GET /hello"})
        self.assertRoute(self.get("/edge/anything/at/all", "PUT", body=b"1"),
                         {"route": "$default", "path": "/edge/anything/at/all", "method": "PUT"})

    # -- REST -----------------------------------------------------------------------------------

    def test_rest_stage_and_stage_variables(self):
        self.assertRoute(self.get("/legacy/prod/orders"),
                         {"route": "GET /orders", "stage": "prod", "db": "orders-prod"})
        self.assertRoute(self.get("/legacy/test/orders"),
                         {"route": "GET /orders", "stage": "test", "db": "orders-test"})

    def test_rest_trailing_and_double_slashes_are_ignored(self):
        self.assertRoute(self.get("/legacy/prod/orders/"),
                         {"route": "GET /orders", "stage": "prod", "db": "orders-prod"})
        r = self.get("/legacy/prod//orders//5/")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["route"], "GET /orders/{orderId}")
        self.assertEqual(r.json()["orderId"], "5")

    def test_rest_method_falls_through_to_a_less_specific_resource(self):
        # GET /users/me: the literal resource has only PATCH, so {userId} serves it.
        self.assertRoute(self.get("/legacy/prod/users/me"),
                         {"route": "GET /users/{userId}", "userId": "me"})
        self.assertRoute(self.get("/legacy/prod/users/me", "PATCH", body=b"{}"),
                         {"route": "PATCH /users/me"})
        self.assertRoute(self.get("/legacy/prod/things/a/b", "POST", body=b"{}"),
                         {"route": "ANY /things/{proxy+}", "proxy": "a/b"})

    def test_rest_misses(self):
        self.assertRestMiss(self.get("/legacy/prod/users/me", "POST", body=b"{}"))  # no POST
        self.assertRestMiss(self.get("/legacy/prod/nope"))
        self.assertRestMiss(self.get("/legacy/prod/things"))   # greedy needs a segment
        self.assertRestMiss(self.get("/legacy/staging/orders"))  # unknown stage
        self.assertRestMiss(self.get("/legacy/prod"))
        self.assertRestMiss(self.get("/legacy"))

    def test_rest_head_is_not_get(self):
        r = self.get("/legacy/prod/orders", "HEAD")
        self.assertEqual(r.status, 403)
        self.assertEqual(r.header("Content-Length"), "42")
        self.assertEqual(r.header("x-amzn-ErrorType"), "MissingAuthenticationTokenException")
        self.assertEqual(r.body, b"")

    def test_base_path_must_end_at_a_segment(self):
        # /legacyx is not /legacy: it goes to the root API (an HTTP API miss).
        self.assertHttpMiss(self.get("/legacyx/prod/orders"))

    # -- API selection by Host ------------------------------------------------------------------

    def test_host_selects_rest_api_without_base_path(self):
        host = f"legacy.execute-api.localhost:{self.port}"
        r = self.get("/prod/orders", headers={"Host": host})
        self.assertRoute(r, {"route": "GET /orders", "stage": "prod", "db": "orders-prod"})
        self.assertRestIds(r)
        self.assertRestMiss(self.get("/legacy/prod/orders", headers={"Host": host}))

    def test_host_selects_http_api_case_insensitively(self):
        host = f"SHOP.Execute-Api.localhost:{self.port}"
        r = self.get("/pets/search?q=1", headers={"Host": host})
        self.assertRoute(r, {"route": "GET /pets/search", "q": "1"})
        r = self.get("/hello", headers={"Host": f"edge.execute-api.localhost:{self.port}"})
        self.assertRoute(r, {"route": "GET /hello"})

    def test_host_for_an_unknown_api_is_a_miss(self):
        r = self.get("/pets", headers={"Host": f"nope.execute-api.localhost:{self.port}"})
        self.assertEqual(r.status, 404)
        self.assertEqual(r.body, HTTP_MISS)

    def test_curl_by_host(self):
        # As the README shows it.
        out = curl("-i", f"http://127.0.0.1:{self.port}/prod/orders/42",
                   "-H", f"Host: legacy.execute-api.localhost:{self.port}")
        self.assertEqual(out.returncode, 0, out.stderr)
        (r,) = parse_curl_include(out.stdout)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["orderId"], "42")
        self.assertRegex(r.header("x-amzn-RequestId") or "", UUID_RE)

    # -- request ids ----------------------------------------------------------------------------

    def test_request_ids_on_every_response(self):
        http_cases = ["/pets", "/nope", "/edge/x"]
        rest_cases = ["/legacy/prod/orders", "/legacy/prod/nope", "/legacy/prod/users/me"]
        seen = set()
        for path in http_cases:
            r = self.get(path)
            self.assertHttpApiIds(r)
            seen.add(r.header("apigw-requestid"))
        for path in rest_cases:
            r = self.get(path)
            self.assertRestIds(r)
            seen.add(r.header("x-amzn-RequestId"))
            seen.add(r.header("x-amz-apigw-id"))
        self.assertEqual(len(seen), 9, "request ids must be unique")

    def test_request_ids_differ_on_one_connection(self):
        with RawClient(self.port) as c:
            r = c.request("GET", "/legacy/prod/orders/1")
            self.assertEqual(r.status, 200)
            r2 = c.request("GET", "/legacy/prod/orders/1")
            self.assertNotEqual(r.header("x-amzn-RequestId"), r2.header("x-amzn-RequestId"))

    def test_http_api_header_order(self):
        # As captured from API Gateway: date, content-type, content-length, connection,
        # apigw-requestid (docs/aws-notes-core.md section 2).
        r = self.get("/nope")
        self.assertEqual([k.lower() for k, _ in r.headers],
                         ["date", "content-type", "content-length", "connection",
                          "apigw-requestid"])

    def test_error_headers_are_complete(self):
        r = self.get("/legacy/prod/nope")
        names = [k.lower() for k, _ in r.headers]
        for h in ("content-type", "content-length", "date", "x-amzn-requestid",
                  "x-amz-apigw-id", "x-amzn-errortype", "connection"):
            self.assertIn(h, names)
        self.assertEqual(r.header("Connection"), "keep-alive")
        self.assertRegex(r.header("Date"),
                         r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")


PRIORITY_ROUTES = """\
      "GET /pets/dog/{id}": {integration: {type: mock, body: '$context.routeKey id=$request.path.id'}}
      "ANY /pets/{proxy+}": {integration: {type: mock, body: '$context.routeKey proxy=$request.path.proxy'}}
      "GET /{a}/{b}": {integration: {type: mock, body: '$context.routeKey a=$request.path.a b=$request.path.b'}}
      "GET /a/b/{proxy+}": {integration: {type: mock, body: '$context.routeKey proxy=$request.path.proxy'}}
      "GET /a/{x}/c": {integration: {type: mock, body: '$context.routeKey x=$request.path.x'}}
      "GET /a/{x}/c/{rest+}": {integration: {type: mock, body: '$context.routeKey x=$request.path.x rest=$request.path.rest'}}
"""

PRIORITY_CONFIG = """\
version: 1
server:
  listeners:
    - {host: 127.0.0.1, port: 3000, serves: apis}
    - {host: 127.0.0.1, port: 4566, serves: services}
apis:
  - id: http
    protocol: HTTP
    routes:
""" + PRIORITY_ROUTES + """\
      $default: {integration: {type: mock, body: '$context.routeKey'}}
  - id: rest
    protocol: REST
    basePath: /rest
    stages: {prod: {}}
    routes:
""" + PRIORITY_ROUTES


class RoutePriorityTest(unittest.TestCase):
    """The same routes under an HTTP API and a REST API, which rank them differently.

    HTTP API (http-api-develop-routes.html, "Routing API requests"): a full match, path
    variables included, beats every greedy route; among greedy routes the longest prefix wins;
    $default comes last. REST (api-gateway-method-settings-method-request.html, proxy
    resources): a specific resource beats a generic one at the same level of the hierarchy, so
    the first segment where two routes differ decides."""

    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(PRIORITY_CONFIG)
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def check(self, cases):
        for method, path, expected in cases:
            with self.subTest(method=method, path=path):
                r = self.gw.request(method, path, body=b"" if method == "GET" else b"x")
                self.assertEqual(r.status, 200, r.text)
                self.assertEqual(r.text, expected)

    def test_http_api(self):
        self.check([
            ("GET", "/pets/dog/1", "GET /pets/dog/{id} id=1"),
            ("GET", "/pets/cat", "GET /{a}/{b} a=pets b=cat"),
            ("POST", "/pets/cat", "ANY /pets/{proxy+} proxy=cat"),
            ("GET", "/pets/cat/1", "ANY /pets/{proxy+} proxy=cat/1"),
            ("GET", "/a/b/c", "GET /a/{x}/c x=b"),
            ("GET", "/a/b/d/e", "GET /a/b/{proxy+} proxy=d/e"),
            ("GET", "/a/b/c/d", "GET /a/{x}/c/{rest+} x=b rest=d"),
            ("GET", "/x/y/z", "$default"),
        ])

    def test_rest_api(self):
        self.check([
            ("GET", "/rest/prod/pets/dog/1", "GET /pets/dog/{id} id=1"),
            ("GET", "/rest/prod/pets/cat", "ANY /pets/{proxy+} proxy=cat"),
            ("GET", "/rest/prod/toys/cat", "GET /{a}/{b} a=toys b=cat"),
            ("GET", "/rest/prod/a/b/c", "GET /a/b/{proxy+} proxy=c"),
            ("GET", "/rest/prod/a/z/c", "GET /a/{x}/c x=z"),
            ("GET", "/rest/prod/a/b/c/d", "GET /a/b/{proxy+} proxy=c/d"),
        ])


if __name__ == "__main__":
    unittest.main()
