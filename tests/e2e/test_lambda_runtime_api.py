"""Runtime API conformance, end to end with real processes.

Every Lambda instance talks to its own Runtime API endpoint, which must answer exactly as AWS's
Runtime Interface Emulator (RIE) does, out-of-order calls included (docs/aws-notes-lambda.md
§1, and §2 for what the invoker then gets). The functions here run the probe runtime of
tests/fixtures/lambda/conformance/ (a custom runtime in Python, standard library only): the
event names a script of Runtime API calls, and the runtime reports every status, header and
body it got back, in its /response payload or, when the invocation is already answered or the
process is about to die, in a `conformance-report <id> <JSON>` line of the gateway's log.
Invocations go through the Lambda Invoke API on the services listener.

The second part runs AWS's own Node.js runtime interface client (npm `aws-lambda-ric`,
tests/fixtures/lambda/conformance/ric-node/) unmodified against the gateway.
scripts/install-test-deps.sh installs it: `npm ci` builds a native addon from the curl and
aws-lambda-cpp sources it bundles (cmake, make, g++, autoconf, automake, libtool).

Run: GATEHOUSE_BIN=build/release/gatehouse python3 tests/e2e/test_lambda_runtime_api.py -v
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import re
import sys
import time
import unittest
import urllib.parse
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Gateway, Response, UUID_RE, request, wait_until  # noqa: E402
from lambda_support import (FIXTURES, function_processes, function_yaml,  # noqa: E402
                            lambda_lines, listeners_yaml)

CONFORMANCE_DIR = FIXTURES / "conformance"
RIC_NODE_DIR = CONFORMANCE_DIR / "ric-node"

REGION = "eu-central-1"
ACCOUNT = "123456789012"
TIMEOUT_S = 7  # not the default 3, so a hard-coded deadline shows

# What the runtime sees for the gateway's credentials (set in the gateway's environment).
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIACONFORMANCE0001",
               "AWS_SECRET_ACCESS_KEY": "conformance/secret/key",
               "AWS_SESSION_TOKEN": "conformance-session-token"}

MAX_PAYLOAD = 6291556  # RIE interop.MaxPayloadSize

# ------------------------------------------------------------------ RIE's exact answers (§1.2)

ACCEPTED = b'{"status":"OK"}\n'


def rie_error(message: str, error_type: str) -> bytes:
    """RIE's rendering.RenderJSON of model.ErrorResponse: errorMessage first, then a newline."""
    return (json.dumps({"errorMessage": message, "errorType": error_type},
                       separators=(",", ":")) + "\n").encode()


INVALID_REQUEST_ID = rie_error("Invalid request ID", "InvalidRequestID")


def transition(src: str, dst: str) -> bytes:
    return rie_error(f"State transition from {src} to {dst} failed for runtime. "
                     "Error: State transition is not allowed", "InvalidStateTransition")


TOO_LARGE = rie_error("Exceeded maximum allowed payload size (6291556 bytes).",
                      "RequestEntityTooLarge")

# What the invoker gets (§2); note the key orders.
RESPONSE_TOO_LARGE = (b'{"errorMessage":"Response payload size exceeded maximum allowed payload '
                      b'size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}')


def exit_error(request_id: str, text: str) -> bytes:
    return json.dumps({"errorType": "Runtime.ExitError",
                       "errorMessage": f"RequestId: {request_id} Error: {text}"},
                      separators=(",", ":")).encode()


# go-chi's defaults for paths no route matches: net/http's NotFound, and an empty 405.
CHI_NOT_FOUND = b"404 page not found\n"

INIT_ERROR_BODY = (b'{"errorMessage": "init failed on purpose", "errorType": "ConformanceInitError", '
                   b'"stackTrace": ["bootstrap line 1"]}')

TRACE_RE = re.compile(r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=[01]"
                      r"(;Lineage=[0-9a-f:]+)?$")

# ----------------------------------------------------------------------------------- helpers


def fn_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def invoke(gw: Gateway, name: str, event, *, headers: Optional[dict[str, str]] = None,
           qualifier: Optional[str] = None, timeout: float = 40.0) -> Response:
    """Invoke API, RequestResponse. `event` is sent as is when it is bytes."""
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    path = f"/2015-03-31/functions/{urllib.parse.quote(name, safe='')}/invocations"
    if qualifier:
        path += "?Qualifier=" + urllib.parse.quote(qualifier, safe="")
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    return request(gw.services_port, "POST", path, body=body, headers=h, timeout=timeout)


def hdr(record: dict, name: str) -> Optional[str]:
    for k, v in record.get("headers", []):
        if k.lower() == name.lower():
            return v
    return None


def hdr_all(record: dict, name: str) -> list[str]:
    return [v for k, v in record.get("headers", []) if k.lower() == name.lower()]


def runtime_headers(record: dict) -> dict[str, str]:
    return {k.lower(): v for k, v in record.get("headers", [])
            if k.lower().startswith("lambda-runtime-")}


def wait_report(gw: Gateway, tag: str, timeout: float = 20.0) -> dict:
    """The JSON of the runtime's `conformance-report <tag> ...` log line (waits for it)."""
    prefix = f"conformance-report {tag} "

    def find():
        for line in lambda_lines(gw):
            if line.text.startswith(prefix):
                return json.loads(line.text[len(prefix):])
        return None
    return wait_until(find, timeout, message=f"the runtime's report {tag}")  # type: ignore


class ConformanceCase(unittest.TestCase):
    """One gateway for the class; each test drives its own function or script."""

    gw: Gateway
    FUNCTIONS: str = ""

    @classmethod
    def setUpClass(cls) -> None:
        config = (listeners_yaml()
                  + f'aws: {{region: {REGION}, accountId: "{ACCOUNT}"}}\n'
                  + "apis: []\n"
                  + "functions:\n" + cls.FUNCTIONS)
        env = dict(CREDENTIALS)
        cls.gw = Gateway(config, env=env)
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()

    def assertRie(self, record: dict, status: int, body: bytes, what: str = "") -> None:
        """One Runtime API answer as RIE renders it: the status, exactly one Content-Type,
        application/json, and the exact body (which ends with a newline)."""
        label = f"{what or record.get('call')}: {record}"
        self.assertNotIn("exception", record, label)
        self.assertEqual(record["status"], status, label)
        self.assertEqual(hdr_all(record, "Content-Type"), ["application/json"], label)
        self.assertEqual(record["body"].encode(), body, label)
        self.assertTrue(record["body"].endswith("\n"), label)

    def assertFunctionError(self, r: Response, body: bytes) -> None:
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r.headers)
        self.assertEqual(r.body, body)

    def assertSuccess(self, r: Response) -> None:
        self.assertEqual(r.status, 200, r.text)
        self.assertFalse(r.has_header("X-Amz-Function-Error"), (r.headers, r.text))


# ================================================================= Task 1: the Runtime API


class NextEventTest(ConformanceCase):
    """/invocation/next: headers (rendering.go renderInvokeHeaders) and the re-send while
    Running."""

    FUNCTIONS = function_yaml("probe", "provided", CONFORMANCE_DIR, "conformance.handler",
                              timeout=TIMEOUT_S, reservedConcurrency=1, watch=False)

    def test_next_headers_and_resend_while_running(self):
        event = b'{"script": "next-headers",  "nested": {"list": [1, 2.50, "\\u00e9"]}}'
        t0 = int(time.time() * 1000)
        r = invoke(self.gw, "probe", event)
        t1 = int(time.time() * 1000)
        self.assertSuccess(r)
        report = r.json()
        first, again = report["first"], report["again"]
        request_id = r.header("x-amzn-RequestId")

        with self.subTest("status, content type and body"):
            self.assertEqual(first["status"], 200, first)
            self.assertEqual(hdr_all(first, "Content-Type"), ["application/json"])
            self.assertEqual(first["body"].encode(), event)  # the payload, byte for byte
        with self.subTest("Lambda-Runtime-Aws-Request-Id"):
            rid = hdr(first, "Lambda-Runtime-Aws-Request-Id")
            self.assertRegex(rid or "", UUID_RE)
            self.assertEqual(rid, request_id)
        with self.subTest("Lambda-Runtime-Deadline-Ms = invoke start + timeout"):
            deadline = int(hdr(first, "Lambda-Runtime-Deadline-Ms") or "0")
            self.assertGreaterEqual(deadline, t0 + TIMEOUT_S * 1000 - 5, (t0, deadline))
            self.assertLessEqual(deadline, t1 + TIMEOUT_S * 1000 + 5, (t1, deadline))
            left = deadline - first["receivedAtMs"]
            self.assertTrue(TIMEOUT_S * 1000 - 2000 < left <= TIMEOUT_S * 1000 + 5, left)
        with self.subTest("Lambda-Runtime-Invoked-Function-Arn"):
            self.assertEqual(hdr(first, "Lambda-Runtime-Invoked-Function-Arn"), fn_arn("probe"))
        with self.subTest("Lambda-Runtime-Trace-Id"):
            self.assertRegex(hdr(first, "Lambda-Runtime-Trace-Id") or "", TRACE_RE)
        with self.subTest("no Client-Context / Cognito-Identity when empty"):
            self.assertIsNone(hdr(first, "Lambda-Runtime-Client-Context"), first["headers"])
            self.assertIsNone(hdr(first, "Lambda-Runtime-Cognito-Identity"), first["headers"])

        # RIE: /next in Running returns nil and InvokeRenderer renders the same invoke again.
        with self.subTest("/next while Running re-sends the same event"):
            self.assertEqual(again["status"], 200, again)
            self.assertEqual(again["body"], first["body"])
            self.assertEqual(hdr_all(again, "Content-Type"), ["application/json"])
        with self.subTest("... with the same Lambda-Runtime-* headers (deadline included)"):
            self.assertGreaterEqual(again["receivedAtMs"], first["receivedAtMs"] + 5)
            self.assertEqual(runtime_headers(again), runtime_headers(first))

    def test_client_context_and_trace_header(self):
        context = {"client": {"app_title": "conformance", "installation_id": "i-1"},
                   "custom": {"colour": "blue", "n": 1}, "env": {"locale": "en_GB"}}
        context_text = json.dumps(context, separators=(",", ":"))
        root = "Root=1-5759e988-bd862e3fe1be46a994272793"
        r = invoke(self.gw, "probe", {"script": "next-headers"}, headers={
            "X-Amz-Client-Context": base64.b64encode(context_text.encode()).decode(),
            "X-Amzn-Trace-Id": f"{root};Parent=53995c3f42cd8ad8;Sampled=1"})
        self.assertSuccess(r)
        first = r.json()["first"]
        with self.subTest("Lambda-Runtime-Client-Context is the decoded JSON text"):
            self.assertEqual(hdr(first, "Lambda-Runtime-Client-Context"), context_text)
        with self.subTest("still no Cognito-Identity"):
            self.assertIsNone(hdr(first, "Lambda-Runtime-Cognito-Identity"))
        with self.subTest("the caller's trace root is kept"):
            trace = hdr(first, "Lambda-Runtime-Trace-Id") or ""
            self.assertTrue(trace.startswith(root + ";"), trace)

    def test_invoked_function_arn_follows_the_caller(self):
        # The ARN the caller used: a qualifier (an explicit $LATEST too) is appended.
        cases = [("probe", None, fn_arn("probe")),
                 (fn_arn("probe"), None, fn_arn("probe")),
                 ("probe", "$LATEST", fn_arn("probe") + ":$LATEST"),
                 ("probe:$LATEST", None, fn_arn("probe") + ":$LATEST")]
        for name, qualifier, expected in cases:
            with self.subTest(name=name, qualifier=qualifier):
                r = invoke(self.gw, name, {"script": "next-headers"}, qualifier=qualifier)
                self.assertSuccess(r)
                self.assertEqual(
                    hdr(r.json()["first"], "Lambda-Runtime-Invoked-Function-Arn"), expected)


class StateMachineTest(ConformanceCase):
    """Out-of-order calls for an invocation in flight or answered (§1.1, §1.2)."""

    FUNCTIONS = function_yaml("states", "provided", CONFORMANCE_DIR, "conformance.handler",
                              timeout=TIMEOUT_S, reservedConcurrency=1, watch=False)

    def test_calls_while_running(self):
        r = invoke(self.gw, "states", {"script": "running-calls"})
        self.assertSuccess(r)
        wrong_response, wrong_error, init_error = r.json()["calls"]
        self.assertRie(wrong_response, 400, INVALID_REQUEST_ID, "/response, unknown id")
        self.assertRie(wrong_error, 400, INVALID_REQUEST_ID, "/error, unknown id")
        self.assertRie(init_error, 403, transition("Running", "InitError"), "/init/error")

    def test_response_twice_then_error_and_init_error(self):
        payload = '{"answer": "first",  "spacing": "kept"}'
        r = invoke(self.gw, "states", {"script": "double-response", "payload": payload})
        self.assertSuccess(r)
        self.assertEqual(r.body, payload.encode())  # the first answer, unchanged
        first, second, error, init_error = wait_report(self.gw, r.header("x-amzn-RequestId"))[
            "calls"]
        self.assertRie(first, 202, ACCEPTED, "first /response")
        self.assertRie(second, 403, transition("RuntimeResponseSentState", "InvocationResponse"),
                       "second /response")
        self.assertRie(error, 403,
                       transition("RuntimeResponseSentState", "InvocationErrorResponse"),
                       "/error after /response")
        self.assertRie(init_error, 403, transition("RuntimeResponseSentState", "InitError"),
                       "/init/error after /response")

    def test_error_then_response_and_error(self):
        # Not canonical JSON on purpose: the invoker must get these bytes unchanged.
        error_body = ('{"errorType": "ConformanceError", "errorMessage": "custom <failure> & co",'
                      '  "stackTrace": ["frame 1", "frame 2"]}')
        r = invoke(self.gw, "states", {"script": "error", "errorBody": error_body,
                                       "errorType": "Function.ConformanceFailure"})
        self.assertFunctionError(r, error_body.encode())
        posted, response, error = wait_report(self.gw, r.header("x-amzn-RequestId"))["calls"]
        self.assertRie(posted, 202, ACCEPTED, "/error")
        self.assertRie(response, 403,
                       transition("RuntimeResponseSentState", "InvocationResponse"),
                       "/response after /error")
        self.assertRie(error, 403,
                       transition("RuntimeResponseSentState", "InvocationErrorResponse"),
                       "/error after /error")

    def test_unknown_paths_and_methods(self):
        r = invoke(self.gw, "states", {"script": "unknown-paths"})
        self.assertSuccess(r)
        unknown, bogus_verb, outside, get_response, post_next = r.json()["calls"]
        def label(record):
            return re.sub(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", "<id>", record["call"])

        for record in (unknown, bogus_verb, outside):
            with self.subTest(label(record)):
                self.assertNotIn("exception", record)
                self.assertEqual(record["status"], 404, record)
                # chi's NotFound is net/http's http.NotFound.
                self.assertEqual(record["body"].encode(), CHI_NOT_FOUND, record)
                self.assertEqual(hdr(record, "Content-Type"), "text/plain; charset=utf-8")
        for record in (get_response, post_next):
            with self.subTest(label(record)):
                self.assertNotIn("exception", record)
                # A route that exists for another method: chi answers 405, empty body.
                self.assertEqual(record["status"], 405, record)
                self.assertEqual(record["body"], "", record)

    def test_answered_id_is_stale_once_runtime_is_ready_again(self):
        # After /response, the runtime's next /next ends the invocation (§1.1): from then on
        # its id is no longer current (400), and /init/error is refused from Ready.
        r = invoke(self.gw, "states", {"script": "ready-probes"})
        self.assertSuccess(r)
        self.assertEqual(r.json(), {"answered": True})
        report = wait_report(self.gw, r.header("x-amzn-RequestId"))
        stale, init_error = report["calls"]
        self.assertRie(stale, 400, INVALID_REQUEST_ID,
                       "/response with the answered id after the next /next")
        self.assertRie(init_error, 403, transition("Ready", "InitError"), "/init/error in Ready")
        # The instance is still usable.
        self.assertEqual(invoke(self.gw, "states", {"script": "echo", "n": 1}).json(),
                         {"echo": {"script": "echo", "n": 1}})

    def test_output_after_response_belongs_to_the_invocation(self):
        # The invocation ends at the runtime's next /next, not at /response (§1.1): what it
        # prints in between is part of it, before END.
        r = invoke(self.gw, "states", {"script": "print-after-response"})
        self.assertSuccess(r)
        rid = r.header("x-amzn-RequestId")
        marker = f"conformance: printed after /response {rid}"
        line = wait_until(lambda: next((l for l in lambda_lines(self.gw, "states")
                                        if l.text == marker), None),
                          20, message="the line printed after /response")
        end = wait_until(lambda: next((l for l in lambda_lines(self.gw, "states")
                                       if l.text == f"END RequestId: {rid}"), None),
                         20, message="the END line")
        self.assertEqual(line.request_id, rid, line)
        self.assertLess(line.offset, end.offset, "printed after /response, logged after END")


class PayloadLimitTest(ConformanceCase):
    """6291556 bytes (6 MiB + 100) is the largest /response (RIE interop.MaxPayloadSize)."""

    FUNCTIONS = function_yaml("limits", "provided", CONFORMANCE_DIR, "conformance.handler",
                              timeout=TIMEOUT_S, reservedConcurrency=1, watch=False)

    def test_response_over_limit(self):
        # The runtime posts as curl does (aws-lambda-cpp uses libcurl): it reads an answer
        # that comes before the whole body was sent.
        r = invoke(self.gw, "limits", {"script": "too-large"})
        rid = r.header("x-amzn-RequestId")
        too_large, after = wait_report(self.gw, rid)["calls"]
        self.assertRie(too_large, 413, TOO_LARGE, "/response of 6291557 bytes")
        self.assertRie(after, 403, transition("RuntimeResponseSentState", "InvocationResponse"),
                       "/response after the 413")
        self.assertFunctionError(r, RESPONSE_TOO_LARGE)

    def test_response_over_limit_client_that_sends_everything_first(self):
        # RIE reads the whole body (SendResponse: io.ReadAll) before it answers 413, so a client
        # that writes the entire body before reading (Python's http.client) gets the 413 too.
        r = invoke(self.gw, "limits", {"script": "too-large", "client": "plain"})
        rid = r.header("x-amzn-RequestId")
        too_large, after = wait_report(self.gw, rid)["calls"]
        self.assertRie(too_large, 413, TOO_LARGE, "/response of 6291557 bytes (http.client)")
        self.assertFunctionError(r, RESPONSE_TOO_LARGE)

    def test_response_at_limit(self):
        r = invoke(self.gw, "limits", {"script": "max-size"})
        self.assertSuccess(r)
        (posted,) = wait_report(self.gw, r.header("x-amzn-RequestId"))["calls"]
        self.assertRie(posted, 202, ACCEPTED, "/response of exactly 6291556 bytes")
        self.assertEqual(len(r.body), MAX_PAYLOAD)
        self.assertEqual(hashlib.sha256(r.body).hexdigest(), posted["sentSha256"])

    def test_oversized_body_to_unknown_id(self):
        # The id check runs before anything reads the body (router.go: "request validation must
        # happen before state transition"): 400, and the invocation in flight is untouched.
        r = invoke(self.gw, "limits", {"script": "too-large-wrong-id"})
        rid = r.header("x-amzn-RequestId")
        (wrong,) = wait_report(self.gw, rid)["calls"]
        with self.subTest("400 InvalidRequestID"):
            self.assertRie(wrong, 400, INVALID_REQUEST_ID, "6291557 bytes to an unknown id")
        with self.subTest("the invocation still gets the runtime's own answer"):
            self.assertSuccess(r)
            self.assertIn(b'"calls"', r.body)


class InitErrorTest(ConformanceCase):
    """/init/error before the first /next (§1.1 Started -> InitError; §2 what the invoker
    gets)."""

    FUNCTIONS = (
        function_yaml("initfail", "provided", CONFORMANCE_DIR, "conformance.handler",
                      timeout=TIMEOUT_S, reservedConcurrency=1, watch=False,
                      environment={"CONFORMANCE_INIT": "init-error"})
        + function_yaml("initcalls", "provided", CONFORMANCE_DIR, "conformance.handler",
                        timeout=TIMEOUT_S, reservedConcurrency=1, watch=False,
                        environment={"CONFORMANCE_INIT": "init-error-calls"}))

    def test_init_error_reaches_the_invoker(self):
        # RIE caches the /init/error body and sends it as the invocation's answer
        # (rapidcore/server.go); AWS: 200 + Unhandled + the posted body.
        r = invoke(self.gw, "initfail", {"script": "echo"})
        self.assertFunctionError(r, INIT_ERROR_BODY)

    def test_nothing_is_allowed_after_init_error(self):
        # InitError allows no transition at all (states.go RuntimeInitErrorState).
        r = invoke(self.gw, "initcalls", {"script": "echo"})
        first, second, next_call = wait_report(self.gw, "init")["calls"]
        with self.subTest("/init/error"):
            self.assertRie(first, 202, ACCEPTED, "/init/error")
        with self.subTest("/init/error again"):
            self.assertRie(second, 403, transition("InitError", "InitError"), "/init/error again")
        with self.subTest("/next after /init/error"):
            self.assertRie(next_call, 403, transition("InitError", "Ready"),
                           "/next after /init/error")
        with self.subTest("the invoker gets the posted init error"):
            self.assertFunctionError(r, INIT_ERROR_BODY)


class RuntimeExitTest(ConformanceCase):
    """A runtime that dies mid-invocation (§2: Runtime.ExitError and Go's wording)."""

    FUNCTIONS = function_yaml("crashes", "provided", CONFORMANCE_DIR, "conformance.handler",
                              timeout=TIMEOUT_S, reservedConcurrency=1, watch=False)

    def test_exits_and_signals(self):
        cases = [({"script": "exit", "code": 0}, "Runtime exited without providing a reason"),
                 ({"script": "exit", "code": 42}, "Runtime exited with error: exit status 42"),
                 ({"script": "signal", "signal": "SIGSEGV"},
                  "Runtime exited with error: signal: segmentation fault"),
                 ({"script": "signal", "signal": "SIGABRT"},
                  "Runtime exited with error: signal: aborted")]
        for event, text in cases:
            with self.subTest(event=event):
                r = invoke(self.gw, "crashes", event)
                rid = r.header("x-amzn-RequestId") or ""
                self.assertFunctionError(r, exit_error(rid, text))
                # The process that died was running this very invocation.
                said = [l for l in lambda_lines(self.gw, "crashes", rid)
                        if l.text.startswith("conformance: ")]
                self.assertTrue(said, f"no line of the runtime tagged {rid}")
        # A fresh instance takes the next invocation.
        self.assertEqual(invoke(self.gw, "crashes", {"script": "echo"}).json(),
                         {"echo": {"script": "echo"}})


class EnvironmentTest(ConformanceCase):
    """What a custom runtime's process sees (README "Functions"; AWS's reserved variables)."""

    FUNCTIONS = (
        function_yaml("envprobe", "provided", CONFORMANCE_DIR, "conformance.handler",
                      memorySize=256, timeout=TIMEOUT_S, watch=False,
                      environment={"CONFORMANCE_GREETING": "hello world", "LANG": "C.UTF-8"})
        + "  envcmd: {runtime: command, codeUri: " + json.dumps(str(CONFORMANCE_DIR))
        + ', command: ["python3", "bootstrap", "--via-command"], handler: cmd.entry,'
        + " watch: false}\n")

    def check_common(self, name: str, data: dict, handler: str, memory: str) -> None:
        env = data["env"]
        root = os.path.realpath(CONFORMANCE_DIR)
        expected = {
            "_HANDLER": handler,
            "LAMBDA_TASK_ROOT": root,
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": memory,
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "TZ": ":UTC",
            **CREDENTIALS,
        }
        for key, value in expected.items():
            with self.subTest(variable=key):
                self.assertEqual(env.get(key), value)
        with self.subTest(variable="AWS_LAMBDA_RUNTIME_API"):
            self.assertRegex(env.get("AWS_LAMBDA_RUNTIME_API", ""), r"^127\.0\.0\.1:\d{1,5}$")
        with self.subTest(variable="AWS_LAMBDA_LOG_STREAM_NAME"):
            stream = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
            m = re.fullmatch(r"(\d{4}/\d{2}/\d{2})/\[\$LATEST\][0-9a-f]{32}", stream)
            self.assertIsNotNone(m, stream)
            self.assertIn(m.group(1), self.dates, stream)
        with self.subTest("no AWS_EXECUTION_ENV for an OS-only runtime"):
            self.assertNotIn("AWS_EXECUTION_ENV", env)
        with self.subTest("own process group, cwd = LAMBDA_TASK_ROOT"):
            self.assertEqual(data["pgid"], data["pid"])
            self.assertEqual(os.path.realpath(data["cwd"]), root)
        with self.subTest("a child of the gateway"):
            self.assertIn(data["pid"], function_processes(self.gw, name))

    def setUp(self) -> None:
        now = datetime.datetime.now(datetime.timezone.utc)
        self.dates = {(now + datetime.timedelta(minutes=d)).strftime("%Y/%m/%d")
                      for d in (-1, 0, 1)}

    def test_provided_runtime_environment(self):
        r = invoke(self.gw, "envprobe", {"script": "env"})
        self.assertSuccess(r)
        data = r.json()
        self.check_common("envprobe", data, "conformance.handler", "256")
        with self.subTest("the function's environment, an unreserved default overridden"):
            self.assertEqual(data["env"].get("CONFORMANCE_GREETING"), "hello world")
            self.assertEqual(data["env"].get("LANG"), "C.UTF-8")
        with self.subTest("argv: the bootstrap alone"):
            self.assertEqual(data["argv"], [str(Path(os.path.realpath(CONFORMANCE_DIR)) / "bootstrap")])

    def test_command_runtime_environment(self):
        r = invoke(self.gw, "envcmd", {"script": "env"})
        self.assertSuccess(r)
        data = r.json()
        self.check_common("envcmd", data, "cmd.entry", "128")
        with self.subTest("argv as configured"):
            self.assertEqual(data["argv"], ["bootstrap", "--via-command"])
        with self.subTest("LANG default"):
            self.assertEqual(data["env"].get("LANG"), "en_US.UTF-8")


# ========================================================= AWS's runtime interface client

RIC_LOCK = RIC_NODE_DIR / "package-lock.json"
RIC_MODULE = RIC_NODE_DIR / "node_modules" / "aws-lambda-ric"
RIC_STAMP = RIC_NODE_DIR / "node_modules" / ".gatehouse-package-lock.sha256"


def _ric_ready() -> bool:
    """scripts/install-test-deps.sh (run by `make test`) installed this very lock file."""
    want = hashlib.sha256(RIC_LOCK.read_bytes()).hexdigest()
    return ((RIC_MODULE / "dist" / "rapid-client.node").is_file()
            and RIC_STAMP.is_file() and RIC_STAMP.read_text().strip() == want)


def ric_function(name: str, handler: str, **settings) -> str:
    """A function run by aws-lambda-ric, as its README says: the client with the handler."""
    command = ["node_modules/.bin/aws-lambda-ric", handler]
    parts = [f"runtime: command", f"codeUri: {json.dumps(str(RIC_NODE_DIR))}",
             f"command: {json.dumps(command)}", f"handler: {handler}", "watch: false"]
    parts += [f"{k}: {json.dumps(v)}" for k, v in settings.items()]
    return f"  {name}: {{{', '.join(parts)}}}\n"


class AwsRuntimeInterfaceClientTest(ConformanceCase):
    """AWS's Node.js runtime interface client (npm aws-lambda-ric 3.3.0: aws-lambda-cpp over
    libcurl for /next, /response and /error; Node's http for /init/error), unmodified."""

    FUNCTIONS = (ric_function("ricecho", "index.handler", timeout=TIMEOUT_S)
                 + ric_function("riccontext", "index.context", timeout=TIMEOUT_S, memorySize=192)
                 + ric_function("ricfails", "index.fails", timeout=TIMEOUT_S)
                 + ric_function("ricmissing", "missing.handler", timeout=TIMEOUT_S))

    @classmethod
    def setUpClass(cls) -> None:
        if not _ric_ready():
            raise AssertionError(f"aws-lambda-ric is not installed in {RIC_NODE_DIR}: run "
                                 "scripts/install-test-deps.sh (make test does)")
        super().setUpClass()

    def test_invocations(self):
        for n, event in enumerate([{"hello": "ric", "list": [1, 2.5, None]}, {"n": 2}, "text"]):
            with self.subTest(invocation=n):
                r = invoke(self.gw, "ricecho", event)
                self.assertSuccess(r)
                self.assertEqual(r.json(), {"echo": event})
        self.assertEqual(len(function_processes(self.gw, "ricecho")), 1,
                         "one warm instance served all three")

    def test_context(self):
        context = {"client": {"installation_id": "i-1", "app_title": "conformance"},
                   "custom": {"colour": "blue"}, "env": {"locale": "en_GB"}}
        root = "Root=1-5759e988-bd862e3fe1be46a994272793"
        r = invoke(self.gw, "riccontext", {}, headers={
            "X-Amz-Client-Context": base64.b64encode(json.dumps(context).encode()).decode(),
            "X-Amzn-Trace-Id": f"{root};Parent=53995c3f42cd8ad8;Sampled=1"})
        self.assertSuccess(r)
        got = r.json()
        with self.subTest("request id, ARN, name, version, memory, log names"):
            self.assertEqual(got["awsRequestId"], r.header("x-amzn-RequestId"))
            self.assertEqual(got["invokedFunctionArn"], fn_arn("riccontext"))
            self.assertEqual(got["functionName"], "riccontext")
            self.assertEqual(got["functionVersion"], "$LATEST")
            self.assertEqual(str(got["memoryLimitInMB"]), "192")
            self.assertEqual(got["logGroupName"], "/aws/lambda/riccontext")
            self.assertRegex(got["logStreamName"], r"^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$")
        with self.subTest("remaining time from Lambda-Runtime-Deadline-Ms"):
            self.assertTrue(TIMEOUT_S * 1000 - 2000 < got["remainingTimeInMillis"]
                            <= TIMEOUT_S * 1000, got["remainingTimeInMillis"])
        with self.subTest("client context, identity"):
            self.assertEqual(got["clientContext"], context)
            self.assertIsNone(got["identity"])  # no Lambda-Runtime-Cognito-Identity
        with self.subTest("_X_AMZN_TRACE_ID from Lambda-Runtime-Trace-Id"):
            self.assertTrue((got["traceId"] or "").startswith(root + ";"), got["traceId"])

    def test_thrown_error(self):
        r = invoke(self.gw, "ricfails", {"x": 1})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled")
        body = r.json()
        self.assertEqual(body["errorType"], "ConformanceError", body)
        self.assertEqual(body["errorMessage"], "ric boom", body)
        self.assertIsInstance(body.get("trace"), list, body)
        self.assertTrue(body["trace"][0].startswith("ConformanceError: ric boom"), body)
        # The instance survives a handler error and serves the next invocation.
        again = invoke(self.gw, "ricfails", {"x": 2})
        self.assertEqual(again.header("X-Amz-Function-Error"), "Unhandled")

    def test_init_error(self):
        # The client posts /init/error (Runtime.ImportModuleError) and exits with 129.
        r = invoke(self.gw, "ricmissing", {})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled")
        body = r.json()
        self.assertEqual(body["errorType"], "Runtime.ImportModuleError", body)
        self.assertIn("missing", body["errorMessage"], body)


if __name__ == "__main__":
    unittest.main()
