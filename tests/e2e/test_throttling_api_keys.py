"""Throttling, API keys and usage plans, end to end (config/README.md "Throttling" and "API keys
and usage plans"; aws-behaviour.md §3.3 and §5).

Token buckets are checked for exactness: a bucket with rate R and burst B, driven well above R
from several keep-alive connections for a known time, accepts B + R x elapsed requests (within
the tolerance justified in `assertBucketCount`). Wherever a count must be exact and time must not
matter, the config uses rateLimit 0 (a bucket that is never refilled: `burst` requests, then
none), so no test sleeps for time.

Usage plans: per-route and plan throttles per API key, the quota with its offset, quota counters
surviving a restart through `usage.stateFile`, and the three ways to read usage -- `gatehouse
usage`, the services listener's GET /usageplans/{id}/usage, and boto3's apigateway get_usage
pointed at it. `gatehouse validate` reports every misconfiguration with file:line:col."""

from __future__ import annotations

import bisect
import datetime
import http.client
import json
import shutil
import signal
import socket
import tempfile
import threading
import time
import unittest
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from harness import (SHORT_ID_RE, UUID_RE, Gateway, GatewayTestCase, Response, request,
                     run_cli, wait_until)

TOO_MANY = b'{"message":"Too Many Requests"}'
FORBIDDEN = b'{"message":"Forbidden"}'
LIMIT_EXCEEDED = b'{"message":"Limit Exceeded"}'

LISTENERS = """\
version: 1
server:
  watchConfig: false
  listeners:
    - {host: 127.0.0.1, port: 3000, serves: apis}
    - {host: 127.0.0.1, port: 4566, serves: services}
"""

MOCK_OK = "{type: mock, body: ok}"


# ------------------------------------------------------------------------------- the drivers


@dataclass
class Sample:
    sent: float       # time.monotonic() just before the request was written
    received: float   # ... just after its response was read
    status: int
    body: bytes
    headers: list[tuple[str, str]]


@dataclass
class Run:
    samples: list[Sample]

    def count(self, status: int) -> int:
        return sum(1 for s in self.samples if s.status == status)

    @property
    def outer(self) -> float:
        """First request sent to last response received: every request the gateway counted
        arrived within this window."""
        return max(s.received for s in self.samples) - min(s.sent for s in self.samples)

    @property
    def inner(self) -> float:
        """First response received to last request sent: the gateway certainly saw requests at
        (or before) the start and (at or after) the end of this window."""
        return max(s.sent for s in self.samples) - min(s.received for s in self.samples)


def hammer(port: int, path: str, *, threads: int = 4, duration: float = 2.0,
           max_requests: int = 6000, headers: Optional[dict[str, str]] = None,
           source_ip: str = "127.0.0.1") -> Run:
    """Sends GET `path` from `threads` keep-alive connections, back to back, for `duration`
    seconds or `max_requests` requests in all, whichever comes first."""
    lock = threading.Lock()
    samples: list[Sample] = []
    issued = [0]
    errors: list[BaseException] = []
    start = [0.0]

    def started() -> None:
        start[0] = time.monotonic()

    barrier = threading.Barrier(threads, action=started)

    def worker() -> None:
        mine: list[Sample] = []
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                          source_address=(source_ip, 0))
        try:
            conn.connect()  # before the barrier: connection set-up is not part of the run
            barrier.wait()
            while True:
                with lock:
                    if issued[0] >= max_requests:
                        break
                    issued[0] += 1
                t0 = time.monotonic()
                if t0 - start[0] >= duration:
                    break
                conn.request("GET", path, headers=headers or {})
                r = conn.getresponse()
                body = r.read()
                mine.append(Sample(t0, time.monotonic(), r.status, body, r.getheaders()))
        except BaseException as exc:  # reported by the caller
            errors.append(exc)
            barrier.abort()
        finally:
            conn.close()
            with lock:
                samples.extend(mine)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(duration + 30)
    if errors:
        raise AssertionError(f"client error while driving {path}: {errors[0]!r}")
    return Run(samples)


def statuses(port: int, path: str, n: int, headers: Optional[dict[str, str]] = None,
             source_ip: str = "127.0.0.1") -> list[int]:
    """`n` sequential requests on one keep-alive connection; their status codes."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                      source_address=(source_ip, 0))
    out = []
    try:
        for _ in range(n):
            conn.request("GET", path, headers=headers or {})
            r = conn.getresponse()
            r.read()
            out.append(r.status)
    finally:
        conn.close()
    return out


def today_utc() -> str:
    return datetime.datetime.now(datetime.timezone.utc).date().isoformat()


class Checks(GatewayTestCase):
    """The exact error answers of aws-behaviour.md §3.3 (REST) and §3.4 (HTTP APIs)."""

    def assertRestError(self, r, status: int, body: bytes, error_type: str) -> None:
        self.assertEqual(r.status, status, r.text)
        self.assertEqual(r.body, body)
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(r.header("x-amzn-ErrorType"), error_type, r.headers)
        self.assertRegex(r.header("x-amzn-RequestId") or "", UUID_RE, r.headers)
        self.assertRegex(r.header("x-amz-apigw-id") or "", SHORT_ID_RE, r.headers)

    def assertRestThrottled(self, r) -> None:
        self.assertRestError(r, 429, TOO_MANY, "TooManyRequestsException")

    def assertHttpThrottled(self, r) -> None:
        self.assertEqual(r.status, 429, r.text)
        self.assertEqual(r.body, TOO_MANY)
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertFalse(r.has_header("x-amzn-ErrorType"), r.headers)
        self.assertRegex(r.header("apigw-requestid") or "", SHORT_ID_RE, r.headers)

    def assertForbidden(self, r) -> None:
        self.assertRestError(r, 403, FORBIDDEN, "ForbiddenException")

    def assertLimitExceeded(self, r) -> None:
        self.assertRestError(r, 429, LIMIT_EXCEEDED, "LimitExceededException")

    def assertAccepts(self, port: int, path: str, expected: int, extra: int = 3,
                      **kw) -> None:
        """`expected` + `extra` sequential requests: exactly the first `expected` answer 200."""
        got = statuses(port, path, expected + extra, **kw)
        self.assertEqual(got, [200] * expected + [429] * extra, f"GET {path}")


# ----------------------------------------------------------------------------- throttling


EXACT = LISTENERS + """\
apis:
  - id: shop
    protocol: REST
    stages:
      dev:
        routeSettings:
          "GET /fast": {throttlingRateLimit: 50, throttlingBurstLimit: 10}
          "GET /once": {throttlingRateLimit: 0, throttlingBurstLimit: 7}
    routes:
      "GET /fast": {integration: %(ok)s}
      "GET /once": {integration: %(ok)s}
  - id: web
    protocol: HTTP
    basePath: /web
    stages:
      $default:
        routeSettings:
          "GET /fast": {throttlingRateLimit: 40, throttlingBurstLimit: 5}
          "GET /once": {throttlingRateLimit: 0, throttlingBurstLimit: 9}
    routes:
      "GET /fast": {integration: %(ok)s}
      "GET /once": {integration: %(ok)s}
""" % {"ok": MOCK_OK}


class TokenBucketExactnessTest(Checks):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(EXACT)
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()

    def assertBucketCount(self, run: Run, rate: float, burst: int) -> None:
        accepted = run.count(200)
        self.assertEqual(accepted + run.count(429), len(run.samples),
                         sorted({s.status for s in run.samples}))
        # Driven "well above" the rate: at least four times as many requests as it allows.
        self.assertGreater(len(run.samples) / run.outer, 4 * rate,
                           f"only {len(run.samples)} requests in {run.outer:.2f}s")
        # Bounds. The gateway's bucket (GCRA on CLOCK_MONOTONIC) accepts `burst` at once and one
        # more per 1/rate seconds. Every request it saw arrived inside the client's outer window
        # (first send .. last receive), so it cannot have accepted more than
        # burst + rate x outer. It saw requests at both ends of the inner window (first receive
        # .. last send) and, with four connections always busy, its bucket never sat full (that
        # would need an idle gap of burst/rate = 200 ms), so no token went unused: at least
        # burst + rate x inner. The remaining +-2 covers rounding: a token arriving just before
        # the window edge, and the integer part of rate x window.
        upper = burst + rate * run.outer + 2
        lower = burst + rate * run.inner - 2
        self.assertLessEqual(accepted, upper,
                             f"{accepted} accepted in {run.outer:.3f}s (rate {rate}, burst {burst})")
        self.assertGreaterEqual(accepted, lower,
                                f"{accepted} accepted in {run.inner:.3f}s (rate {rate}, burst {burst})")

    def test_rest_rate_and_burst_are_exact(self):
        run = hammer(self.gw.api_port, "/dev/fast", duration=2.0)
        self.assertBucketCount(run, rate=50, burst=10)
        # The first requests of a full bucket pass. A client clock cannot say which request the
        # gateway saw first (a thread can stall between stamping `sent` and writing), but a
        # request answered before fewer than `burst` others were even started was necessarily
        # among the gateway's first `burst`. The earliest answered request always qualifies:
        # every other connection had at most one request started before it was answered.
        sent = sorted(s.sent for s in run.samples)
        certain = [r for r in run.samples if bisect.bisect_left(sent, r.received) - 1 < 10]
        self.assertIn(min(run.samples, key=lambda s: s.received), certain)
        for s in certain:
            self.assertEqual((s.status, s.body), (200, b"ok"))
        # Every refusal is AWS's THROTTLED response.
        for s in run.samples:
            if s.status == 429:
                self.assertRestThrottled(_response(s))
            else:
                self.assertEqual(s.body, b"ok")

    def test_http_api_rate_and_burst_are_exact(self):
        run = hammer(self.gw.api_port, "/web/fast", duration=1.5)
        self.assertBucketCount(run, rate=40, burst=5)
        for s in run.samples:
            if s.status == 429:
                self.assertHttpThrottled(_response(s))

    def test_rate_zero_allows_the_burst_then_nothing(self):
        # Concurrent clients: the bucket is shared by every worker thread, and exactly `burst`
        # requests get through however they interleave.
        for path, burst, check in (("/dev/once", 7, self.assertRestThrottled),
                                   ("/web/once", 9, self.assertHttpThrottled)):
            with self.subTest(path=path):
                run = hammer(self.gw.api_port, path, duration=0.5, max_requests=200)
                self.assertEqual(run.count(200), burst)
                self.assertEqual(run.count(429), len(run.samples) - burst)
                self.assertGreater(run.count(429), 50)
                check(self.gw.get(path))


def _response(s: Sample) -> Response:
    return Response(s.status, "", s.headers, s.body)


PRECEDENCE = LISTENERS + """\
apis:
  - id: shop
    protocol: REST
    stages:
      dev:
        defaultRouteSettings: {throttlingRateLimit: 0, throttlingBurstLimit: 4}
        routeSettings:
          "GET /a": {throttlingRateLimit: 0, throttlingBurstLimit: 2}
      prod:
        defaultRouteSettings: {throttlingRateLimit: 0, throttlingBurstLimit: 6}
      test: {}
    routes:
      "GET /a": {throttling: {rateLimit: 0, burstLimit: 3}, integration: %(ok)s}
      "GET /b": {throttling: {rateLimit: 0, burstLimit: 5}, integration: %(ok)s}
      "GET /c": {integration: %(ok)s}
  - id: web
    protocol: HTTP
    basePath: /web
    stages:
      $default:
        defaultRouteSettings: {throttlingRateLimit: 0, throttlingBurstLimit: 3}
        routeSettings:
          $default: {throttlingRateLimit: 0, throttlingBurstLimit: 1}
    routes:
      "GET /x": {integration: %(ok)s}
      $default: {integration: %(ok)s}
""" % {"ok": MOCK_OK}


class ThrottlePrecedenceTest(Checks):
    def test_route_settings_then_route_throttling_then_stage_default(self):
        gw = self.start_gateway(PRECEDENCE)
        port = gw.api_port
        # Each (stage, route) has its own bucket: exhausting one leaves the next one full, so
        # every count below is that bucket's own burst.
        expected = [
            ("/dev/a", 2),    # stage routeSettings beat the route's throttling (3) and default (4)
            ("/dev/b", 5),    # the route's throttling beats the stage default (4)
            ("/dev/c", 4),    # the stage default
            ("/prod/a", 3),   # another stage: the route's own throttling, a new bucket
            ("/prod/b", 5),
            ("/prod/c", 6),   # prod's default
            ("/test/a", 3),   # no stage settings at all
            ("/test/b", 5),
            ("/web/x", 3),    # HTTP API: defaultRouteSettings
            ("/web/other", 1),  # routeSettings for $default
        ]
        for path, burst in expected:
            with self.subTest(path=path):
                self.assertAccepts(port, path, burst)
        # /test/c has no route limits: only the account's (10,000/s, burst 5,000).
        self.assertEqual(statuses(port, "/test/c", 60), [200] * 60)
        # Exhausted buckets stay exhausted; the answers are AWS's.
        self.assertRestThrottled(gw.get("/dev/a"))
        self.assertRestThrottled(gw.get("/prod/c"))
        self.assertHttpThrottled(gw.get("/web/x"))
        self.assertHttpThrottled(gw.get("/web/other"))

    def test_a_slow_body_is_judged_when_it_has_arrived(self):
        # A bucket judges a request at the time it is checked (after its body), not when its
        # head came: a request whose body took 0.6 s would otherwise be older than the one the
        # bucket accepted meanwhile, and be refused at two requests in all.
        gw = self.start_gateway(LISTENERS + """\
apis:
  - id: web
    protocol: HTTP
    routes:
      "ANY /slow":
        throttling: {rateLimit: 10, burstLimit: 2}
        integration: %(ok)s
""" % {"ok": MOCK_OK})
        slow = socket.create_connection(("127.0.0.1", gw.api_port), timeout=10)
        self.addCleanup(slow.close)
        slow.sendall(b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")
        time.sleep(0.3)
        self.assertEqual(gw.get("/slow").status, 200)   # takes a token 0.3 s in
        time.sleep(0.3)
        slow.sendall(b"hello")
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = slow.recv(4096)
            if not chunk:
                break
            answer += chunk
        self.assertTrue(answer.startswith(b"HTTP/1.1 200 "), answer)

    def test_account_bucket_spans_every_api(self):
        gw = self.start_gateway(LISTENERS + """\
throttling: {rateLimit: 0, burstLimit: 6}
apis:
  - id: one
    protocol: REST
    routes:
      "GET /one": {integration: %(ok)s}
  - id: two
    protocol: HTTP
    basePath: /two
    routes:
      "GET /two": {integration: %(ok)s}
""" % {"ok": MOCK_OK})
        port = gw.api_port
        self.assertEqual(statuses(port, "/dev/one", 4), [200] * 4)
        self.assertEqual(statuses(port, "/two/two", 3), [200, 200, 429])
        self.assertHttpThrottled(gw.get("/two/two"))
        self.assertRestThrottled(gw.get("/dev/one"))
        # The services listener is not an API: its health check is not throttled.
        self.assertEqual(gw.health()["status"], "ok")

    def test_per_client_ip_limits_each_client_address(self):
        gw = self.start_gateway(LISTENERS + """\
throttling:
  perClientIp: {rateLimit: 0, burstLimit: 4}
apis:
  - id: one
    protocol: REST
    routes:
      "GET /one": {integration: %(ok)s}
  - id: two
    protocol: HTTP
    basePath: /two
    routes:
      "GET /two": {integration: %(ok)s}
""" % {"ok": MOCK_OK})
        port = gw.api_port
        # One bucket per client address, across routes and APIs.
        self.assertEqual(statuses(port, "/dev/one", 2), [200, 200])
        self.assertEqual(statuses(port, "/two/two", 3), [200, 200, 429])
        self.assertRestThrottled(gw.get("/dev/one"))
        self.assertHttpThrottled(gw.get("/two/two"))
        # The address is the TCP peer's: a forwarded-for header does not buy a new bucket.
        self.assertRestThrottled(gw.get("/dev/one", headers={"X-Forwarded-For": "203.0.113.9"}))
        # Another loopback address is another client with a full bucket.
        self.assertEqual(statuses(port, "/two/two", 6, source_ip="127.0.0.2"),
                         [200] * 4 + [429] * 2)

    def test_per_client_ip_is_off_by_default(self):
        gw = self.start_gateway(LISTENERS + """\
throttling: {rateLimit: 10000, burstLimit: 5000}
apis:
  - id: one
    protocol: REST
    routes:
      "GET /one": {integration: %(ok)s}
""" % {"ok": MOCK_OK})
        # Far more than any per-client limit one would configure, from a single address.
        run = hammer(gw.api_port, "/dev/one", threads=4, duration=5.0, max_requests=400)
        self.assertEqual(run.count(200), 400)

    def test_reload_keeps_bucket_state(self):
        template = LISTENERS + """\
throttling: {rateLimit: 0, burstLimit: 50}
apiKeys:
  - {id: k1, value: "reload-key-0123456789abcdef"}
usagePlans:
  - id: p
    apiStages: [{apiId: shop, stage: dev}]
    throttle: {rateLimit: 0, burstLimit: 3}
    apiKeys: [k1]
apis:
  - id: shop
    protocol: REST
    stages:
      dev:
        routeSettings: {"GET /r": {throttlingRateLimit: 0, throttlingBurstLimit: 2}}
    routes:
      "GET /r": {integration: %(ok)s}
      "GET /k": {apiKeyRequired: true, integration: %(ok)s}
%(extra)s"""
        key = {"x-api-key": "reload-key-0123456789abcdef"}
        gw = self.start_gateway(template % {"ok": MOCK_OK, "extra": ""})
        port = gw.api_port
        self.assertEqual(statuses(port, "/dev/r", 2), [200, 200])               # route: empty
        self.assertEqual(statuses(port, "/dev/k", 3, headers=key), [200] * 3)   # plan: empty
        # The account bucket (burst 50, never refilled) has 45 tokens left.

        gw.write_config(template % {"ok": MOCK_OK,
                                    "extra": '      "GET /new": {integration: %s}\n' % MOCK_OK})
        mark = len(gw.stderr())
        gw.send_signal(signal.SIGHUP)
        gw.wait_for_stderr(r"reloaded .*gatehouse\.yaml", start=mark)
        # The buckets whose limits did not change kept their state: still empty.
        self.assertRestThrottled(gw.get("/dev/r"))
        self.assertRestThrottled(gw.get("/dev/k", headers=key))
        # The new config is in force, and the account bucket was not refilled: 45 left, less
        # at most the two refused requests above (whether a request refused by one bucket
        # still takes a token from the others is not what this test is about).
        got = statuses(port, "/dev/new", 50)
        accepted = got.count(200)
        self.assertEqual(got, [200] * accepted + [429] * (50 - accepted))
        self.assertIn(accepted, (43, 44, 45))


# ------------------------------------------------------------------------ API keys, plans

IDENTITY_BODY = '{"apiKey":"$context.identity.apiKey","apiKeyId":"$context.identity.apiKeyId"}'

KEYS = LISTENERS + """\
apiKeys:
  - {id: alice, name: Alice, value: "alice-0123456789abcdefghij"}
  - {id: bob, value: "bob-0123456789abcdefghijkl", enabled: false}
  - {id: carol, value: "carol-0123456789abcdefghij"}
  - {id: dave, value: "dave-0123456789abcdefghijk"}
  - {id: tk1, value: "throttle-key-one-0123456789"}
  - {id: tk2, value: "throttle-key-two-0123456789"}
usagePlans:
  - id: gold
    name: Gold
    apiStages: [{apiId: shop, stage: dev}]
    apiKeys: [alice, bob]
  - id: prodonly
    apiStages: [{apiId: shop, stage: prod}]
    apiKeys: [carol]
  - id: throttled
    apiStages:
      - apiId: shop
        stage: dev
        throttle: {"/a/GET": {rateLimit: 0, burstLimit: 2}}
    throttle: {rateLimit: 0, burstLimit: 4}
    apiKeys: [tk1, tk2]
usage: {stateFile: state/usage.json}
apis:
  - id: shop
    protocol: REST
    stages: {dev: {}, prod: {}}
    routes:
      "GET /items": {apiKeyRequired: true, integration: {type: mock, body: '%(identity)s'}}
      "GET /open": {integration: {type: mock, body: '%(identity)s'}}
      "GET /a": {apiKeyRequired: true, integration: %(ok)s}
      "GET /b": {apiKeyRequired: true, integration: %(ok)s}
""" % {"ok": MOCK_OK, "identity": IDENTITY_BODY}

ALICE = "alice-0123456789abcdefghij"


class ApiKeyTest(Checks):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(KEYS)
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()

    def test_invalid_keys_are_forbidden(self):
        cases = {
            "missing": {},
            "empty": {"x-api-key": ""},
            "unknown": {"x-api-key": "nobody-0123456789abcdefghij"},
            "disabled": {"x-api-key": "bob-0123456789abcdefghijkl"},
            "in a plan of another stage": {"x-api-key": "carol-0123456789abcdefghij"},
            "in no plan": {"x-api-key": "dave-0123456789abcdefghijk"},
            "another case": {"x-api-key": ALICE.upper()},
        }
        for name, headers in cases.items():
            with self.subTest(name):
                self.assertForbidden(self.gw.get("/dev/items", headers=headers))

    def test_valid_key_reaches_the_integration_with_its_identity(self):
        r = self.gw.get("/dev/items", headers={"x-api-key": ALICE})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json(), {"apiKey": ALICE, "apiKeyId": "alice"})
        # carol's plan covers prod only.
        r = self.gw.get("/prod/items", headers={"x-api-key": "carol-0123456789abcdefghij"})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["apiKeyId"], "carol")

    def test_header_name_is_case_insensitive(self):
        for name in ("X-API-Key", "X-Api-Key", "X-API-KEY"):
            with self.subTest(name):
                r = self.gw.get("/dev/items", headers={name: ALICE})
                self.assertEqual(r.status, 200, r.text)
                self.assertEqual(r.json()["apiKeyId"], "alice")

    def test_routes_without_api_key_required_ignore_keys(self):
        for headers in ({}, {"x-api-key": "nobody-0123456789abcdefghij"},
                        {"x-api-key": "bob-0123456789abcdefghijkl"}, {"x-api-key": ALICE}):
            with self.subTest(headers=headers):
                r = self.gw.get("/dev/open", headers=headers)
                self.assertEqual(r.status, 200, r.text)
                # "For methods that don't require an API key, this variable is null."
                self.assertEqual(r.json(), {"apiKey": "", "apiKeyId": ""})

    def test_plan_route_throttle_and_plan_throttle(self):
        port = self.gw.api_port
        tk1 = {"x-api-key": "throttle-key-one-0123456789"}
        tk2 = {"x-api-key": "throttle-key-two-0123456789"}
        # GET /a has the plan's per-method limit (written "/a/GET"): burst 2.
        self.assertEqual(statuses(port, "/dev/a", 3, headers=tk1), [200, 200, 429])
        self.assertRestThrottled(self.gw.get("/dev/a", headers=tk1))
        # The plan's own limit, burst 4, is shared by every route of the key: 2 went to /a.
        self.assertEqual(statuses(port, "/dev/b", 3, headers=tk1), [200, 200, 429])
        self.assertRestThrottled(self.gw.get("/dev/b", headers=tk1))
        # Plan limits are per API key: another key of the same plan has full buckets.
        self.assertEqual(statuses(port, "/dev/a", 3, headers=tk2), [200, 200, 429])
        self.assertEqual(statuses(port, "/dev/b", 3, headers=tk2), [200, 200, 429])


QUOTA = LISTENERS + """\
apiKeys:
  - {id: q1, value: "quota-key-one-0123456789"}
  - {id: q2, value: "quota-key-two-0123456789"}
  - {id: q3, value: "quota-key-three-012345678"}
usagePlans:
  - id: daily
    name: Daily
    apiStages: [{apiId: shop, stage: dev}]
    quota: {limit: 5, offset: 2, period: DAY}
    apiKeys: [q1, q2, q3]
usage:
  stateFile: state/usage.json
apis:
  - id: shop
    protocol: REST
    routes:
      "GET /q": {apiKeyRequired: true, integration: %(ok)s}
""" % {"ok": MOCK_OK}

Q1 = {"x-api-key": "quota-key-one-0123456789"}
Q2 = {"x-api-key": "quota-key-two-0123456789"}


class UsagePlanQuotaTest(Checks):
    """limit 5, offset 2: 3 requests per key on its first day. q1 spends its 3 before a restart,
    q2 one before and two after; q3 never calls."""

    @classmethod
    def setUpClass(cls):
        cls.today = today_utc()
        cls.gw = Gateway(QUOTA)
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()
        port = cls.gw.api_port
        cls.before = [request(port, "GET", "/dev/q", headers=Q1) for _ in range(5)]
        cls.q2_before = statuses(port, "/dev/q", 1, headers=Q2)
        cls.state_file = cls.gw.dir / "state" / "usage.json"

        # "Quota counters are written to usage.stateFile within a second" (and the file is
        # replaced atomically, so every read sees a whole document).
        wait_until(lambda: cls.saved_count("q2") == 1, 3.0, message="the usage state file")
        cls.exit_code = cls.gw.stop(expect=None)
        cls.saved_at_exit = json.loads(cls.state_file.read_text())
        cls.gw.start()  # same directory, config and state file
        port = cls.gw.api_port
        cls.after = request(port, "GET", "/dev/q", headers=Q1)
        cls.q2_after = statuses(port, "/dev/q", 3, headers=Q2)

    @classmethod
    def saved_count(cls, key: str) -> Optional[int]:
        """Today's count of `key` in the state file (None while it has none)."""
        if not cls.state_file.exists():
            return None
        doc = json.loads(cls.state_file.read_text())
        return doc.get("plans", {}).get("daily", {}).get(key, {}).get("days", {}).get(cls.today)

    def setUp(self):
        if today_utc() != self.today:
            self.skipTest("the UTC day changed during the test")

    def test_quota_with_offset_then_limit_exceeded(self):
        self.assertEqual([r.status for r in self.before], [200, 200, 200, 429, 429])
        for r in self.before[3:]:
            self.assertLimitExceeded(r)
        self.assertEqual(self.q2_before, [200])

    def test_quota_counters_survive_a_restart(self):
        self.assertEqual(self.exit_code, 0)
        doc = self.saved_at_exit
        self.assertEqual(doc["plans"]["daily"]["q1"]["days"], {self.today: 3})
        self.assertEqual(doc["plans"]["daily"]["q2"]["days"], {self.today: 1})
        self.assertEqual(doc["plans"]["daily"]["q1"]["firstDay"], self.today)
        self.assertLimitExceeded(self.after)
        self.assertEqual(self.q2_after, [200, 200, 429])

    def wait_saved(self) -> None:
        """The CLI reads the state file, which trails the running gateway by up to a second."""
        wait_until(lambda: self.saved_count("q2") == 3, 3.0,
                   message="q2's requests in the state file")

    def test_usage_command(self):
        self.wait_saved()
        out = run_cli("usage", str(self.gw.config_path), "--plan", "daily",
                      "--start", self.today, "--end", self.today)
        self.assertEqual(out.returncode, 0, out.stderr)
        doc = json.loads(out.stdout)
        items = doc.pop("items")
        self.assertEqual(doc, {"usagePlanId": "daily", "startDate": self.today,
                               "endDate": self.today})
        self.assertEqual(items["q1"], [[3, 0]])
        self.assertEqual(items["q2"], [[3, 0]])
        # --key narrows to one key; without dates, the last 7 days up to today.
        out = run_cli("usage", str(self.gw.config_path), "--plan", "daily", "--key", "q1")
        self.assertEqual(out.returncode, 0, out.stderr)
        doc = json.loads(out.stdout)
        self.assertEqual(list(doc["items"]), ["q1"])
        self.assertEqual(doc["endDate"], self.today)
        self.assertEqual(len(doc["items"]["q1"]), 7)
        self.assertEqual(doc["items"]["q1"][-1], [3, 0])
        self.assertEqual([used for used, _ in doc["items"]["q1"][:-1]], [0] * 6)
        # An unknown plan is an error.
        out = run_cli("usage", str(self.gw.config_path), "--plan", "nope")
        self.assertEqual(out.returncode, 1)
        self.assertIn("no usage plan 'nope'", out.stderr)

    def services_get(self, path: str):
        return request(self.gw.services_port, "GET", path)

    def usage_url(self, plan: str = "daily", extra: str = "") -> str:
        return f"/usageplans/{plan}/usage?startDate={self.today}&endDate={self.today}{extra}"

    @staticmethod
    def per_key(doc: dict) -> dict:
        """The per-key map of a GetUsage answer, whichever name it goes by (see
        test_usage_api_wire_format_is_aws_s)."""
        return doc["values"] if "values" in doc else doc["items"]

    def test_usage_api_on_the_services_listener(self):
        r = self.services_get(self.usage_url())
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.header("Content-Type"), "application/json")
        doc = r.json()
        items = self.per_key(doc)
        self.assertEqual(items["q1"], [[3, 0]])
        self.assertEqual(items["q2"], [[3, 0]])
        self.assertEqual({k: v for k, v in doc.items() if k not in ("items", "values")},
                         {"usagePlanId": "daily", "startDate": self.today,
                          "endDate": self.today})
        # The same numbers as the CLI.
        self.wait_saved()
        out = run_cli("usage", str(self.gw.config_path), "--plan", "daily",
                      "--start", self.today, "--end", self.today)
        self.assertEqual(json.loads(out.stdout)["items"], items)
        # keyId narrows to one key.
        r = self.services_get(self.usage_url(extra="&keyId=q2"))
        self.assertEqual(self.per_key(r.json()), {"q2": [[3, 0]]})
        # Errors as API Gateway's control plane answers them.
        r = self.services_get(self.usage_url("nope"))
        self.assertEqual(r.status, 404, r.text)
        self.assertEqual(r.header("x-amzn-ErrorType"), "NotFoundException")
        self.assertEqual(r.json(), {"message": "Invalid Usage Plan ID specified"})
        for query in ("", f"?startDate={self.today}", f"?endDate={self.today}",
                      "?startDate=yesterday&endDate=today"):
            with self.subTest(query=query):
                r = self.services_get(f"/usageplans/daily/usage{query}")
                self.assertEqual(r.status, 400, r.text)
                self.assertEqual(r.header("x-amzn-ErrorType"), "BadRequestException")
                self.assertIn("message", r.json())

    def test_usage_api_wire_format_is_aws_s(self):
        # On the wire AWS's GetUsage answers {"usagePlanId", "startDate", "endDate",
        # ["position",] "values": {...}} -- "items" is only the SDKs' member name for it
        # (botocore's apigateway model: Usage.items has locationName "values").
        doc = self.services_get(self.usage_url()).json()
        self.assertNotIn("items", doc)
        self.assertEqual(doc["values"]["q1"], [[3, 0]])

    def boto3_client(self):
        import boto3
        import botocore.config
        return boto3.client(
            "apigateway", endpoint_url=f"http://127.0.0.1:{self.gw.services_port}",
            region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
            config=botocore.config.Config(retries={"max_attempts": 1}))

    def test_boto3_get_usage(self):
        # botocore reads the per-key map from "values" and returns it as "items".
        client = self.boto3_client()
        got = client.get_usage(usagePlanId="daily", startDate=self.today, endDate=self.today)
        self.assertEqual(got["usagePlanId"], "daily")
        self.assertEqual(got["startDate"], self.today)
        self.assertEqual(got["endDate"], self.today)
        self.assertEqual(got["items"]["q1"], [[3, 0]])
        self.assertEqual(got["items"]["q2"], [[3, 0]])
        got = client.get_usage(usagePlanId="daily", startDate=self.today, endDate=self.today,
                               keyId="q1")
        self.assertEqual(got["items"], {"q1": [[3, 0]]})

    def test_boto3_get_usage_errors(self):
        client = self.boto3_client()
        got = client.get_usage(usagePlanId="daily", startDate=self.today, endDate=self.today)
        self.assertEqual((got["usagePlanId"], got["startDate"], got["endDate"]),
                         ("daily", self.today, self.today))
        with self.assertRaises(client.exceptions.NotFoundException) as caught:
            client.get_usage(usagePlanId="nope", startDate=self.today, endDate=self.today)
        self.assertEqual(caught.exception.response["Error"]["Message"],
                         "Invalid Usage Plan ID specified")
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_unused_key_reports_the_remaining_quota_it_is_allowed(self):
        # A key that has not called yet is still in its first period, where the offset applies:
        # its first request counts against limit - offset = 3. GetUsage's pairs are
        # [used, remaining] (aws-behaviour.md §5.3).
        r = self.services_get(self.usage_url(extra="&keyId=q3"))
        self.assertEqual(self.per_key(r.json()), {"q3": [[0, 3]]})


# --------------------------------------------------------------------------- validation

INVALID = """\
version: 1
apiKeys:
  - {id: k1, value: "alice-key-0123456789abcdef"}
  - {id: short, value: "tooshort"}
usagePlans:
  - id: p1
    apiStages:
      - {apiId: nope, stage: dev}
      - {apiId: shop, stage: prod}
      - {apiId: shop, stage: dev, throttle: {"GET /missing": {rateLimit: 1, burstLimit: 1}}}
    apiKeys: [k1, ghost]
  - id: p2
    apiStages: [{apiId: shop, stage: dev}]
    quota: {limit: 10, period: YEAR}
    apiKeys: [k1]
apis:
  - id: shop
    protocol: REST
    stages:
      dev:
        routeSettings:
          "GET /nothere": {throttlingRateLimit: 1, throttlingBurstLimit: 1}
    routes:
      "GET /items": {apiKeyRequired: true, integration: {type: mock}}
  - id: web
    protocol: HTTP
    routes:
      "GET /x": {apiKeyRequired: true, integration: {type: mock}}
"""


class ValidateTest(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="gatehouse-e2e-"))
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_every_misconfiguration_is_reported_with_its_position(self):
        path = self.tmp / "bad.yaml"
        path.write_text(INVALID)
        out = run_cli("validate", str(path))
        self.assertEqual(out.returncode, 1, out.stderr)
        self.assertEqual(out.stdout, "")
        lines = out.stderr.splitlines()
        p = str(path)
        expected = [
            (4, 24, "apiKeys[1].value", "20 to 128 characters"),
            (8, 17, "usagePlans[0].apiStages[0].apiId", "no API with id 'nope'"),
            (9, 30, "usagePlans[0].apiStages[1].stage", "API 'shop' has no stage 'prod'"),
            (10, 46, 'usagePlans[0].apiStages[2].throttle["GET /missing"]',
             "\"GET /missing\" is not a route of API 'shop'"),
            (11, 14, "usagePlans[0].apiKeys", "no API key with id 'ghost'"),
            (14, 32, "usagePlans[1].quota.period", "period is DAY, WEEK or MONTH, not 'YEAR'"),
            (15, 14, "usagePlans[1].apiKeys",
             "API key 'k1' is already in usage plan 'p1' for shop stage dev"),
            (22, 11, 'apis[0].stages.dev.routeSettings["GET /nothere"]',
             "routeSettings names \"GET /nothere\", not a route of API 'shop'"),
            (28, 34, 'apis[1].routes["GET /x"].apiKeyRequired', "HTTP APIs have no API keys"),
        ]
        for line, col, key_path, message in expected:
            with self.subTest(key_path=key_path):
                prefix = f"{p}:{line}:{col}: error: {key_path}: "
                hits = [l for l in lines if l.startswith(prefix)]
                self.assertEqual(len(hits), 1, f"{prefix!r} in\n{out.stderr}")
                self.assertIn(message, hits[0])
        self.assertEqual(lines[-1], f"{len(expected)} error(s)")
        self.assertEqual(len(lines), len(expected) + 1, out.stderr)

    def test_configs_of_these_tests_are_valid(self):
        for name, text in (("keys", KEYS), ("quota", QUOTA), ("precedence", PRECEDENCE),
                           ("exact", EXACT)):
            with self.subTest(name):
                path = self.tmp / f"{name}.yaml"
                path.write_text(text)
                out = run_cli("validate", str(path))
                self.assertEqual(out.returncode, 0, out.stderr)
                self.assertTrue(out.stdout.startswith(f"{path}: OK"), out.stdout)


if __name__ == "__main__":
    unittest.main()
