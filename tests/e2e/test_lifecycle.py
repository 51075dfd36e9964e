"""Process lifecycle: graceful drain on SIGTERM/SIGINT, the drain deadline, and config reloads
(SIGHUP and file edits), valid and invalid.

A request is held "in flight" without any integration: the client sends headers with
`Expect: 100-continue`, waits for the gateway's `100 Continue` (proof the gateway is reading
the body), and sends the body only when the test says so. The http_proxy variant of the
in-flight test lives in test_http_proxy.py."""

import os
import re
import signal
import time
import unittest

from harness import Gateway, RawClient, port_is_closed, request, wait_until

BASE = """\
version: 1
server:
  listeners:
    - {host: 127.0.0.1, port: 3000, serves: apis}
    - {host: 127.0.0.1, port: 4566, serves: services}
  limits:
    drainTimeoutMillis: %(drain)d
    bodyTimeoutMillis: 20000
  watchConfig: %(watch)s
apis:
  - id: life
    protocol: HTTP
    routes:
%(routes)s"""

V1_ROUTES = """\
      "GET /v1":
        integration: {type: mock, body: one}
      "POST /upload":
        integration: {type: mock, body: uploaded}
"""

V2_ROUTES = """\
      "GET /v1":
        integration: {type: mock, body: one-changed}
      "GET /v2":
        integration: {type: mock, body: two}
      "POST /upload":
        integration: {type: mock, body: uploaded}
"""

# A typo on line 15 (`integraton`), column 9.
INVALID_ROUTES = """\
      "GET /v1":
        integraton: {type: mock, body: broken}
"""


def config(routes=V1_ROUTES, drain=10000, watch="false") -> str:
    return BASE % {"routes": routes, "drain": drain, "watch": watch}


class LifecycleTest(unittest.TestCase):
    def start(self, text: str) -> Gateway:
        gw = Gateway(text)
        self.addCleanup(gw.close)
        gw.start()
        return gw

    def client(self, gw: Gateway) -> RawClient:
        c = RawClient(gw.api_port, timeout=10)
        self.addCleanup(c.close)
        return c

    def begin_upload(self, gw: Gateway) -> RawClient:
        """A request the gateway is busy with: headers sent, body not yet."""
        c = self.client(gw)
        c.send(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n"
               b"Expect: 100-continue\r\n\r\n")
        interim = c.read_response()
        self.assertEqual(interim.status, 100)
        return c

    # -- drain ----------------------------------------------------------------------------------

    def check_graceful(self, sig: int, name: str):
        gw = self.start(config())
        in_flight = self.begin_upload(gw)
        idle = self.client(gw)
        self.assertEqual(idle.request("GET", "/v1").body, b"one")

        gw.send_signal(sig)
        gw.wait_for_stderr(f"received {name}; shutting down")
        # New connections are refused once the listeners stop ...
        wait_until(lambda: port_is_closed(gw.api_port), 5, message="API port refusing")
        wait_until(lambda: port_is_closed(gw.services_port), 5, message="services port refusing")
        # ... an idle keep-alive connection is closed ...
        self.assertEqual(idle.wait_closed(5), b"")
        # ... and the process waits for the request in flight.
        self.assertTrue(gw.running())
        in_flight.send(b"body!!")
        r = in_flight.read_response()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"uploaded")
        self.assertEqual(r.header("Connection"), "close")
        self.assertEqual(in_flight.wait_closed(5), b"")
        self.assertEqual(gw.wait_exit(10), 0)
        self.assertIn("stopped", gw.stderr())

    def test_sigterm_finishes_the_request_in_flight(self):
        self.check_graceful(signal.SIGTERM, "SIGTERM")

    def test_sigint_finishes_the_request_in_flight(self):
        self.check_graceful(signal.SIGINT, "SIGINT")

    def test_sigterm_with_nothing_in_flight_exits_at_once(self):
        gw = self.start(config(drain=30000))
        idle = self.client(gw)
        self.assertEqual(idle.request("GET", "/v1").status, 200)
        start = time.monotonic()
        gw.stop(signal.SIGTERM)  # asserts exit code 0
        self.assertLess(time.monotonic() - start, 5.0)
        self.assertEqual(idle.wait_closed(5), b"")

    def test_drain_timeout_forces_exit_0(self):
        gw = self.start(config(drain=300))
        stuck = self.begin_upload(gw)  # never sends its body
        start = time.monotonic()
        gw.send_signal(signal.SIGTERM)
        self.assertEqual(gw.wait_exit(10), 0)
        self.assertLess(time.monotonic() - start, 5.0)
        self.assertRegex(gw.stderr(), r"drain timeout: closing 1 connection\(s\)")
        self.assertEqual(stuck.wait_closed(5), b"")

    def test_second_signal_stops_at_once(self):
        gw = self.start(config(drain=60000))
        self.begin_upload(gw)
        gw.send_signal(signal.SIGTERM)
        gw.wait_for_stderr(r"draining 1 connection\(s\)")
        start = time.monotonic()
        gw.send_signal(signal.SIGTERM)
        self.assertEqual(gw.wait_exit(10), 0)
        self.assertLess(time.monotonic() - start, 5.0)

    # -- reload ---------------------------------------------------------------------------------

    def test_sighup_reloads_a_valid_config(self):
        gw = self.start(config())
        kept = self.client(gw)
        self.assertEqual(kept.request("GET", "/v1").body, b"one")
        self.assertEqual(kept.request("GET", "/v2").status, 404)

        gw.write_config(config(V2_ROUTES))
        mark = len(gw.stderr())
        gw.send_signal(signal.SIGHUP)
        gw.wait_for_stderr(r"reloaded .*gatehouse\.yaml: 1 API\(s\)", start=mark)

        # The keep-alive connection opened before the reload keeps working, on the new routes.
        r = kept.request("GET", "/v2")
        self.assertEqual((r.status, r.body), (200, b"two"))
        self.assertEqual(kept.request("GET", "/v1").body, b"one-changed")
        self.assertEqual(request(gw.api_port, "GET", "/v2").body, b"two")
        gw.stop()

    def test_sighup_with_an_invalid_config_keeps_the_old_one(self):
        gw = self.start(config())
        kept = self.client(gw)
        self.assertEqual(kept.request("GET", "/v1").body, b"one")

        gw.write_config(config(INVALID_ROUTES))
        mark = len(gw.stderr())
        gw.send_signal(signal.SIGHUP)
        gw.wait_for_stderr("the running config stays", start=mark)
        err = gw.stderr()[mark:]
        path = re.escape(str(gw.config_path))
        self.assertRegex(err, rf"reload of {path} failed; the running config stays")
        self.assertRegex(err, rf"{path}:15:9: error: apis\[0\]\.routes\[\"GET /v1\"\]\.integraton: "
                              r"unknown key 'integraton'; did you mean 'integration'\?")
        # Old routes still served, on old and new connections.
        self.assertEqual(kept.request("GET", "/v1").body, b"one")
        self.assertEqual(request(gw.api_port, "POST", "/upload", body=b"x").body, b"uploaded")
        self.assertTrue(gw.running())

        # Fixing the file and signalling again picks up the fix.
        gw.write_config(config(V2_ROUTES))
        mark = len(gw.stderr())
        gw.send_signal(signal.SIGHUP)
        gw.wait_for_stderr(r"reloaded ", start=mark)
        self.assertEqual(kept.request("GET", "/v2").body, b"two")
        gw.stop()

    def test_listener_changes_wait_for_a_restart(self):
        gw = self.start(config())
        old_port = gw.api_port
        # A new port for the API listener: the routes reload, the listeners stay.
        changed = config(V2_ROUTES).replace("port: 3000", "port: 3001")
        gw.write_config(changed)
        mark = len(gw.stderr())
        gw.send_signal(signal.SIGHUP)
        gw.wait_for_stderr("reloaded ", start=mark)
        self.assertIn("listener or thread changes take effect after a restart",
                      gw.stderr()[mark:])
        self.assertEqual(request(old_port, "GET", "/v2").body, b"two")
        self.assertTrue(port_is_closed(gw.port(3001)))
        gw.stop()

    def test_reload_applies_limits_and_access_log_destination(self):
        template = """\
version: 1
server:
  listeners:
    - {host: 127.0.0.1, port: 3000, serves: apis}
    - {host: 127.0.0.1, port: 4566, serves: services}
  limits: {maxBodyBytes: %d}
  watchConfig: false
logging:
  accessLog: {destination: %s, format: '$context.path $context.status'}
apis:
  - id: a
    routes:
      "POST /x": {integration: {type: mock, body: ok}}
"""
        gw = self.start(template % (100000, "one.log"))
        self.assertEqual(request(gw.api_port, "POST", "/x", body=b"a" * 5000).status, 200)
        gw.write_config(template % (1000, "two.log"))
        mark = len(gw.stderr())
        gw.send_signal(signal.SIGHUP)
        gw.wait_for_stderr("reloaded ", start=mark)
        c = self.client(gw)
        c.send(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
        r = c.read_response()
        self.assertEqual((r.status, r.body), (413, b"HTTP content length exceeded 1000 bytes."))
        self.assertEqual(request(gw.api_port, "POST", "/x", body=b"a" * 50).status, 200)

        def log(name):
            path = gw.dir / name
            return path.read_text().splitlines() if path.exists() else []
        wait_until(lambda: sorted(log("two.log")) == ["/x 200", "/x 413"], 5,
                   message="two.log to hold the requests after the reload")
        self.assertEqual(log("one.log"), ["/x 200"])
        gw.stop()

    def test_editing_the_file_reloads_without_a_signal(self):
        gw = self.start(config(watch="true"))
        kept = self.client(gw)
        self.assertEqual(kept.request("GET", "/v1").body, b"one")

        gw.write_config(config(V2_ROUTES, watch="true"))
        wait_until(lambda: request(gw.api_port, "GET", "/v2").status == 200, 10,
                   message="the edited config to be served")
        self.assertIn("changed; reloading", gw.stderr())
        self.assertEqual(kept.request("GET", "/v2").body, b"two")

        # An invalid edit is reported and the running config stays.
        mark = len(gw.stderr())
        gw.write_config(config(INVALID_ROUTES, watch="true"))
        gw.wait_for_stderr("the running config stays", start=mark)
        self.assertIn(f"{gw.config_path}:15:9: error:", gw.stderr()[mark:])
        self.assertEqual(kept.request("GET", "/v2").body, b"two")

        # Editors often save by writing a new file and renaming it over the old one.
        v3 = V2_ROUTES + '      "GET /v3":\n        integration: {type: mock, body: three}\n'
        tmp = gw.config_path.with_suffix(".tmp")
        tmp.write_text(gw.render(config(v3, watch="true")))
        os.replace(tmp, gw.config_path)
        wait_until(lambda: request(gw.api_port, "GET", "/v3").body == b"three", 10,
                   message="the renamed-over config to be served")
        gw.stop()


if __name__ == "__main__":
    unittest.main()
