"""Server behaviour over raw sockets, curl and http.client: HTTP/1.1 framing, limits, deadlines.

Keep-alive, pipelining, HTTP/1.0, HEAD, 100-continue, request size limits (413 with
Content-Length and chunked, 431), malformed requests, slowloris, the keep-alive idle timeout,
maxConnections, and clients that vanish mid-request. The config uses small limits (500 ms
deadlines, 1 KiB bodies) so every deadline is reached quickly."""

import socket
import threading
import time
import unittest

from harness import (SHORT_ID_RE, Gateway, PeerClosed, RawClient, build_request, curl,
                     parse_curl_include, request, wait_until)

CONFIG = """\
version: 1
server:
  listeners:
    - {host: 127.0.0.1, port: 3000, serves: apis}
    - {host: 127.0.0.1, port: 4566, serves: services}
  limits:
    maxBodyBytes: 1024
    maxHeaderBytes: 2048
    headerTimeoutMillis: 500
    bodyTimeoutMillis: 1000
    idleTimeoutMillis: 500
logging:
  level: debug
apis:
  - id: srv
    protocol: HTTP
    routes:
      "ANY /echo/{proxy+}":
        integration:
          type: mock
          headers: {Content-Type: application/json}
          body: '{"method": "$context.httpMethod", "proxy": "$request.path.proxy"}'
      "POST /upload":
        integration:
          type: mock
          headers: {Content-Type: text/plain}
          body: uploaded
"""

# Big enough that no client sends it in one piece without being told to.
BIG_CONFIG = """\
version: 1
server:
  listeners:
    - {host: 127.0.0.1, port: 3000, serves: apis}
    - {host: 127.0.0.1, port: 4566, serves: services}
  limits:
    maxBodyBytes: 4194304
apis:
  - id: big
    protocol: REST
    stages: {dev: {}}
    routes:
      "POST /upload":
        integration: {type: mock, body: '{"ok": true}'}
"""

# A response far larger than a socket's buffers, in a pattern that shows any byte out of place.
BIG_RESPONSE = "".join(f"{i:07d}," for i in range(768 * 1024)).encode()  # 6 MiB
BIG_CONFIG += f"""\
      "GET /big":
        integration: {{type: mock, headers: {{Content-Type: text/plain}}, body: '{BIG_RESPONSE.decode()}'}}
"""

MAXCONN_CONFIG = """\
version: 1
server:
  listeners:
    - {host: 127.0.0.1, port: 3000, serves: apis}
    - {host: 127.0.0.1, port: 4566, serves: services}
  limits:
    maxConnections: 3
    idleTimeoutMillis: 20000
apis:
  - id: mc
    protocol: HTTP
    routes:
      "GET /ping":
        integration: {type: mock, body: pong}
"""

HALF_CLOSE_CONFIG = """\
version: 1
server:
  listeners:
    - {host: 127.0.0.1, port: 3000, serves: apis}
    - {host: 127.0.0.1, port: 4566, serves: services}
  limits:
    idleTimeoutMillis: 20000
apis:
  - id: hc
    protocol: HTTP
    routes:
      "GET /ping":
        integration: {type: mock, body: pong}
"""

TOO_LARGE = b"HTTP content length exceeded 1024 bytes."


def echo(proxy: str, method: str = "GET") -> bytes:
    return ('{"method": "%s", "proxy": "%s"}' % (method, proxy)).encode()


class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(CONFIG)
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()
        cls.port = cls.gw.api_port

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def client(self, timeout=5.0) -> RawClient:
        c = RawClient(self.port, timeout=timeout)
        self.addCleanup(c.close)
        return c

    def assertServed(self):
        """The server still answers a normal request on a new connection."""
        r = request(self.port, "GET", "/echo/still-alive")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, echo("still-alive"))

    # -- HTTP/1.1 basics ------------------------------------------------------------------------

    def test_keep_alive_many_requests_on_one_connection(self):
        c = self.client()
        ids = set()
        for i in range(50):
            r = c.request("GET", f"/echo/{i}")
            self.assertEqual(r.status, 200)
            self.assertEqual(r.body, echo(str(i)))
            self.assertEqual(r.header("Connection"), "keep-alive")
            ids.add(r.header("apigw-requestid"))
        self.assertEqual(len(ids), 50)

    def test_pipelining_answers_in_order(self):
        c = self.client()
        c.send(build_request("GET", "/echo/one") + build_request("POST", "/echo/two", body=b"xy")
               + build_request("DELETE", "/echo/three"))
        got = [c.read_response() for _ in range(3)]
        self.assertEqual([r.status for r in got], [200, 200, 200])
        self.assertEqual([r.body for r in got],
                         [echo("one"), echo("two", "POST"), echo("three", "DELETE")])
        # And the connection is still usable afterwards.
        self.assertEqual(c.request("GET", "/echo/four").body, echo("four"))

    def test_many_pipelined_requests_are_all_answered_in_order(self):
        # More requests in one packet than the gateway serves in a row before it yields the
        # thread to other connections: each still gets its answer, in order.
        c = self.client()
        c.send(b"".join(build_request("GET", f"/echo/p{i}") for i in range(100)))
        got = [c.read_response() for _ in range(100)]
        self.assertEqual([r.status for r in got], [200] * 100)
        self.assertEqual([r.body for r in got], [echo(f"p{i}") for i in range(100)])
        self.assertEqual(c.request("GET", "/echo/after").body, echo("after"))

    def test_http_1_0_closes_after_the_response(self):
        c = self.client()
        c.send(b"GET /echo/old HTTP/1.0\r\n\r\n")
        r = c.read_response()
        self.assertEqual(r.version, "HTTP/1.0")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Content-Length"), str(len(echo("old"))))
        self.assertEqual(r.body, echo("old"))
        self.assertEqual(c.wait_closed(5), b"")

    def test_http_1_0_keep_alive_on_request(self):
        c = self.client()
        c.send(b"GET /echo/a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        r = c.read_response()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Connection", "").lower(), "keep-alive")
        self.assertEqual(c.request("GET", "/echo/b", version="HTTP/1.0",
                                   headers={"Connection": "keep-alive"}).body, echo("b"))

    def test_connection_close_is_honoured(self):
        c = self.client()
        r = c.request("GET", "/echo/bye", headers={"Connection": "close"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Connection"), "close")
        self.assertEqual(c.wait_closed(5), b"")

    def test_head_has_content_length_and_no_body(self):
        c = self.client()
        # HEAD then GET pipelined: if HEAD carried a body, the GET response would not parse.
        c.send(build_request("HEAD", "/echo/h") + build_request("GET", "/echo/g"))
        head = c.read_response(head_request=True)
        self.assertEqual(head.status, 200)
        self.assertEqual(head.header("Content-Length"), str(len(echo("h", "HEAD"))))
        self.assertRegex(head.header("apigw-requestid"), SHORT_ID_RE)
        get = c.read_response()
        self.assertEqual(get.status, 200)
        self.assertEqual(get.body, echo("g"))

    def test_head_with_curl(self):
        out = curl("-sI", f"http://127.0.0.1:{self.port}/echo/x")
        self.assertEqual(out.returncode, 0, out.stderr)
        (r,) = parse_curl_include(out.stdout)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Content-Length"), str(len(echo("x", "HEAD"))))
        self.assertEqual(r.body, b"")

    # -- 100-continue and body limits -----------------------------------------------------------

    def test_expect_100_continue_raw(self):
        c = self.client()
        c.send(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n"
               b"Expect: 100-continue\r\n\r\n")
        interim = c.read_response()
        self.assertEqual((interim.status, interim.reason), (100, "Continue"))
        c.send(b"0123456789")
        r = c.read_response()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"uploaded")

    def test_expect_100_continue_with_curl(self):
        out = curl("-i", "-H", "Expect: 100-continue", "--data-binary", "y" * 1000,
                   f"http://127.0.0.1:{self.port}/upload")
        self.assertEqual(out.returncode, 0, out.stderr)
        responses = parse_curl_include(out.stdout)
        self.assertEqual([r.status for r in responses], [100, 200], out.stdout)
        self.assertEqual(responses[-1].body, b"uploaded")

    def test_expect_100_continue_refused_when_too_large(self):
        # No 100 Continue for a body that will be refused: the 413 comes straight away.
        c = self.client()
        c.send(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
               b"Expect: 100-continue\r\n\r\n")
        r = c.read_response()
        self.assertEqual(r.status, 413)
        self.assertEqual(r.body, TOO_LARGE)
        self.assertEqual(c.wait_closed(5), b"")

    def test_body_over_limit_with_content_length(self):
        c = self.client()
        c.send(build_request("POST", "/upload", body=b"a" * 1025))
        r = c.read_response()
        self.assertEqual(r.status, 413)
        self.assertEqual(r.body, TOO_LARGE)
        self.assertEqual(r.header("Content-Type"), "text; charset=utf-8")
        self.assertEqual(r.header("Content-Length"), str(len(TOO_LARGE)))
        self.assertIsNone(r.header("x-amzn-ErrorType"))
        # Refused in front of API Gateway proper: no request id (docs/aws-notes-core.md 4).
        self.assertIsNone(r.header("apigw-requestid"))
        self.assertEqual(r.header("Connection"), "close")
        c.wait_closed(5)
        self.assertServed()

    def test_body_at_limit_is_accepted(self):
        r = request(self.port, "POST", "/upload", body=b"a" * 1024)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"uploaded")

    def test_body_over_limit_chunked(self):
        c = self.client()
        chunk = b"a" * 600
        c.send(b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               + b"258\r\n" + chunk + b"\r\n" + b"258\r\n" + chunk + b"\r\n0\r\n\r\n")
        r = c.read_response()
        self.assertEqual(r.status, 413)
        self.assertEqual(r.body, TOO_LARGE)
        self.assertEqual(r.header("Content-Type"), "text; charset=utf-8")
        c.wait_closed(5)
        self.assertServed()

    def test_chunked_body_within_limit(self):
        c = self.client()
        c.send(b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        r = c.read_response()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"uploaded")
        self.assertEqual(c.request("GET", "/echo/after").body, echo("after"))

    def test_413_with_curl(self):
        out = curl("-i", "--data-binary", "x" * 4096, f"http://127.0.0.1:{self.port}/upload")
        self.assertEqual(out.returncode, 0, out.stderr)
        r = parse_curl_include(out.stdout)[-1]
        self.assertEqual(r.status, 413)
        self.assertEqual(r.body, TOO_LARGE)

    def test_header_over_limit_is_431(self):
        c = self.client()
        c.send(b"GET /echo/h HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 3000 + b"\r\n\r\n")
        r = c.read_response()
        self.assertEqual(r.status, 431)
        self.assertEqual(r.body, b"HTTP header is larger than 2048 bytes.")
        self.assertEqual(r.header("Content-Type"), "text; charset=utf-8")
        self.assertIsNone(r.header("x-amzn-ErrorType"))
        c.wait_closed(5)
        self.assertServed()

    def test_malformed_request_line_is_400_and_close(self):
        for garbage in (b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                        b"GET /echo/x HTTP/1.1\r\nBad Header Line\r\n\r\n"):
            with self.subTest(garbage=garbage):
                c = self.client()
                c.send(garbage)
                r = c.read_response()
                self.assertEqual(r.status, 400)
                self.assertEqual(r.body, b'{"message":"Bad Request"}')
                self.assertEqual(r.header("Connection"), "close")
                self.assertEqual(c.wait_closed(5), b"")
        self.assertServed()

    def test_ambiguous_body_length_is_400_and_close(self):
        # RFC 9112 6.3: Transfer-Encoding whose final coding is not chunked, or both
        # Transfer-Encoding and Content-Length, leave the body length undetermined: 400 and
        # close. Anything else lets the bytes after the head be read as a second request
        # (request smuggling behind a proxy that frames the body differently).
        smuggled = build_request("GET", "/echo/smuggled")
        for framing in (b"Transfer-Encoding: gzip", b"Transfer-Encoding: chunked, gzip",
                        b"Transfer-Encoding: identity",
                        b"Content-Length: 5\r\nTransfer-Encoding: chunked",
                        b"Content-Length: 5\r\nContent-Length: 6"):
            with self.subTest(framing=framing):
                c = self.client()
                c.send(b"POST /upload HTTP/1.1\r\nHost: x\r\n" + framing + b"\r\n\r\n"
                       + b"0\r\n\r\n" + smuggled)
                r = c.read_response()
                self.assertEqual(r.status, 400, r.body)
                self.assertEqual(r.body, b'{"message":"Bad Request"}')
                self.assertEqual(r.header("Connection"), "close")
                self.assertEqual(c.wait_closed(5), b"")

    def test_http_1_1_without_host_is_400(self):
        # RFC 9112 3.2: a server MUST answer 400 to an HTTP/1.1 request without Host.
        c = self.client()
        c.send(b"GET /echo/nohost HTTP/1.1\r\n\r\n")
        r = c.read_response()
        self.assertEqual(r.status, 400, r.body)
        self.assertEqual(r.header("Connection"), "close")

    # -- deadlines ------------------------------------------------------------------------------

    def test_slowloris_is_cut_off_while_others_are_served(self):
        slow = self.client()
        result: dict = {}

        def dribble():
            # One header byte every 100 ms: the 500 ms header deadline passes long before the
            # request could complete (it never does: there is no blank line).
            data = b"GET /echo/slow HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"z" * 200
            start = time.monotonic()
            try:
                for b in data:
                    slow.sock.sendall(bytes([b]))
                    time.sleep(0.1)
                    if time.monotonic() - start > 5:
                        break
                result["outcome"] = "still open"
            except OSError:
                result["outcome"] = "cut off"
            result["elapsed"] = time.monotonic() - start

        t = threading.Thread(target=dribble)
        t.start()
        # Meanwhile another client is served normally, many times over.
        served = 0
        fast = self.client()
        while t.is_alive() and served < 200:
            r = fast.request("GET", f"/echo/fast{served}")
            self.assertEqual(r.status, 200)
            served += 1
        # The slow connection gets closed by the server (no response for it).
        leftover = slow.wait_closed(5)
        t.join(10)
        self.assertEqual(leftover, b"")
        self.assertGreater(served, 0)
        self.assertEqual(result.get("outcome"), "cut off", result)
        self.assertLess(result["elapsed"], 3.0, result)

    def test_idle_keep_alive_connection_is_closed(self):
        c = self.client()
        self.assertEqual(c.request("GET", "/echo/idle").status, 200)
        start = time.monotonic()
        self.assertEqual(c.wait_closed(5), b"")
        elapsed = time.monotonic() - start
        self.assertGreater(elapsed, 0.3)   # idleTimeoutMillis: 500
        self.assertLess(elapsed, 3.0)

    def test_connection_that_sends_nothing_is_closed(self):
        c = self.client()
        start = time.monotonic()
        self.assertEqual(c.wait_closed(5), b"")
        self.assertLess(time.monotonic() - start, 3.0)

    def test_stalled_body_is_cut_off(self):
        c = self.client()
        c.send(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-some")
        start = time.monotonic()
        c.wait_closed(5)  # bodyTimeoutMillis: 1000
        self.assertLess(time.monotonic() - start, 4.0)
        self.assertServed()

    # -- vanishing clients ----------------------------------------------------------------------

    def test_client_disconnect_mid_request_does_not_disturb_others(self):
        other = self.client()
        self.assertEqual(other.request("GET", "/echo/before").status, 200)
        # Half a request line, half the headers, half a body, and a reset.
        for partial in (b"GET /ec", b"GET /echo/x HTTP/1.1\r\nHost: x\r\nX-A: 1",
                        b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\nabc"):
            s = socket.create_connection(("127.0.0.1", self.port))
            s.sendall(partial)
            s.close()
        s = socket.create_connection(("127.0.0.1", self.port))
        s.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\nabc")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()  # RST
        # A client that sends a request and leaves before reading the answer.
        s = socket.create_connection(("127.0.0.1", self.port))
        s.sendall(build_request("GET", "/echo/gone"))
        s.close()
        self.assertEqual(other.request("GET", "/echo/after").body, echo("after"))
        self.assertServed()
        self.assertTrue(self.gw.running())

    def test_open_connections_return_to_baseline(self):
        def open_count():
            return self.gw.health()["openConnections"]
        clients = [self.client() for _ in range(4)]
        for c in clients:
            self.assertEqual(c.request("GET", "/echo/x").status, 200)
        wait_until(lambda: open_count() >= 5, 5, message="5 open connections")
        for c in clients:
            c.close()
        wait_until(lambda: open_count() == 1, 5, message="only the health connection open")


class BigBodyTest(unittest.TestCase):
    """Bodies over Beast's 1 MiB default but under maxBodyBytes are accepted."""

    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(BIG_CONFIG)
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def test_two_megabyte_body_with_content_length(self):
        try:
            r = request(self.gw.api_port, "POST", "/dev/upload", body=b"a" * (2 * 1024 * 1024))
        except (BrokenPipeError, ConnectionResetError) as exc:
            self.fail(f"the gateway dropped a 2 MiB request under maxBodyBytes 4 MiB: {exc!r}")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.body, b'{"ok": true}')

    def test_response_larger_than_the_socket_buffers_arrives_whole(self):
        # The gateway writes what the socket takes at once and waits for room for the rest: a
        # client with a small receive buffer that pauses before reading still gets every byte,
        # in order, and the connection goes on serving.
        sock = socket.socket()
        self.addCleanup(sock.close)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.settimeout(10)
        sock.connect(("127.0.0.1", self.gw.api_port))
        sock.sendall(build_request("GET", "/dev/big") * 2)
        time.sleep(0.3)
        buf = bytearray()

        def fill():
            chunk = sock.recv(1 << 20)
            self.assertTrue(chunk, "the gateway closed the connection")
            buf.extend(chunk)

        for _ in range(2):
            while b"\r\n\r\n" not in buf:
                fill()
            end = buf.index(b"\r\n\r\n") + 4
            head = bytes(buf[:end]).decode("latin-1")
            del buf[:end]
            self.assertTrue(head.startswith("HTTP/1.1 200 "), head)
            self.assertIn(f"Content-Length: {len(BIG_RESPONSE)}\r\n", head)
            while len(buf) < len(BIG_RESPONSE):
                fill()
            self.assertTrue(buf[:len(BIG_RESPONSE)] == BIG_RESPONSE, "the body arrived changed")
            del buf[:len(BIG_RESPONSE)]
        self.assertEqual(buf, b"")
        sock.sendall(build_request("POST", "/dev/upload", body=b"x"))
        while not buf.endswith(b'{"ok": true}'):
            fill()

    def test_curl_100_continue_with_a_large_body(self):
        # curl sends Expect: 100-continue for a large body and waits for the interim answer.
        path = self.gw.dir / "body.bin"
        path.write_bytes(b"z" * (3 * 1024 * 1024))
        out = curl("-i", "-H", "Expect: 100-continue", "--data-binary", f"@{path}",
                   f"http://127.0.0.1:{self.gw.api_port}/dev/upload")
        self.assertEqual(out.returncode, 0, out.stderr)
        responses = parse_curl_include(out.stdout)
        self.assertEqual([r.status for r in responses], [100, 200], out.stdout[:500])
        self.assertEqual(responses[-1].body, b'{"ok": true}')

    def test_over_the_limit_is_413_not_400(self):
        c = RawClient(self.gw.api_port)
        self.addCleanup(c.close)
        c.send(b"POST /dev/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n")
        r = c.read_response()
        self.assertEqual(r.status, 413)
        self.assertEqual(r.body, b"HTTP content length exceeded 4194304 bytes.")
        self.assertEqual(r.header("Content-Type"), "text; charset=utf-8")
        for name in ("x-amzn-RequestId", "x-amz-apigw-id", "x-amzn-ErrorType"):
            self.assertIsNone(r.header(name))


class MaxConnectionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(MAXCONN_CONFIG)
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def served_connection(self) -> RawClient:
        """A connection the server accepted and answers (retries while an earlier connection
        -- the readiness probe's -- is still being released)."""
        def attempt():
            c = RawClient(self.gw.api_port, timeout=3)
            try:
                r = c.request("GET", "/ping")
                if r.status == 200 and r.body == b"pong":
                    return c
            except (PeerClosed, OSError):
                pass
            c.close()
            return None
        c = wait_until(attempt, 5, message="a served connection")
        self.addCleanup(c.close)
        return c

    def test_extra_connections_are_closed_and_existing_ones_still_served(self):
        conns = [self.served_connection() for _ in range(3)]
        # The fourth is accepted by the kernel and closed by the gateway without an answer.
        extra = RawClient(self.gw.api_port, timeout=3)
        self.addCleanup(extra.close)
        try:
            extra.send(build_request("GET", "/ping"))
        except OSError:
            pass
        self.assertEqual(extra.wait_closed(5), b"")
        for c in conns:
            r = c.request("GET", "/ping")
            self.assertEqual((r.status, r.body), (200, b"pong"))
        # Freeing a slot lets a new client in.
        conns[0].close()
        fresh = self.served_connection()
        self.assertEqual(fresh.request("GET", "/ping").body, b"pong")


class HalfCloseTest(unittest.TestCase):
    """A client that shuts its sending side after its requests gets every answer and then the
    connection's end at once, not when the keep-alive idle timeout (20 s here) runs out."""

    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(HALF_CLOSE_CONFIG)
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def exchange_then_eof(self, payload: bytes) -> bytes:
        c = RawClient(self.gw.api_port, timeout=10)
        self.addCleanup(c.close)
        # One request first, so that the gateway is waiting on a read when the rest arrives.
        self.assertEqual(c.request("GET", "/ping").body, b"pong")
        s = c.sock
        # Corked, the FIN leaves in the requests' segment: the read that takes them finds the
        # end of the stream already queued behind them, and no later readiness edge comes.
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        s.settimeout(10)
        start = time.monotonic()
        data = b""
        try:
            while chunk := s.recv(65536):
                data += chunk
        except socket.timeout:
            self.fail(f"no end of the connection after {time.monotonic() - start:.1f} s: {data!r}")
        self.assertLess(time.monotonic() - start, 10)
        return data

    def test_one_request(self):
        data = self.exchange_then_eof(build_request("GET", "/ping"))
        self.assertTrue(data.startswith(b"HTTP/1.1 200 "), data)
        self.assertTrue(data.endswith(b"\r\n\r\npong"), data)

    def test_pipelined_requests(self):
        data = self.exchange_then_eof(build_request("GET", "/ping") * 3)
        self.assertEqual(data.count(b"HTTP/1.1 200 "), 3, data)
        self.assertTrue(data.endswith(b"pong"), data)


if __name__ == "__main__":
    unittest.main()
