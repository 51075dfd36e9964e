"""http_proxy integrations, served from config/examples/http-proxy.yaml against a Python upstream.

The upstream (harness.EchoUpstream) echoes what it received as JSON, so each test checks both
sides: what the backend saw (path, query, method, headers, body, connection reuse) and what the
client got (status, body, remapped headers, AWS's timeout and failure answers). The gateway
runs with --threads 1 so that connection reuse is deterministic."""

import concurrent.futures
import hashlib
import http.client
import json
import shutil
import signal
import socket
import ssl
import struct
import tempfile
import threading
import time
import unittest
from pathlib import Path

from harness import (EXAMPLES_DIR, SHORT_ID_RE, UUID_RE, EchoUpstream, Gateway, RawClient,
                     check_documented_curls, free_port, make_self_signed_cert, port_is_closed,
                     request, run_cli, wait_until)

REST_TIMEOUT = b'{"message": "Endpoint request timed out"}'
REST_NETWORK = b'{"message": "Network error communicating with endpoint"}'
HTTP_UNAVAILABLE = b'{"message":"Service Unavailable"}'
REST_INTERNAL = b'{"message": "Internal server error"}'


class HttpProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.upstream = EchoUpstream().start()
        cls.addClassCleanup(cls.upstream.stop)
        cls.dead_port = free_port()  # nothing listens there
        cls.gw = Gateway(config_file=EXAMPLES_DIR / "http-proxy.yaml", args=["--threads", "1"],
                         fixed_ports={8080: cls.upstream.port, 9: cls.dead_port})
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()
        cls.port = cls.gw.api_port

    @classmethod
    def tearDownClass(cls):
        cls.upstream.release()
        cls.gw.stop()

    def setUp(self):
        self.upstream.clear()

    def call(self, method, path, **kw):
        return request(self.port, method, path, **kw)

    def test_documented_curls(self):
        check_documented_curls(self, self.gw, (EXAMPLES_DIR / "http-proxy.yaml").read_text(),
                               minimum=3)

    # -- what the backend sees ------------------------------------------------------------------

    def test_path_parameter_substitution(self):
        r = self.call("GET", "/users/42")
        self.assertEqual(r.status, 200, r.text)
        seen = r.json()
        self.assertEqual((seen["method"], seen["path"], seen["query"]), ("GET", "/v1/users/42", ""))
        self.assertEqual(self.upstream.last().path, "/v1/users/42")

    def test_greedy_proxy_and_query_forwarding(self):
        r = self.call("GET", "/api/a/b/c?q=a%20b&x=1&x=2&empty=")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["path"], "/a/b/c")
        self.assertEqual(r.json()["query"], "q=a%20b&x=1&x=2&empty=")

    def test_methods_and_bodies_are_forwarded(self):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            with self.subTest(method=method):
                body = json.dumps({"method": method}).encode()
                r = self.call(method, "/api/orders", body=body,
                              headers={"Content-Type": "application/json"})
                self.assertEqual(r.status, 200, r.text)
                seen = r.json()
                self.assertEqual(seen["method"], method)
                self.assertEqual(seen["body"], body.decode())
                self.assertEqual(seen["headers"]["content-type"], "application/json")
                self.assertEqual(seen["headers"]["content-length"], str(len(body)))

    def test_stage_variable_in_uri(self):
        r = self.call("GET", "/rest/prod/cart/items?page=2")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["path"], "/v1/cart/items")
        self.assertEqual(r.json()["query"], "page=2")

    def test_rest_request_headers(self):
        r = self.call("GET", "/rest/prod/headers", headers={
            "User-Agent": "e2e-agent/1.0", "X-Custom": "kept", "Authorization": "Bearer t",
            "Host": "client.example"})
        self.assertEqual(r.status, 200, r.text)
        h = r.json()["headers"]
        self.assertEqual(h["host"], f"127.0.0.1:{self.upstream.port}")
        self.assertEqual(h["x-forwarded-for"], "127.0.0.1")
        self.assertIn("x-forwarded-proto", h)
        self.assertIn("x-forwarded-port", h)
        self.assertEqual(h["x-amzn-apigateway-api-id"], "legacy")
        self.assertRegex(h["x-amzn-trace-id"], r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24}")
        self.assertEqual(h["user-agent"], "e2e-agent/1.0")
        self.assertEqual(h["x-custom"], "kept")
        self.assertEqual(h["authorization"], "Bearer t")
        self.assertNotIn("forwarded", h)
        self.assertNotIn("via", h)

    def test_http_api_request_headers(self):
        r = self.call("GET", "/api/headers", headers={
            "User-Agent": "e2e-agent/2.0", "X-Forwarded-For": "10.1.2.3", "X-Custom": "kept"})
        self.assertEqual(r.status, 200, r.text)
        h = r.json()["headers"]
        self.assertEqual(h["host"], f"127.0.0.1:{self.upstream.port}")
        self.assertEqual(h["via"], "HTTP/1.1 AmazonAPIGateway")
        fwd = h["forwarded"]
        self.assertIn("for=10.1.2.3", fwd)    # the client's X-Forwarded-For, folded in
        self.assertIn("for=127.0.0.1", fwd)   # and the client itself
        self.assertIn("proto=", fwd)
        self.assertRegex(h["x-amzn-trace-id"], r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24}")
        for absent in ("x-forwarded-for", "x-forwarded-proto", "x-forwarded-port",
                       "x-amzn-apigateway-api-id"):
            self.assertNotIn(absent, h)
        self.assertEqual((h["user-agent"], h["x-custom"]), ("e2e-agent/2.0", "kept"))

    def test_hop_by_hop_request_headers_are_not_forwarded(self):
        with RawClient(self.port) as c:
            c.send(b"POST /api/hop HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n"
                   b"Keep-Alive: timeout=5\r\nTE: trailers\r\nExpect: 100-continue\r\n"
                   b"Content-Length: 2\r\n\r\n")
            self.assertEqual(c.read_response().status, 100)
            c.send(b"ok")
            r = c.read_response()
        self.assertEqual(r.status, 200, r.body)
        h = json.loads(r.body)["headers"]
        for absent in ("keep-alive", "te", "expect"):
            self.assertNotIn(absent, h)
        self.assertEqual(json.loads(r.body)["body"], "ok")

    # -- what the client gets back --------------------------------------------------------------

    def test_rest_response_header_remapping(self):
        r = self.call("GET", "/rest/prod/remap")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.header("x-amzn-Remapped-Server"), "echo-upstream")
        self.assertIsNotNone(r.header("x-amzn-Remapped-Date"))
        self.assertEqual(r.header("x-amzn-Remapped-Content-Length"), str(len(r.body)))
        self.assertEqual(r.header("x-amzn-Remapped-x-amzn-RequestId"), "upstream-request-id")
        # The gateway's own ids and framing.
        self.assertRegex(r.header("x-amzn-RequestId"), UUID_RE)
        self.assertEqual(r.header_all("x-amzn-RequestId"), [r.header("x-amzn-RequestId")])
        self.assertRegex(r.header("x-amz-apigw-id"), SHORT_ID_RE)
        self.assertIsNone(r.header("Server"))
        self.assertEqual(len(r.header_all("Date")), 1)
        self.assertEqual(r.header("Content-Length"), str(len(r.body)))
        # Other headers pass through.
        self.assertEqual(r.header("X-Upstream"), "yes")
        self.assertEqual(r.header("Content-Type"), "application/json")

    def test_http_api_response_headers_pass_through(self):
        r = self.call("GET", "/api/plain")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.header("Server"), "echo-upstream")
        self.assertEqual(r.header("X-Upstream"), "yes")
        self.assertRegex(r.header("apigw-requestid"), SHORT_ID_RE)
        self.assertFalse([k for k, _ in r.headers if k.lower().startswith("x-amzn-remapped-")])
        self.assertEqual(len(r.header_all("Date")), 1)

    def test_upstream_status_and_body_pass_through(self):
        for path in ("/api/status/418/x", "/rest/prod/status/404/x", "/api/status/500/x"):
            with self.subTest(path=path):
                r = self.call("GET", path)
                expected = int(path.split("/")[-2])
                self.assertEqual(r.status, expected)
                self.assertEqual(r.json()["method"], "GET")
                self.assertIsNone(r.header("x-amzn-ErrorType"))

    def test_head_is_forwarded(self):
        r = self.call("HEAD", "/api/head")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"")
        self.assertEqual(self.upstream.last().method, "HEAD")

    # -- failures -------------------------------------------------------------------------------

    def test_rest_timeout_is_504(self):
        start = time.monotonic()
        r = self.call("GET", "/rest/prod/slow/x")
        self.assertLess(time.monotonic() - start, 5)
        self.assertEqual(r.status, 504)
        self.assertEqual(r.body, REST_TIMEOUT)
        self.assertEqual(r.header("Content-Length"), "41")
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(r.header("x-amzn-ErrorType"), "InternalServerErrorException")
        self.assertRegex(r.header("x-amzn-RequestId"), UUID_RE)

    def test_http_api_timeout_is_503(self):
        r = self.call("GET", "/slow/x")
        self.assertEqual(r.status, 503)
        self.assertEqual(r.body, HTTP_UNAVAILABLE)
        self.assertIsNone(r.header("x-amzn-ErrorType"))
        self.assertRegex(r.header("apigw-requestid"), SHORT_ID_RE)

    def test_rest_upstream_down_is_504_network_error(self):
        r = self.call("GET", "/rest/prod/down")
        self.assertEqual(r.status, 504)
        self.assertEqual(r.body, REST_NETWORK)
        self.assertEqual(r.header("Content-Length"), "56")
        self.assertEqual(r.header("x-amzn-ErrorType"), "InternalServerErrorException")

    def test_http_api_upstream_down_is_503(self):
        r = self.call("GET", "/down")
        self.assertEqual(r.status, 503)
        self.assertEqual(r.body, HTTP_UNAVAILABLE)

    def test_failures_are_counted_in_metrics(self):
        self.call("GET", "/rest/prod/down")
        text = self.gw.metrics()
        self.assertRegex(text, r'gatehouse_requests_total\{api="legacy",route="GET /down",'
                               r'status="504"\} [1-9]')

    # -- bodies and connections -----------------------------------------------------------------

    def test_five_megabyte_round_trip(self):
        payload = bytes(range(256)) * (5 * 1024 * 1024 // 256)
        try:
            r = self.call("POST", "/api/mirror/big", body=payload,
                          headers={"Content-Type": "application/octet-stream"}, timeout=30)
        except (BrokenPipeError, ConnectionResetError) as exc:
            self.fail(f"the gateway dropped a 5 MB request (maxBodyBytes is 10 MB): {exc!r}")
        self.assertEqual(r.status, 200, r.body[:200])
        self.assertEqual(len(r.body), len(payload))
        self.assertEqual(hashlib.sha256(r.body).hexdigest(), hashlib.sha256(payload).hexdigest())
        self.assertEqual(len(self.upstream.last().body), len(payload))

    def test_five_megabyte_round_trip_chunked(self):
        payload = b"0123456789abcdef" * (5 * 1024 * 1024 // 16)

        def chunks():
            for i in range(0, len(payload), 256 * 1024):
                yield payload[i:i + 256 * 1024]

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("POST", "/rest/prod/mirror/big", body=chunks(), encode_chunked=True,
                         headers={"Content-Type": "application/octet-stream",
                                  "Transfer-Encoding": "chunked"})
            resp = conn.getresponse()
            body = resp.read()
        finally:
            conn.close()
        self.assertEqual(resp.status, 200, body[:200])
        self.assertEqual(body, payload)
        seen = self.upstream.last()
        self.assertEqual(len(seen.body), len(payload))
        self.assertIsNone(seen.header("Transfer-Encoding"))  # re-framed with a Content-Length
        self.assertEqual(seen.header("Content-Length"), str(len(payload)))

    def test_concurrent_requests(self):
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda i: self.call("GET", f"/users/{i}"), range(32)))
        self.assertEqual([r.status for r in results], [200] * 32)
        self.assertEqual([r.json()["path"] for r in results], [f"/v1/users/{i}" for i in range(32)])


def raw_upstream(add_cleanup, answer) -> int:
    """A one-request-per-connection upstream on a free port: reads a request's head and calls
    answer(socket), then closes. `add_cleanup` registers the listener's close. Returns the port."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    add_cleanup(srv.close)

    def serve():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    def handle(conn):
        with conn:
            buf = b""
            try:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                answer(conn)
            except OSError:
                pass

    threading.Thread(target=serve, daemon=True).start()
    return srv.getsockname()[1]


def answer_until_close(conn):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
                 b"delimited by close")


def answer_chunked(conn):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
                 b"Connection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")


def answer_reset(conn):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def corked(conn, data: bytes):
    """Sends `data` and the FIN together (the socket closes after answer()): one segment, so the
    gateway's read finds the end of the stream already queued behind the bytes."""
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    conn.sendall(data)


def answer_truncated(conn):
    corked(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")


def answer_then_close(conn):
    # A keep-alive response (no "Connection: close"), and the server closes anyway.
    corked(conn, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")


def answer_garbage(conn):
    conn.sendall(b"NOT HTTP AT ALL\r\n\r\n")


def answer_too_large(conn):
    n = 10 * 1024 * 1024 + 1
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n)
    chunk = b"x" * 65536
    for _ in range(n // len(chunk) + 1):
        conn.sendall(chunk)


class TimeoutValidationTest(unittest.TestCase):
    """`timeoutInMillis` ranges per API type, as AWS: HTTP APIs 50-30000 ms, WebSocket APIs
    50-29000 ms, REST 50-29000 ms by default, raisable by a quota request (300000 here)."""

    CONFIG = """\
version: 1
apis:
  - id: api
    protocol: {protocol}
    routes:
      "{route}":
        integration:
          type: http_proxy
          uri: http://127.0.0.1:9/
          timeoutInMillis: {timeout}
"""

    def validate(self, protocol, timeout, route="GET /x"):
        tmp = Path(tempfile.mkdtemp(prefix="gatehouse-timeout-"))
        self.addCleanup(shutil.rmtree, tmp, True)
        path = tmp / "t.yaml"
        path.write_text(self.CONFIG.format(protocol=protocol, route=route, timeout=timeout))
        return path, run_cli("validate", str(path))

    def test_http_api_allows_50_to_30000(self):
        for timeout in (50, 30000):
            with self.subTest(timeout=timeout):
                _, out = self.validate("HTTP", timeout)
                self.assertEqual(out.returncode, 0, out.stderr)
        for timeout in (49, 30001, 300000):
            with self.subTest(timeout=timeout):
                path, out = self.validate("HTTP", timeout)
                self.assertNotEqual(out.returncode, 0)
                self.assertIn(f'{path}:10:28: error: apis[0].routes["GET /x"].integration.'
                              f"timeoutInMillis: must be between 50 and 30000, got {timeout}\n",
                              out.stderr)

    def test_rest_api_allows_a_raised_quota(self):
        for timeout in (50, 29000, 120000, 300000):
            with self.subTest(timeout=timeout):
                _, out = self.validate("REST", timeout)
                self.assertEqual(out.returncode, 0, out.stderr)
        path, out = self.validate("REST", 300001)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("timeoutInMillis: must be between 50 and 300000, got 300001", out.stderr)


class UpstreamEdgeCasesTest(unittest.TestCase):
    """Backends that misbehave, and HTTPS backends with and without a trusted certificate."""

    ROUTES = ("until_close", "chunked", "reset", "truncated", "then_close", "garbage", "too_large")

    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="gatehouse-upstream-"))
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cert, key = make_self_signed_cert(cls.tmp)
        cls.tls_upstream = EchoUpstream()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        cls.tls_upstream.server.socket = ctx.wrap_socket(cls.tls_upstream.server.socket,
                                                         server_side=True)
        cls.tls_upstream.start()
        cls.addClassCleanup(cls.tls_upstream.stop)
        ports = {name: raw_upstream(cls.addClassCleanup, globals()[f"answer_{name}"]) for name in cls.ROUTES}
        rest_routes = "".join(
            f'      "GET /{name}":\n'
            f'        integration: {{type: http_proxy, uri: "http://127.0.0.1:{port}/x"}}\n'
            for name, port in ports.items())
        config = f"""\
version: 1
server:
  listeners:
    - {{host: 127.0.0.1, port: 3000, serves: apis}}
    - {{host: 127.0.0.1, port: 4566, serves: services}}
upstreams:
  trusted: {{url: "https://localhost:{cls.tls_upstream.port}", tls: {{caFile: "{cert}"}}}}
  untrusted: {{url: "https://localhost:{cls.tls_upstream.port}"}}
apis:
  - id: rest
    protocol: REST
    stages: {{dev: {{}}}}
    routes:
{rest_routes}      "GET /trusted/{{proxy+}}":
        integration: {{type: http_proxy, upstream: trusted, path: "/tls/{{proxy}}"}}
      "GET /untrusted":
        integration: {{type: http_proxy, upstream: untrusted, path: /x}}
  - id: http
    protocol: HTTP
    basePath: /h
    routes:
      "GET /untrusted":
        integration: {{type: http_proxy, upstream: untrusted, path: /x}}
      "GET /reset":
        integration: {{type: http_proxy, uri: "http://127.0.0.1:{ports['reset']}/x"}}
      $default:
        integration: {{type: http_proxy, upstream: trusted}}
"""
        cls.gw = Gateway(config)
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def get(self, path):
        return request(self.gw.api_port, "GET", path, timeout=30)

    def test_response_delimited_by_close(self):
        r = self.get("/dev/until_close")
        self.assertEqual((r.status, r.body), (200, b"delimited by close"))
        self.assertEqual(r.header("Content-Length"), str(len(r.body)))

    def test_chunked_response_is_reframed(self):
        r = self.get("/dev/chunked")
        self.assertEqual((r.status, r.body), (200, b"hello world"))
        self.assertIsNone(r.header("Transfer-Encoding"))
        self.assertEqual(r.header("Content-Length"), "11")

    def test_reset_mid_response_is_a_network_error(self):
        r = self.get("/dev/reset")
        self.assertEqual((r.status, r.body), (504, REST_NETWORK))
        self.assertEqual(r.header("x-amzn-ErrorType"), "InternalServerErrorException")
        r = self.get("/h/reset")
        self.assertEqual((r.status, r.body), (503, HTTP_UNAVAILABLE))

    def test_truncated_response_is_a_network_error_at_once(self):
        # The body's end and the FIN arrive together: the gateway sees the end of the stream
        # now, not when the 29 s integration timeout runs out.
        start = time.monotonic()
        r = self.get("/dev/truncated")
        self.assertEqual((r.status, r.body), (504, REST_NETWORK))
        self.assertLess(time.monotonic() - start, 10)

    def test_upstream_closing_after_a_keep_alive_response(self):
        # Each connection serves one response and closes with it: every request still succeeds,
        # at once (a closed pooled connection is found and replaced, not waited on).
        start = time.monotonic()
        for _ in range(4):
            r = self.get("/dev/then_close")
            self.assertEqual((r.status, r.body), (200, b"ok"))
        self.assertLess(time.monotonic() - start, 10)

    def test_garbage_response_is_a_network_error(self):
        r = self.get("/dev/garbage")
        self.assertEqual((r.status, r.body), (504, REST_NETWORK))

    def test_response_over_10_mb_is_500(self):
        r = self.get("/dev/too_large")
        self.assertEqual((r.status, r.body), (500, REST_INTERNAL))
        self.assertEqual(r.header("x-amzn-ErrorType"), "InternalServerErrorException")

    def test_https_upstream_with_ca_file(self):
        r = self.get("/dev/trusted/a/b?x=1")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual((r.json()["path"], r.json()["query"]), ("/tls/a/b", "x=1"))
        self.assertEqual(r.json()["headers"]["host"], f"localhost:{self.tls_upstream.port}")

    def test_http_api_default_route_appends_the_request_path(self):
        r = self.get("/h/any/path?q=2")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual((r.json()["path"], r.json()["query"]), ("/any/path", "q=2"))

    def test_untrusted_certificate_rest_is_500(self):
        # AWS: "Execution failed due to configuration error" (docs/aws-notes-core.md section 1).
        r = self.get("/dev/untrusted")
        self.assertEqual((r.status, r.body), (500, REST_INTERNAL))
        self.assertEqual(r.header("x-amzn-ErrorType"), "InternalServerErrorException")

    def test_untrusted_certificate_http_api_is_503(self):
        # docs/aws-notes-core.md section 2: HTTP API backend connection failures (refused, DNS,
        # TLS) answer 503 {"message":"Service Unavailable"}.
        r = self.get("/h/untrusted")
        self.assertEqual((r.status, r.body), (503, HTTP_UNAVAILABLE))


class ConnectionReuseTest(unittest.TestCase):
    """A fresh upstream and gateway (one worker thread): sequential requests share one
    keep-alive connection to the upstream."""

    def test_upstream_connections_are_reused(self):
        upstream = EchoUpstream().start()
        self.addCleanup(upstream.stop)
        gw = Gateway(config_file=EXAMPLES_DIR / "http-proxy.yaml", args=["--threads", "1"],
                     fixed_ports={8080: upstream.port, 9: free_port()})
        self.addCleanup(gw.close)
        gw.start()
        for i in range(8):
            path = f"/api/reuse/{i}" if i % 2 else f"/rest/prod/reuse/{i}"
            self.assertEqual(request(gw.api_port, "GET", path).status, 200)
        self.assertEqual(len(upstream.requests), 8)
        clients = {req.client for req in upstream.requests}
        self.assertEqual(len(clients), 1, f"8 sequential requests used {len(clients)} "
                                          "upstream connections")
        gw.stop()


class ProxyDrainTest(unittest.TestCase):
    """SIGTERM while a proxied request waits on a slow upstream: it completes, then exit 0."""

    def test_sigterm_waits_for_the_upstream(self):
        upstream = EchoUpstream().start()
        self.addCleanup(upstream.stop)
        gw = Gateway(config_file=EXAMPLES_DIR / "http-proxy.yaml",
                     fixed_ports={8080: upstream.port, 9: free_port()})
        self.addCleanup(gw.close)
        gw.start()
        c = RawClient(gw.api_port, timeout=20)
        self.addCleanup(c.close)
        c.send(b"GET /rest/prod/hold/in-flight HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(upstream.held.wait(10), "the request never reached the upstream")
        gw.send_signal(signal.SIGTERM)
        gw.wait_for_stderr("received SIGTERM; shutting down")
        wait_until(lambda: port_is_closed(gw.api_port), 5, message="new connections refused")
        self.assertTrue(gw.running())
        upstream.release()
        r = c.read_response()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["path"], "/v1/hold/in-flight")
        self.assertEqual(r.header("Connection"), "close")
        self.assertEqual(gw.wait_exit(10), 0)

    def test_drain_timeout_with_the_upstream_still_pending(self):
        upstream = EchoUpstream().start()
        self.addCleanup(upstream.stop)
        gw = Gateway(f"""\
version: 1
server:
  listeners:
    - {{host: 127.0.0.1, port: 3000, serves: apis}}
    - {{host: 127.0.0.1, port: 4566, serves: services}}
  limits: {{drainTimeoutMillis: 300}}
apis:
  - id: t
    protocol: REST
    stages: {{dev: {{}}}}
    routes:
      "ANY /{{proxy+}}":
        integration: {{type: http_proxy, uri: "http://127.0.0.1:{upstream.port}/{{proxy}}"}}
""")
        self.addCleanup(gw.close)
        gw.start()
        c = RawClient(gw.api_port, timeout=20)
        self.addCleanup(c.close)
        c.send(b"GET /dev/hold/stuck HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(upstream.held.wait(10), "the request never reached the upstream")
        start = time.monotonic()
        gw.send_signal(signal.SIGTERM)
        self.assertEqual(gw.wait_exit(10), 0)
        self.assertLess(time.monotonic() - start, 5)
        self.assertIn("drain timeout: closing 1 connection(s)", gw.stderr())
        self.assertEqual(c.wait_closed(5), b"")


if __name__ == "__main__":
    unittest.main()
