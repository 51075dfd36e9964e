"""Process lifecycle: graceful drain on SIGTERM/SIGINT, the drain deadline, and config reloads
(SIGHUP and file edits), valid and invalid.

A request is held "in flight" without any integration: the client sends headers with
`Expect: 100-continue`, waits for the gateway's `100 Continue` (proof the gateway is reading
the body), and sends the body only when the test says so. The http_proxy variant of the
drain test lives in test_http_proxy.py; a proxied request held by a slow upstream across a
reload is here."""

import json
import os
import re
import signal
import time
import unittest

from harness import EchoUpstream, Gateway, RawClient, port_is_closed, request, wait_until

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


# A route to a slow upstream (EchoUpstream holds /hold/... until released) and a mock route.
PROXY = """\
version: 1
server:
  listeners:
    - {host: 127.0.0.1, port: 3000, serves: apis}
    - {host: 127.0.0.1, port: 4566, serves: services}
  watchConfig: false
apis:
  - id: life
    protocol: HTTP
    routes:
%s      "GET /v":
        integration: {type: mock, body: %s}
"""

SLOW_ROUTE = """\
      "GET /slow/{proxy+}":
        integration:
          type: http_proxy
          uri: http://127.0.0.1:8080/hold/{proxy}
          timeoutInMillis: 20000
"""

LOGGING = """\
version: 1
server:
  listeners:
    - {host: 127.0.0.1, port: 3000, serves: apis}
    - {host: 127.0.0.1, port: 4566, serves: services}
  watchConfig: %(watch)s
logging:
  level: %(level)s
  format: %(format)s
  accessLog: {destination: "off"}
apis:
  - id: life
    protocol: HTTP
    routes:
      "GET /v":
        integration: {type: mock, body: %(body)s}
"""

# spdlog's text pattern: "2026-01-02T03:04:05.678Z info  message".
TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (\w+) +(.*)$")


def logging_config(level: str, fmt: str, body: str, watch: str = "false") -> str:
    return LOGGING % {"level": level, "format": fmt, "body": body, "watch": watch}


def json_lines(text: str) -> list[dict]:
    """Every non-empty line of `text` as a JSON gateway-log entry (fails on a text line)."""
    entries = [json.loads(line) for line in text.splitlines() if line.strip()]
    for e in entries:
        assert set(e) == {"time", "level", "message"}, e
    return entries


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

    def test_a_failed_reload_reports_structural_and_plugin_errors(self):
        gw = self.start(config())
        # server.limits.drainTimeoutMilis (line 7) is the loader's; type mokc the plugins'.
        bad = config(V2_ROUTES.replace("type: mock, body: two", "type: mokc"))
        gw.write_config(bad.replace("drainTimeoutMillis", "drainTimeoutMilis"))
        mark = len(gw.stderr())
        gw.send_signal(signal.SIGHUP)
        gw.wait_for_stderr("the running config stays", start=mark)
        err = gw.stderr()[mark:]
        path = re.escape(str(gw.config_path))
        self.assertRegex(err, rf"{path}:7:5: error: server\.limits\.drainTimeoutMilis: unknown key "
                              r"'drainTimeoutMilis'; did you mean 'drainTimeoutMillis'\?\n"
                              rf"{path}:17:29: error: apis\[0\]\.routes\[\"GET /v2\"\]\."
                              r"integration\.type: unknown integration type 'mokc'; did you mean "
                              r"'mock'\?\n")
        self.assertEqual(request(gw.api_port, "GET", "/v1").body, b"one")
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

    def test_a_request_in_flight_survives_a_reload(self):
        upstream = EchoUpstream().start()
        self.addCleanup(upstream.stop)
        gw = Gateway(PROXY % (SLOW_ROUTE, "one"), fixed_ports={8080: upstream.port})
        self.addCleanup(gw.close)
        gw.start()
        self.assertEqual(request(gw.api_port, "GET", "/v").body, b"one")
        slow = RawClient(gw.api_port, timeout=20)
        self.addCleanup(slow.close)
        slow.send(b"GET /slow/in-flight HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(upstream.held.wait(10), "the request never reached the upstream")

        # The new config drops the slow route and changes the other one.
        gw.write_config(PROXY % ("", "two"))
        mark = len(gw.stderr())
        gw.send_signal(signal.SIGHUP)
        gw.wait_for_stderr(r"reloaded .*gatehouse\.yaml: 1 API\(s\)", start=mark)
        self.assertEqual(request(gw.api_port, "GET", "/v").body, b"two")
        self.assertEqual(request(gw.api_port, "GET", "/slow/other").status, 404)

        # The request that started before the reload finishes on the config it started with.
        upstream.release()
        r = slow.read_response()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["path"], "/hold/in-flight")
        self.assertEqual(len(upstream.requests), 1)
        # Its keep-alive connection goes on, on the new config.
        self.assertEqual(slow.request("GET", "/v").body, b"two")
        self.assertEqual(slow.request("GET", "/slow/again").status, 404)
        gw.stop()

    def test_reload_applies_log_level_and_format(self):
        gw = self.start(logging_config("info", "text", "one"))
        started = [TEXT_LINE.match(l) for l in gw.stderr().splitlines()]
        self.assertTrue(started and all(started), gw.stderr())
        self.assertTrue(any(m.group(1) == "info" and " serving " in m.group(2) for m in started))

        # info/text -> warn/json.
        gw.write_config(logging_config("warn", "json", "two"))
        gw.send_signal(signal.SIGHUP)
        wait_until(lambda: request(gw.api_port, "GET", "/v").body == b"two", 10,
                   message="the reloaded config to be served")
        # The reload is done (the control thread reloads one at a time): what is logged from
        # now on is JSON, and info lines are gone.
        mark = len(gw.stderr())
        gw.write_config(config(INVALID_ROUTES))
        gw.send_signal(signal.SIGHUP)
        gw.wait_for_stderr("the running config stays", start=mark)
        entries = json_lines(gw.stderr()[mark:])
        self.assertEqual([e["level"] for e in entries], ["error"], entries)
        self.assertRegex(entries[0]["message"], r"(?s)^reload of .*gatehouse\.yaml failed; the "
                                                r"running config stays:\n.*unknown key 'integraton'")

        # warn/json -> info/text: the "received SIGHUP" line (info, under warn) is not logged,
        # the "reloaded" line after it is, as text.
        gw.write_config(logging_config("info", "text", "three"))
        mark = len(gw.stderr())
        gw.send_signal(signal.SIGHUP)
        gw.wait_for_stderr("reloaded ", start=mark)
        lines = gw.stderr()[mark:].splitlines()
        self.assertEqual(len(lines), 1, lines)
        m = TEXT_LINE.match(lines[0])
        self.assertTrue(m, lines)
        self.assertEqual(m.group(1), "info")
        self.assertRegex(m.group(2), r"^reloaded .*gatehouse\.yaml: 1 API\(s\)$")
        self.assertEqual(request(gw.api_port, "GET", "/v").body, b"three")
        gw.stop()

    def test_editing_the_file_applies_log_level_and_format(self):
        gw = self.start(logging_config("info", "text", "one", watch="true"))
        gw.write_config(logging_config("error", "json", "two", watch="true"))
        wait_until(lambda: request(gw.api_port, "GET", "/v").body == b"two", 10,
                   message="the edited config to be served")
        mark = len(gw.stderr())
        # A listener change is a warning: not logged at level error.
        gw.write_config(logging_config("error", "json", "three", watch="true")
                        .replace("port: 3000", "port: 3001"))
        wait_until(lambda: request(gw.api_port, "GET", "/v").body == b"three", 10,
                   message="the second edit to be served")
        gw.write_config("version: 1\napis: [{id: BAD}]\n")
        gw.wait_for_stderr("the running config stays", start=mark)
        entries = json_lines(gw.stderr()[mark:])
        self.assertEqual([e["level"] for e in entries], ["error"], entries)
        self.assertIn("apis[0].id: API ids are lower-case", entries[0]["message"])
        gw.stop()

    def test_log_flags_win_over_a_reloaded_config(self):
        # --log-level fixes the level; the format still follows the config.
        gw = Gateway(logging_config("info", "text", "one"), args=["--log-level", "warn"],
                     expect_ready_line=False)
        self.addCleanup(gw.close)
        gw.start()
        self.assertEqual(gw.stderr(), "")  # nothing at warn or above yet
        gw.write_config(logging_config("debug", "json", "two"))
        gw.send_signal(signal.SIGHUP)
        wait_until(lambda: request(gw.api_port, "GET", "/v").body == b"two", 10,
                   message="the reloaded config to be served")
        mark = len(gw.stderr())
        gw.write_config(logging_config("debug", "json", "three").replace("port: 3000",
                                                                         "port: 3001"))
        gw.send_signal(signal.SIGHUP)
        gw.wait_for_stderr("take effect after a restart", start=mark)
        wait_until(lambda: request(gw.api_port, "GET", "/v").body == b"three", 10,
                   message="the second reload to be served")
        self.assertEqual(gw.stop(), 0)
        entries = json_lines(gw.stderr())
        self.assertEqual([(e["level"], e["message"]) for e in entries],
                         [("warning", "listener or thread changes take effect after a restart")])


if __name__ == "__main__":
    unittest.main()
