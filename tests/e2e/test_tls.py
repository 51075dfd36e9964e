"""TLS listeners, served from config/examples/tls.yaml with a certificate made by the openssl CLI.

curl --cacert and Python's ssl module talk HTTPS to it (keep-alive included); plain HTTP sent
to the TLS port and a TLS client that never finishes its handshake are dropped without
disturbing anyone else."""

import json
import socket
import ssl
import unittest

from harness import (EXAMPLES_DIR, SHORT_ID_RE, UUID_RE, Gateway, RawClient,
                     check_documented_curls, curl, make_self_signed_cert, parse_curl_include,
                     request)


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(config_file=EXAMPLES_DIR / "tls.yaml")
        cls.addClassCleanup(cls.gw.close)
        # The example's default paths, cert.pem and key.pem, relative to the working directory
        # (the gateway runs in its temporary directory).
        cls.cert, cls.key = make_self_signed_cert(cls.gw.dir)
        cls.gw.start()
        cls.port = cls.gw.port(3443)
        cls.ctx = ssl.create_default_context(cafile=str(cls.cert))

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def https(self, path: str, *extra: str):
        return curl("-i", "--cacert", str(self.cert), "--resolve",
                    f"localhost:{self.port}:127.0.0.1", f"https://localhost:{self.port}{path}",
                    *extra)

    def test_documented_curls(self):
        check_documented_curls(self, self.gw, (EXAMPLES_DIR / "tls.yaml").read_text(),
                               minimum=3)

    def test_curl_with_cacert(self):
        out = self.https("/hello")
        self.assertEqual(out.returncode, 0, out.stderr)
        (r,) = parse_curl_include(out.stdout)
        self.assertEqual(r.status, 200)
        rid = r.header("apigw-requestid")
        self.assertRegex(rid, SHORT_ID_RE)
        self.assertEqual(json.loads(r.body), {"hello": "over TLS", "requestId": rid})

    def test_curl_rest_api_over_tls(self):
        out = self.https("/v1/prod/hello")
        self.assertEqual(out.returncode, 0, out.stderr)
        (r,) = parse_curl_include(out.stdout)
        self.assertEqual(r.status, 200)
        self.assertEqual(json.loads(r.body), {"hello": "REST over TLS", "stage": "prod"})
        self.assertRegex(r.header("x-amzn-RequestId"), UUID_RE)
        out = self.https("/v1/prod/nope")
        (r,) = parse_curl_include(out.stdout)
        self.assertEqual(r.status, 403)
        self.assertEqual(r.body, b'{"message":"Missing Authentication Token"}')

    def test_curl_without_the_ca_refuses_the_certificate(self):
        out = curl("--resolve", f"localhost:{self.port}:127.0.0.1",
                   f"https://localhost:{self.port}/hello")
        self.assertEqual(out.returncode, 60, out.stderr)  # peer certificate cannot be verified

    def test_python_https_keep_alive(self):
        with RawClient(self.port, tls_context=self.ctx, server_hostname="localhost") as c:
            self.assertIn(c.sock.version(), ("TLSv1.2", "TLSv1.3"))
            ids = set()
            for _ in range(5):
                r = c.request("GET", "/hello")
                self.assertEqual(r.status, 200)
                self.assertEqual(r.header("Connection"), "keep-alive")
                ids.add(r.json()["requestId"])
            self.assertEqual(len(ids), 5)
        r = request(self.port, "GET", "/hello", tls_context=self.ctx)
        self.assertEqual(r.status, 200)

    def test_plain_http_to_the_tls_port_fails_cleanly(self):
        with RawClient(self.port, timeout=5) as plain:
            plain.send(b"GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
            data = plain.wait_closed(5)
            self.assertFalse(data.startswith(b"HTTP/"), data)
        out = curl(f"http://127.0.0.1:{self.port}/hello")
        self.assertNotEqual(out.returncode, 0)
        # Nothing crashed: HTTPS and the services listener still answer.
        self.assertEqual(request(self.port, "GET", "/hello", tls_context=self.ctx).status, 200)
        self.assertEqual(self.gw.health()["status"], "ok")
        self.assertTrue(self.gw.running())

    def test_garbage_and_abandoned_handshakes(self):
        with socket.create_connection(("127.0.0.1", self.port)) as s:
            s.sendall(b"\x16\x03\x01\x00\x05hello")  # a truncated, bogus ClientHello
        with socket.create_connection(("127.0.0.1", self.port)) as s:
            pass  # connect and leave
        self.assertEqual(request(self.port, "GET", "/hello", tls_context=self.ctx).status, 200)
        self.assertTrue(self.gw.running())


if __name__ == "__main__":
    unittest.main()
