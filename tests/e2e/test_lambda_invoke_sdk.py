"""The Lambda Invoke API (POST /2015-03-31/functions/{name}/invocations on the services
listener), driven by the real AWS SDKs: boto3 and the AWS SDK for JavaScript v3.

Every test runs twice, once per SDK (Boto3InvokeTest, JsSdkInvokeTest), each class against its
own gateway whose functions are the fixtures of tests/fixtures/lambda (plus one small "gate"
handler written here, see GATE_JS). What is checked is what the SDK hands to its caller:
StatusCode, FunctionError, ExecutedVersion, LogResult, Payload, and for errors the exception
the SDK raises (its name, HTTP status, message and modelled fields such as Type and Reason),
all as real AWS answers (docs/aws-notes-lambda.md §2, §3, §5).

Both SDKs run in child processes that speak the same small JSON protocol:
  * JavaScript: `node tests/e2e/sdk-js/invoke.mjs <endpoint> <json>` (sdk-js/package.json and
    its lock file pin @aws-sdk/client-lambda);
  * boto3: this file run as `python3 test_lambda_invoke_sdk.py --boto3-driver <endpoint> <json>`
    (boto3_driver() below). The driver's interpreter is the one running the tests if it can
    import boto3, else /usr/bin/python3, where Debian's python3-boto3 lives; the variable
    GATEHOUSE_BOTO3_PYTHON overrides the choice. So the tests themselves stay standard-library
    only and pass whichever Python ctest found (a pyenv or venv Python without boto3 included).
The children get dummy credentials, region us-east-1, no retries (a 429 must reach the test
as the gateway answered it), no AWS_* settings or proxy variables from the caller's
environment, and a deadline on every call. `scripts/install-test-deps.sh` installs both SDKs.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import uuid
from pathlib import Path
from typing import Optional

SDK_JS_DIR = Path(__file__).resolve().parent / "sdk-js"
REGION = "us-east-1"
ACCOUNT = "123456789012"
CALL_TIMEOUT_MS = 20000        # each SDK call (connect + answer)
PROCESS_TIMEOUT = 30           # an SDK child process's start-up, plus CALL_TIMEOUT per call


def arn(name: str, qualifier: Optional[str] = None) -> str:
    text = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    return f"{text}:{qualifier}" if qualifier else text


# ------------------------------------------------------------------------------- boto3 driver


def boto3_driver(endpoint: str, spec: dict) -> int:
    """The boto3 side of the protocol (the JS side is sdk-js/invoke.mjs): runs spec["calls"]
    one after the other and prints one JSON array of results on stdout."""
    try:
        import boto3
        import botocore.config
        import botocore.exceptions
    except ImportError as exc:
        print(f"{sys.executable} cannot import boto3 ({exc}): run scripts/install-test-deps.sh "
              "or set GATEHOUSE_BOTO3_PYTHON to a Python that has it", file=sys.stderr)
        return 3
    timeout = spec.get("timeoutMs", CALL_TIMEOUT_MS) / 1000.0
    client = boto3.client(
        "lambda", endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(connect_timeout=5, read_timeout=timeout,
                                      retries={"total_max_attempts": 1}))
    results = []
    for call in spec["calls"]:
        params = dict(call)
        if "Payload" in params:
            params["Payload"] = params["Payload"].encode()
        try:
            out = client.invoke(**params)
        except botocore.exceptions.ClientError as exc:
            r = exc.response
            results.append({
                "ok": False,
                "name": type(exc).__name__,  # the modelled class, e.g. ResourceNotFoundException
                "code": r["Error"].get("Code"),
                "message": r["Error"].get("Message"),
                "httpStatus": r["ResponseMetadata"].get("HTTPStatusCode"),
                "requestId": r["ResponseMetadata"].get("RequestId"),
                "Type": r.get("Type"),
                "Reason": r.get("Reason"),
            })
            continue
        results.append({
            "ok": True,
            "httpStatus": out["ResponseMetadata"].get("HTTPStatusCode"),
            "requestId": out["ResponseMetadata"].get("RequestId"),
            "StatusCode": out.get("StatusCode"),
            "FunctionError": out.get("FunctionError"),
            "LogResult": out.get("LogResult"),
            "ExecutedVersion": out.get("ExecutedVersion"),
            "Payload": out["Payload"].read().decode("utf-8") if "Payload" in out else "",
        })
    print(json.dumps(results))
    return 0


if __name__ == "__main__" and sys.argv[1:2] == ["--boto3-driver"]:
    sys.exit(boto3_driver(sys.argv[2], json.loads(sys.argv[3])))

# ------------------------------------------------------------------------------------- tests

from harness import UUID_RE, Gateway  # noqa: E402  (the boto3 driver needs neither module)
from lambda_support import (NODE_DIR, PYTHON_DIR, REPORT_RE, function_yaml,  # noqa: E402
                            invocations, lambda_lines, listeners_yaml, report_of,
                            wait_for_lambda_line)


def boto3_python() -> str:
    chosen = os.environ.get("GATEHOUSE_BOTO3_PYTHON")
    if chosen:
        return chosen
    if importlib.util.find_spec("boto3") is not None:
        return sys.executable
    return "/usr/bin/python3"  # Debian's python3-boto3 (scripts/install-test-deps.sh)


def sdk_environment() -> dict[str, str]:
    """The caller's environment without AWS settings (profiles, endpoints, credentials) and
    proxies, which would send loopback requests elsewhere."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k.lower() not in
           ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    env.update({
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true", "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost", "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


# A handler that runs until the test lets it finish: it waits for the file event.release to
# exist (or for its own timeout to come close). Used to hold the only instance of a function
# busy for exactly as long as the throttling test needs, with no timing guess.
GATE_JS = """\
'use strict';
const fs = require('fs');
exports.handler = async (event, context) => {
  console.log(`gate: waiting for ${event.release}`);
  while (!fs.existsSync(event.release)) {
    if (context.getRemainingTimeInMillis() < 1000) return 'never released';
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return 'released';
};
"""


def config_text(gate_dir: Path) -> str:
    return (listeners_yaml()
            + f'aws: {{region: {REGION}, accountId: "{ACCOUNT}"}}\n'
            # An API is required; the functions here are reached through the Invoke API only.
            + "apis:\n"
            + "  - id: unused\n"
            + "    routes:\n"
            + "      \"GET /\": {integration: {type: mock, body: unused}}\n"
            + "functions:\n"
            + function_yaml("node-echo", "nodejs", NODE_DIR, "index.echo")
            + function_yaml("py-echo", "python", PYTHON_DIR, "app.echo")
            + function_yaml("node-throws", "nodejs", NODE_DIR, "index.throws")
            + function_yaml("py-throws", "python", PYTHON_DIR, "app.throws")
            + function_yaml("node-prints", "nodejs", NODE_DIR, "index.prints")
            + function_yaml("py-prints", "python", PYTHON_DIR, "app.prints")
            + function_yaml("node-dryrun", "nodejs", NODE_DIR, "index.prints")
            + function_yaml("node-context", "nodejs", NODE_DIR, "index.context")
            + function_yaml("py-context", "python", PYTHON_DIR, "app.context")
            + function_yaml("node-timeout", "nodejs", NODE_DIR, "index.sleep", timeout=1)
            + function_yaml("node-gate", "nodejs", gate_dir, "index.handler", timeout=60,
                            reservedConcurrency=1, maxQueueLength=0))


class _InvokeSdkTests:
    """The tests; the subclasses below choose the SDK."""

    SDK = ""  # "boto3" | "js"

    @classmethod
    def setUpClass(cls):
        if cls.SDK == "js":
            node = shutil.which("node")
            if not node or not (SDK_JS_DIR / "node_modules" / "@aws-sdk" / "client-lambda").is_dir():
                raise AssertionError("the AWS SDK for JavaScript is not installed "
                                     f"(node: {node}, {SDK_JS_DIR}/node_modules): "
                                     "run scripts/install-test-deps.sh")
            cls.command = [node, str(SDK_JS_DIR / "invoke.mjs")]
        else:
            cls.command = [boto3_python(), str(Path(__file__).resolve()), "--boto3-driver"]
        cls.tmp = Path(tempfile.mkdtemp(prefix="gatehouse-invoke-sdk-"))
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        gate = cls.tmp / "gate"
        gate.mkdir()
        (gate / "index.js").write_text(GATE_JS)
        (gate / "package.json").write_text('{"type": "commonjs"}\n')
        cls.gw = Gateway(config_text(gate))
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()
        cls.endpoint = f"http://127.0.0.1:{cls.gw.services_port}"

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()  # exit status 0: no crash along the way

    # -- the SDK child process ------------------------------------------------------------------

    def _argv(self, calls: list[dict]) -> list[str]:
        return [*self.command, self.endpoint,
                json.dumps({"calls": calls, "timeoutMs": CALL_TIMEOUT_MS})]

    def _results(self, rc: int, out: str, err: str, count: int) -> list[dict]:
        self.assertEqual(rc, 0, f"{self.SDK} driver failed (exit {rc}):\n{err}\n{out}")
        self.assertTrue(out.strip(), f"{self.SDK} driver printed nothing:\n{err}")
        results = json.loads(out.strip().splitlines()[-1])
        self.assertEqual(len(results), count, out)
        return results

    def invoke_all(self, *calls: dict) -> list[dict]:
        """Runs the Invoke calls (SDK parameters) in one SDK process, in order."""
        p = subprocess.run(self._argv(list(calls)), capture_output=True, text=True,
                           timeout=PROCESS_TIMEOUT + len(calls) * CALL_TIMEOUT_MS / 1000,
                           env=sdk_environment(),
                           stdin=subprocess.DEVNULL)
        return self._results(p.returncode, p.stdout, p.stderr, len(calls))

    def invoke(self, **call) -> dict:
        return self.invoke_all(call)[0]

    def start_invoke(self, **call) -> subprocess.Popen:
        """One Invoke in a background SDK process; finish_invoke() collects its result."""
        proc = subprocess.Popen(self._argv([call]), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=sdk_environment(),
                                stdin=subprocess.DEVNULL)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait(10)))
        return proc

    def finish_invoke(self, proc: subprocess.Popen) -> dict:
        out, err = proc.communicate(timeout=PROCESS_TIMEOUT + CALL_TIMEOUT_MS / 1000)
        return self._results(proc.returncode, out, err, 1)[0]

    # -- assertions -----------------------------------------------------------------------------

    def assertSucceeded(self, r: dict, status: int = 200) -> None:
        """A function that answered normally: no FunctionError, $LATEST ran."""
        self.assertTrue(r["ok"], r)
        self.assertEqual((r["httpStatus"], r["StatusCode"]), (status, status), r)
        self.assertIsNone(r["FunctionError"], r)
        self.assertRegex(r["requestId"] or "", UUID_RE)
        if status == 200:
            self.assertEqual(r["ExecutedVersion"], "$LATEST", r)

    def assertFunctionError(self, r: dict) -> dict:
        """Lambda's answer for a function that failed: 200, FunctionError Unhandled, the error
        object as the payload (returned parsed)."""
        self.assertTrue(r["ok"], r)
        self.assertEqual((r["httpStatus"], r["StatusCode"]), (200, 200), r)
        self.assertEqual(r["FunctionError"], "Unhandled", r)
        self.assertEqual(r["ExecutedVersion"], "$LATEST", r)
        self.assertRegex(r["requestId"] or "", UUID_RE)
        return json.loads(r["Payload"])

    def assertServiceError(self, r: dict, name: str, status: int, message: str,
                           **fields) -> None:
        """The SDK raised the modelled exception `name` with AWS's status, message and fields."""
        self.assertFalse(r["ok"], r)
        self.assertEqual(r["name"], name, r)
        if "code" in r:  # boto3: ClientError.response["Error"]["Code"]
            self.assertEqual(r["code"], name, r)
        self.assertEqual(r["httpStatus"], status, r)
        self.assertEqual(r["message"], message, r)
        self.assertRegex(r["requestId"] or "", UUID_RE)
        for key, value in fields.items():
            self.assertEqual(r[key], value, f"{key} in {r}")

    @staticmethod
    def proxy_body(r: dict):
        """The echo/context fixtures answer proxy JSON: the value is JSON text in "body"."""
        return json.loads(json.loads(r["Payload"])["body"])

    # -- 1. RequestResponse ---------------------------------------------------------------------

    def test_request_response_node_and_python(self):
        event = {"greeting": "hallo wörld ✓", "n": [1, 2.5, None], "nested": {"ok": True}}
        node, py = self.invoke_all(
            {"FunctionName": "node-echo", "Payload": json.dumps(event)},
            {"FunctionName": "py-echo", "Payload": json.dumps(event),
             "InvocationType": "RequestResponse"})
        for runtime, r in (("node", node), ("python", py)):
            with self.subTest(runtime=runtime):
                self.assertSucceeded(r)
                self.assertIsNone(r["LogResult"], "no LogResult unless LogType is Tail")
                answer = json.loads(r["Payload"])
                self.assertEqual(answer["statusCode"], 200)
                self.assertEqual(json.loads(answer["body"]), event)
        self.assertNotEqual(node["requestId"], py["requestId"])

    # -- 2. a handler that throws ---------------------------------------------------------------

    def test_throwing_handler_is_an_unhandled_function_error(self):
        node, py = self.invoke_all({"FunctionName": "node-throws", "Payload": "{}"},
                                   {"FunctionName": "py-throws", "Payload": "{}"})
        with self.subTest(runtime="node"):
            error = self.assertFunctionError(node)
            self.assertEqual(list(error)[:2], ["errorType", "errorMessage"], error)
            self.assertEqual((error["errorType"], error["errorMessage"]), ("Error", "boom"))
            self.assertIsInstance(error["trace"], list)
            self.assertTrue(error["trace"] and error["trace"][0].startswith("Error: boom"), error)
        with self.subTest(runtime="python"):
            error = self.assertFunctionError(py)
            self.assertEqual(list(error)[:2], ["errorMessage", "errorType"], error)
            self.assertEqual((error["errorType"], error["errorMessage"]), ("Exception", "boom"))
            self.assertEqual(error["requestId"], py["requestId"])
            self.assertIsInstance(error["stackTrace"], list)

    # -- 3. LogType Tail ------------------------------------------------------------------------

    def test_log_tail(self):
        marker = uuid.uuid4().hex
        node, py = self.invoke_all(
            {"FunctionName": "node-prints", "Payload": json.dumps({"marker": marker}),
             "LogType": "Tail"},
            {"FunctionName": "py-prints", "Payload": json.dumps({"marker": marker}),
             "LogType": "Tail"})
        for runtime, r, app_line in (
                ("node", node, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t{id}\tINFO\t"
                               r"prints: marker={marker}$"),
                ("python", py, r"^prints: marker={marker}$")):
            with self.subTest(runtime=runtime):
                self.assertSucceeded(r)
                self.assertEqual(json.loads(r["Payload"]), "ok")
                rid = r["requestId"]
                self.assertIsNotNone(r["LogResult"], r)
                log = base64.b64decode(r["LogResult"], validate=True).decode("utf-8")
                self.assertLessEqual(len(log.encode()), 4096)
                self.assertTrue(log.endswith("\n"), repr(log))
                lines = log[:-1].split("\n")
                start = lines.index(f"START RequestId: {rid} Version: $LATEST")
                rx = re.compile(app_line.replace("{id}", re.escape(rid))
                                .replace("{marker}", marker))
                printed = [i for i, line in enumerate(lines) if rx.match(line)]
                self.assertEqual(len(printed), 1, lines)
                end = lines.index(f"END RequestId: {rid}")
                report = REPORT_RE.match(lines[-1])
                self.assertIsNotNone(report, lines[-1])
                self.assertEqual(report["id"], rid)
                self.assertLess(start, printed[0])
                self.assertLess(printed[0], end)
                self.assertEqual(end, len(lines) - 2, lines)

    # -- 4. Event and DryRun --------------------------------------------------------------------

    def test_event_invocation_is_accepted_and_runs(self):
        marker = uuid.uuid4().hex
        r = self.invoke(FunctionName="node-prints", InvocationType="Event",
                        Payload=json.dumps({"marker": marker}))
        self.assertSucceeded(r, status=202)
        self.assertEqual(r["Payload"], "")
        self.assertIsNone(r["ExecutedVersion"], "AWS sends no X-Amz-Executed-Version for Event")
        self.assertIsNone(r["LogResult"])
        # The function runs in the background, under the request id Invoke returned.
        line = wait_for_lambda_line(self.gw, "node-prints", rf"\tINFO\tprints: marker={marker}$")
        self.assertEqual(line.request_id, r["requestId"])
        report_of(self.gw, "node-prints", r["requestId"])

    def test_dry_run_answers_204_and_does_not_run_the_function(self):
        dry, real = self.invoke_all(
            {"FunctionName": "node-dryrun", "InvocationType": "DryRun",
             "Payload": json.dumps({"marker": "dry-run"})},
            {"FunctionName": "node-dryrun", "Payload": json.dumps({"marker": "real"})})
        self.assertSucceeded(dry, status=204)
        self.assertEqual(dry["Payload"], "")
        self.assertIsNone(dry["ExecutedVersion"])
        self.assertSucceeded(real)
        # The real invoke was sent after the DryRun was answered: had the DryRun run the
        # function, its START would be in the log before the real one's.
        report_of(self.gw, "node-dryrun", real["requestId"])
        self.assertEqual(invocations(self.gw, "node-dryrun"), [real["requestId"]])
        self.assertNotIn("marker=dry-run", self.gw.stderr())

    # -- 5. unknown function --------------------------------------------------------------------

    def test_unknown_function_is_resource_not_found(self):
        by_name, by_arn, by_version = self.invoke_all(
            {"FunctionName": "no-such-function", "Payload": "{}"},
            {"FunctionName": arn("no-such-function")},
            {"FunctionName": "node-echo", "Qualifier": "7"})
        for case, r, shown in (("name", by_name, arn("no-such-function")),
                               ("arn", by_arn, arn("no-such-function")),
                               ("unknown version", by_version, arn("node-echo", "7"))):
            with self.subTest(case=case):
                self.assertServiceError(r, "ResourceNotFoundException", 404,
                                        f"Function not found: {shown}", Type="User")

    # -- 6. full ARN, partial ARN, name:qualifier -----------------------------------------------

    def test_function_by_arn_and_by_qualifier(self):
        cases = [
            ("full ARN", {"FunctionName": arn("node-context")}),
            ("full ARN:$LATEST", {"FunctionName": arn("node-context", "$LATEST")}),
            ("partial ARN", {"FunctionName": f"{ACCOUNT}:function:node-context"}),
            ("name:$LATEST", {"FunctionName": "node-context:$LATEST"}),
            ("Qualifier $LATEST", {"FunctionName": "node-context", "Qualifier": "$LATEST"}),
        ]
        results = self.invoke_all(*[dict(call, Payload="{}") for _, call in cases])
        for (case, _), r in zip(cases, results):
            with self.subTest(case=case):
                self.assertSucceeded(r)
                context = self.proxy_body(r)
                self.assertEqual(context["functionName"], "node-context")
                self.assertEqual(context["functionVersion"], "$LATEST")
                self.assertEqual(context["awsRequestId"], r["requestId"])
        self.assertEqual(self.proxy_body(results[0])["invokedFunctionArn"], arn("node-context"))

    def test_qualified_invoke_passes_the_qualified_arn_to_the_function(self):
        # context.invokedFunctionArn is the ARN the caller used, qualifier included, also for
        # an explicit $LATEST (docs/aws-notes-lambda.md §6).
        by_name, by_param = self.invoke_all(
            {"FunctionName": "node-context:$LATEST", "Payload": "{}"},
            {"FunctionName": "node-context", "Qualifier": "$LATEST", "Payload": "{}"})
        for case, r in (("name:$LATEST", by_name), ("Qualifier", by_param)):
            with self.subTest(case=case):
                self.assertSucceeded(r)
                self.assertEqual(self.proxy_body(r)["invokedFunctionArn"],
                                 arn("node-context", "$LATEST"))

    # -- 7. timeout -----------------------------------------------------------------------------

    def test_timed_out_function(self):
        r = self.invoke(FunctionName="node-timeout", Payload=json.dumps({"ms": 10000}))
        error = self.assertFunctionError(r)
        rid = r["requestId"]
        self.assertEqual(error, {"errorType": "Sandbox.Timedout",
                                 "errorMessage": f"RequestId: {rid} Error: Task timed out "
                                                 "after 1.00 seconds"})
        self.assertEqual(r["Payload"], json.dumps(error, separators=(",", ":")),
                         "AWS's exact bytes (errorType first, no spaces)")

    # -- 8. throttling --------------------------------------------------------------------------

    def test_throttled_invoke_is_too_many_requests(self):
        release = self.tmp / f"release-{self.SDK}-{uuid.uuid4().hex}"
        first = self.start_invoke(FunctionName="node-gate",
                                  Payload=json.dumps({"release": str(release)}))
        try:
            # The only instance (reservedConcurrency 1) is now busy and nothing may queue
            # (maxQueueLength 0): the second invoke is throttled.
            line = wait_for_lambda_line(self.gw, "node-gate",
                                        rf"gate: waiting for {re.escape(str(release))}$",
                                        timeout=30)
            second = self.invoke(FunctionName="node-gate", Payload="{}")
            self.assertServiceError(second, "TooManyRequestsException", 429, "Rate Exceeded.",
                                    Type="User",
                                    Reason="ReservedFunctionConcurrentInvocationLimitExceeded")
        finally:
            release.touch()
        r = self.finish_invoke(first)
        self.assertSucceeded(r)
        self.assertEqual(json.loads(r["Payload"]), "released")
        self.assertEqual(line.request_id, r["requestId"])
        # The throttled request never reached the function.
        self.assertNotIn(second["requestId"], {l.request_id for l in lambda_lines(self.gw)})

    # -- 9. ClientContext -----------------------------------------------------------------------

    def test_client_context_reaches_the_handler(self):
        client_context = {"client": {"installation_id": "inst-1", "app_title": "gatehouse",
                                     "app_version_name": "1.0", "app_version_code": "1",
                                     "app_package_name": "dev.gatehouse"},
                          "custom": {"tenant": "t-42", "emoji": "✓"},
                          "env": {"locale": "de_DE", "platform": "linux"}}
        encoded = base64.b64encode(json.dumps(client_context).encode()).decode()
        node, py, without = self.invoke_all(
            {"FunctionName": "node-context", "ClientContext": encoded, "Payload": "{}"},
            {"FunctionName": "py-context", "ClientContext": encoded, "Payload": "{}"},
            {"FunctionName": "node-context", "Payload": "{}"})
        for r in (node, py, without):
            self.assertSucceeded(r)
        self.assertEqual(self.proxy_body(node)["clientContext"], client_context)
        self.assertEqual(self.proxy_body(py)["client_context"],
                         {"custom": client_context["custom"], "env": client_context["env"]})
        self.assertIsNone(self.proxy_body(without)["clientContext"])


class Boto3InvokeTest(_InvokeSdkTests, unittest.TestCase):
    SDK = "boto3"


class JsSdkInvokeTest(_InvokeSdkTests, unittest.TestCase):
    SDK = "js"


if __name__ == "__main__":
    unittest.main()
