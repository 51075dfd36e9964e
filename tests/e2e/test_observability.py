"""Access logs, health and metrics.

config/examples/observability.yaml (JSON access log in a file, JSON gateway log) is served
and checked field by field; inline configs cover the default text format on stdout, a custom
`$context.*` format, `off`, and a bad template. /_gatehouse/health and /_gatehouse/metrics are
checked after known traffic."""

import json
import re
import signal
import unittest

from harness import (EXAMPLES_DIR, SOURCE_DIR, UUID_RE, Gateway, RawClient,
                     check_documented_curls, metric, parse_prometheus, request, wait_until)

JSON_FIELDS = {"requestId", "ip", "requestTime", "httpMethod", "routeKey", "path", "status",
               "protocol", "responseLength", "responseLatency", "integrationLatency", "apiId",
               "stage", "userAgent"}
CLF_TIME = r"\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000"

INLINE = """\
version: 1
server:
  listeners:
    - {host: 127.0.0.1, port: 3000, serves: apis}
    - {host: 127.0.0.1, port: 4566, serves: services}
logging:
  accessLog: %s
apis:
  - id: shop
    protocol: HTTP
    routes:
      "GET /items/{id}":
        integration: {type: mock, body: '{"id": "$request.path.id"}'}
  - id: admin
    protocol: REST
    basePath: /admin
    stages: {prod: {}}
    routes:
      "GET /users":
        integration: {type: mock, body: '[]'}
"""

CUSTOM = ("'$context.httpMethod|$context.path|$context.status|$context.routeKey|"
          "$context.stage|$context.apiId|$context.requestId|$context.error.message|"
          "$context.responseLength|$context.identity.sourceIp|$context.extendedRequestId'")


def project_version() -> str:
    text = (SOURCE_DIR / "CMakeLists.txt").read_text()
    return re.search(r"project\(gatehouse VERSION (\S+)", text).group(1)


class JsonAccessLogTest(unittest.TestCase):
    """config/examples/observability.yaml"""

    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(config_file=EXAMPLES_DIR / "observability.yaml")
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()
        cls.log = cls.gw.dir / "access.log"   # the example's default destination

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def lines(self):
        return self.log.read_text().splitlines() if self.log.exists() else []

    def wait_lines(self, n):
        return wait_until(lambda: (lambda l: l if len(l) >= n else None)(self.lines()), 5,
                          message=f"{n} access-log lines")

    def test_documented_curls(self):
        check_documented_curls(self, self.gw, (EXAMPLES_DIR / "observability.yaml").read_text(),
                               minimum=3)

    def test_one_valid_json_line_per_request(self):
        port = self.gw.api_port
        ua = 'tester "quoted" \\ agent'
        r1 = request(port, "GET", "/orders/7?x=1", headers={"User-Agent": ua})
        r2 = request(port, "GET", "/nope")
        r3 = request(port, "GET", "/billing/live/invoices")
        r4 = request(port, "POST", "/orders", body="{}")
        r5 = request(port, "GET", "/billing/live/nope")
        self.assertEqual([r.status for r in (r1, r2, r3, r4, r5)], [200, 404, 200, 201, 403])
        ids = [r1.header("apigw-requestid"), r2.header("apigw-requestid"),
               r3.header("x-amzn-RequestId"), r4.header("apigw-requestid"),
               r5.header("x-amzn-RequestId")]
        # Requests to the services listener are not access-logged.
        self.gw.health()
        # A line is written when its request completes, which may be just after the client has
        # its answer: wait for all five, and match lines to requests by request id.
        def logged():
            entries = [json.loads(line) for line in self.lines()]  # each line is valid JSON
            return entries if {e["requestId"] for e in entries} >= set(ids) else None
        entries = wait_until(logged, 5, message="the five access-log lines")
        by_id = {}
        for e in entries:
            self.assertEqual(set(e), JSON_FIELDS)
            self.assertEqual(e["ip"], "127.0.0.1")
            self.assertEqual(e["protocol"], "HTTP/1.1")
            self.assertRegex(e["requestTime"], "^" + CLF_TIME + "$")
            self.assertRegex(e["responseLatency"], r"^\d+$")
            self.assertNotIn(e["requestId"], by_id, "one line per request")
            by_id[e["requestId"]] = e
        self.assertFalse([e for e in entries if "_gatehouse" in e["path"]])
        e1, e2, e3, e4, e5 = (by_id[i] for i in ids)
        self.assertEqual(e1["requestId"], r1.header("apigw-requestid"))
        self.assertEqual((e1["httpMethod"], e1["path"], e1["routeKey"], e1["status"]),
                         ("GET", "/orders/7", "GET /orders/{orderId}", "200"))
        self.assertEqual((e1["apiId"], e1["stage"]), ("orders", "$default"))
        self.assertEqual(e1["userAgent"], ua)
        self.assertEqual(e1["responseLength"], str(len(r1.body)))
        self.assertRegex(e1["integrationLatency"], r"^\d+$")
        # A miss: no route, no integration.
        self.assertEqual((e2["status"], e2["routeKey"], e2["integrationLatency"], e2["path"]),
                         ("404", "-", "-", "/nope"))
        self.assertEqual(e2["responseLength"], "23")
        self.assertEqual(e2["userAgent"], "-")
        # REST: the UUID request id, the named stage.
        self.assertEqual(e3["requestId"], r3.header("x-amzn-RequestId"))
        self.assertRegex(e3["requestId"], UUID_RE)
        self.assertEqual((e3["apiId"], e3["stage"], e3["routeKey"]),
                         ("billing", "live", "GET /invoices"))
        self.assertEqual((e4["httpMethod"], e4["status"]), ("POST", "201"))
        self.assertEqual((e5["status"], e5["apiId"], e5["responseLength"]),
                         ("403", "billing", "42"))

    def test_gateway_log_is_json_lines_on_stderr(self):
        lines = [l for l in self.gw.stderr().splitlines() if l.strip()]
        self.assertGreater(len(lines), 0)
        for line in lines:
            entry = json.loads(line)
            self.assertEqual(set(entry), {"time", "level", "message"})
        self.assertTrue(any("serving 2 API(s), 3 route(s)" in json.loads(l)["message"]
                            for l in lines))
        self.assertEqual(self.gw.stdout(), "")  # the access log went to the file


class AccessLogFormatsTest(unittest.TestCase):
    def start(self, access_log: str) -> Gateway:
        gw = Gateway(INLINE % access_log)
        self.addCleanup(gw.close)
        gw.start()
        return gw

    def test_default_text_format_on_stdout(self):
        gw = self.start("{}")
        r = request(gw.api_port, "GET", "/items/5", headers={"User-Agent": "curl/8.0"})
        rid = r.header("apigw-requestid")
        (line,) = gw.wait_for_stdout_lines(1)
        self.assertRegex(line, "^" + re.escape("127.0.0.1 - - [") + CLF_TIME + re.escape(
            f'] "GET /items/5 HTTP/1.1" 200 {len(r.body)} {rid} shop $default '
            '"GET /items/{id}" ') + r"\d+ \d+ " + re.escape('"curl/8.0"') + "$")
        gw.stop()

    def test_custom_context_format(self):
        gw = self.start("{destination: stdout, format: %s}" % CUSTOM)
        ok = request(gw.api_port, "GET", "/items/abc")
        miss = request(gw.api_port, "GET", "/admin/prod/nope")
        lines = gw.wait_for_stdout_lines(2)
        self.assertEqual(len(lines), 2, lines)
        # Lines are written as requests complete: order them by path.
        lines.sort(key=lambda l: l.split("|")[1] != "/items/abc")
        self.assertEqual(lines[0].split("|"), [
            "GET", "/items/abc", "200", "GET /items/{id}", "$default", "shop",
            ok.header("apigw-requestid"), "-", str(len(ok.body)), "127.0.0.1",
            ok.header("apigw-requestid")])
        self.assertEqual(lines[1].split("|"), [
            "GET", "/admin/prod/nope", "403", "-", "prod", "admin",
            miss.header("x-amzn-RequestId"), "Missing Authentication Token", "42", "127.0.0.1",
            miss.header("x-amz-apigw-id")])
        gw.stop()

    def test_file_destination(self):
        gw = Gateway(INLINE % "{destination: logs/access.txt}")
        self.addCleanup(gw.close)
        (gw.dir / "logs").mkdir()
        gw.start()
        for i in range(3):
            self.assertEqual(request(gw.api_port, "GET", f"/items/{i}").status, 200)
        log = gw.dir / "logs" / "access.txt"
        lines = wait_until(lambda: (lambda l: l if len(l) >= 3 else None)(
            log.read_text().splitlines() if log.exists() else []), 5, message="3 lines")
        self.assertEqual(len(lines), 3)
        for i in range(3):
            self.assertEqual(len([l for l in lines if f'"GET /items/{i} HTTP/1.1" 200' in l]), 1)
        self.assertEqual(gw.stdout(), "")
        gw.stop()

    def test_unwritable_destination_does_not_start(self):
        gw = Gateway(INLINE % "{destination: /nonexistent-dir/access.log}")
        self.addCleanup(gw.close)
        gw.start(wait=False)
        self.assertEqual(gw.wait_exit(10), 2)
        self.assertIn("cannot open access log '/nonexistent-dir/access.log'", gw.stderr())

    def test_off(self):
        gw = self.start("{destination: off}")
        self.assertEqual(request(gw.api_port, "GET", "/items/1").status, 200)
        # The request is complete when its metrics are counted; nothing was logged by then.
        wait_until(lambda: metric(parse_prometheus(gw.metrics()), "gatehouse_requests_total",
                                  api="shop", route="GET /items/{id}", status="200") == 1, 5)
        gw.stop()
        self.assertEqual(gw.stdout(), "")
        self.assertNotIn("/items/1", gw.stderr())

    def test_unknown_context_variable_is_a_config_error(self):
        gw = Gateway(INLINE % "{format: '$context.requestId $context.nopeNope'}")
        self.addCleanup(gw.close)
        gw.start(wait=False)
        self.assertEqual(gw.wait_exit(10), 2)
        self.assertRegex(gw.stderr(), rf"{re.escape(str(gw.config_path))}:7:\d+: error: "
                                      r"logging\.accessLog\.format: .*nopeNope")


class MetricsAndHealthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(INLINE % "{destination: off}")
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def samples(self):
        return parse_prometheus(self.gw.metrics())

    def test_health(self):
        r = request(self.gw.services_port, "GET", "/_gatehouse/health")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Content-Type"), "application/json")
        body = r.json()
        self.assertEqual(set(body), {"status", "version", "apis", "openConnections",
                                     "uptimeSeconds"})
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["version"], project_version())
        self.assertEqual(body["apis"], 2)
        self.assertGreaterEqual(body["openConnections"], 1)  # this request's own connection
        self.assertIsInstance(body["uptimeSeconds"], float)
        wait_until(lambda: self.gw.health()["uptimeSeconds"] > body["uptimeSeconds"], 5,
                   message="uptime to grow")
        # No API headers on the services endpoint.
        self.assertIsNone(r.header("apigw-requestid"))
        self.assertIsNone(r.header("x-amzn-RequestId"))
        head = request(self.gw.services_port, "HEAD", "/_gatehouse/health")
        self.assertEqual((head.status, head.body), (200, b""))
        miss = request(self.gw.services_port, "GET", "/_gatehouse/nope")
        self.assertEqual((miss.status, miss.body), (404, b'{"message":"Not Found"}'))

    def test_health_is_not_served_on_the_api_listener(self):
        r = request(self.gw.api_port, "GET", "/_gatehouse/health")
        self.assertEqual((r.status, r.body), (404, b'{"message":"Not Found"}'))
        self.assertIsNotNone(r.header("apigw-requestid"))

    def test_request_counts_by_api_route_and_status(self):
        # Other tests of this class send traffic too: compare before and after.
        before = self.samples()
        port = self.gw.api_port
        for _ in range(3):
            self.assertEqual(request(port, "GET", "/items/1").status, 200)
        for _ in range(2):
            self.assertEqual(request(port, "GET", "/missing/path").status, 404)
        self.assertEqual(request(port, "GET", "/admin/prod/users").status, 200)
        self.assertEqual(request(port, "DELETE", "/admin/prod/users").status, 403)
        after = self.samples()

        def delta(name, **labels):
            return (metric(after, name, **labels) or 0) - (metric(before, name, **labels) or 0)

        total = "gatehouse_requests_total"
        self.assertEqual(delta(total, api="shop", route="GET /items/{id}", status="200"), 3)
        self.assertEqual(delta(total, api="shop", route="", status="404"), 2)
        self.assertEqual(delta(total, api="admin", route="GET /users", status="200"), 1)
        self.assertEqual(delta(total, api="admin", route="", status="403"), 1)
        self.assertEqual(delta(total, api="admin", route="GET /users", status="403"), 0)
        # Histograms: count grows by the requests, +Inf bucket == count, buckets never decrease.
        hist = "gatehouse_request_duration_seconds"
        labels = {"api": "shop", "route": "GET /items/{id}"}
        self.assertEqual(delta(hist + "_count", **labels), 3)
        self.assertEqual(metric(after, hist + "_bucket", le="+Inf", **labels),
                         metric(after, hist + "_count", **labels))
        buckets = sorted((float(dict(l)["le"]), v) for (name, l), v in after.items()
                         if name == hist + "_bucket" and dict(l).get("route") == labels["route"]
                         and dict(l)["le"] != "+Inf")
        self.assertEqual(len(buckets), 13)
        values = [v for _, v in buckets]
        self.assertEqual(values, sorted(values))
        self.assertEqual(delta("gatehouse_integration_duration_seconds_count", **labels), 3)
        # Misses have no integration time.
        self.assertIsNone(metric(after, "gatehouse_integration_duration_seconds_count",
                                 api="shop", route=""))

    def test_metrics_text_format(self):
        r = request(self.gw.services_port, "GET", "/_gatehouse/metrics")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
        for name, kind in (("gatehouse_requests_total", "counter"),
                           ("gatehouse_request_duration_seconds", "histogram"),
                           ("gatehouse_open_connections", "gauge")):
            self.assertIn(f"# TYPE {name} {kind}\n", r.text)

    def test_open_connections_gauge(self):
        gauge = lambda: metric(self.samples(), "gatehouse_open_connections")  # noqa: E731
        # At rest only the metrics request's own connection is open.
        wait_until(lambda: gauge() == 1, 5, message="gauge at 1")
        clients = []
        for _ in range(3):
            c = RawClient(self.gw.api_port)
            self.addCleanup(c.close)
            self.assertEqual(c.request("GET", "/items/x").status, 200)
            clients.append(c)
        wait_until(lambda: gauge() == 4, 5, message="gauge at 4")
        # The previous scrape's connection may still be closing on the server: poll.
        wait_until(lambda: self.gw.health()["openConnections"] == 4, 5,
                   message="health openConnections at 4")
        for c in clients:
            c.close()
        wait_until(lambda: gauge() == 1, 5, message="gauge back at 1")


class AdminListenerTest(unittest.TestCase):
    """`serves: admin`: health and metrics on a listener of their own (loopback, say, while the
    services are exposed); the services listener then answers the service APIs only."""

    def test_admin_endpoints_move_to_the_admin_listener(self):
        config = INLINE.replace(
            "    - {host: 127.0.0.1, port: 4566, serves: services}\n",
            "    - {host: 127.0.0.1, port: 4566, serves: services}\n"
            "    - {host: 127.0.0.1, port: 9901, serves: admin}\n") % "{destination: off}"
        # (The harness waits for /_gatehouse/health on the admin listener.)
        with Gateway(config, services_port=9901) as gw:
            admin, services = gw.port(9901), gw.port(4566)
            self.assertIn("(admin)", gw.stderr())
            self.assertEqual(request(admin, "GET", "/_gatehouse/health").json()["status"], "ok")
            request(gw.api_port, "GET", "/items/1")
            metrics = parse_prometheus(request(admin, "GET", "/_gatehouse/metrics").body.decode())
            self.assertEqual(metric(metrics, "gatehouse_requests_total", api="shop",
                                    route="GET /items/{id}", status="200"), 1)
            for path in ("/_gatehouse/health", "/_gatehouse/metrics"):
                r = request(services, "GET", path)
                self.assertEqual((r.status, r.body), (404, b'{"message":"Not Found"}'), path)
            # The admin listener serves nothing else; the services listener its APIs.
            r = request(admin, "POST", "/2015-03-31/functions/f/invocations", body=b"{}")
            self.assertEqual(r.status, 404)
            r = request(services, "POST", "/2015-03-31/functions/f/invocations", body=b"{}")
            self.assertEqual(r.header("x-amzn-ErrorType"), "ResourceNotFoundException")


class LogFlagsTest(unittest.TestCase):
    """--log-level and --log-format win over logging.level and logging.format."""

    CONFIG = """\
version: 1
server:
  listeners:
    - {host: 127.0.0.1, port: 3000, serves: apis}
    - {host: 127.0.0.1, port: 4566, serves: services}
  limits: {drainTimeoutMillis: 300}
logging:
  level: info
  format: text
apis:
  - id: shop
    routes:
      "POST /upload": {integration: {type: mock, body: ok}}
"""

    def run_until_drain_timeout(self, args: list[str]) -> str:
        """Serves, holds a request in flight, and stops with SIGTERM, which ends in the drain
        timeout: info lines (listening, serving, draining, stopped) and one warning. Returns the
        gateway's log."""
        gw = Gateway(self.CONFIG, args=args, expect_ready_line=not args)
        self.addCleanup(gw.close)
        gw.start()
        self.assertEqual(request(gw.api_port, "POST", "/upload", body="x").body, b"ok")
        stuck = RawClient(gw.api_port, timeout=10)
        self.addCleanup(stuck.close)
        stuck.send(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n"
                   b"Expect: 100-continue\r\n\r\n")
        self.assertEqual(stuck.read_response().status, 100)
        gw.send_signal(signal.SIGTERM)
        self.assertEqual(gw.wait_exit(10), 0)
        return gw.stderr()

    def test_config_level_and_format_without_flags(self):
        lines = self.run_until_drain_timeout([]).splitlines()
        self.assertTrue(any(re.match(r"^\S+Z info  gatehouse .* serving 1 API\(s\)", l)
                            for l in lines), lines)
        self.assertTrue(any(re.match(r"^\S+Z warning drain timeout: closing 1 connection", l)
                            for l in lines), lines)
        self.assertRegex(lines[-1], r"^\S+Z info  stopped$")

    def test_flags_override_the_config(self):
        err = self.run_until_drain_timeout(["--log-level", "warn", "--log-format", "json"])
        entries = [json.loads(line) for line in err.splitlines()]  # every line is JSON
        for e in entries:
            self.assertEqual(set(e), {"time", "level", "message"})
        # No info line: only the warning.
        self.assertEqual([(e["level"], e["message"]) for e in entries],
                         [("warning", "drain timeout: closing 1 connection(s)")])


if __name__ == "__main__":
    unittest.main()
