"""AWS_IAM routes (SigV4) and API resource policies, end to end, with real signers.

One built gateway (config_text() below: four APIs, six signers) is driven by three real SigV4
implementations, none of them Gatehouse's:
  * botocore (`botocore.auth.SigV4Auth` / `SigV4QueryAuth` for presigned URLs), the signer of
    boto3 and the AWS CLI;
  * the AWS SDK for JavaScript v3's `@smithy/signature-v4` with `@aws-crypto/sha256-js`
    (tests/e2e/sdk-js/sign-request.mjs; package.json and its lock file pin both);
  * curl's `--aws-sigv4`.
Both SDK signers run in child processes, one of each for the whole module, that speak one JSON
protocol (a line with requests to sign in, a line with the signed requests out, each with the
canonical request and string to sign the signer built); the test sends every request itself with
http.client, so it can also tamper with one after signing. botocore runs as
`python3 test_iam_auth.py --botocore-signer` (botocore_signer() below) under an interpreter that
has it: the one running the tests if it can import botocore, else /usr/bin/python3 (Debian's
python3-botocore, via python3-boto3); GATEHOUSE_BOTO3_PYTHON overrides the choice. So this file
stays standard-library only, as the other e2e tests.

Every failure is checked as AWS answers it (aws-behaviour.md §3.3, §4;
config/README.md "IAM authorization (SigV4) and resource policies"): status, exact body and
x-amzn-ErrorType. Tests that fail because Gatehouse differs from AWS are marked
@unittest.expectedFailure with a comment naming the bug.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import importlib.util
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

REGION = "us-east-1"
SERVICE = "execute-api"


# ---------------------------------------------------------------------------- botocore signer


@contextlib.contextmanager
def _frozen_botocore_clock(iso: Optional[str]):
    """botocore's SigV4 clock set to `iso` (UTC, "2026-01-02T03:04:05Z"): older botocore reads
    datetime.datetime.utcnow() in botocore.auth, newer get_current_datetime()."""
    if not iso:
        yield
        return
    from unittest import mock

    import botocore.auth
    when = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")
    if hasattr(botocore.auth, "get_current_datetime"):
        with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
            yield
    else:
        fake = mock.Mock(wraps=datetime)
        fake.datetime = mock.Mock(wraps=datetime.datetime)
        fake.datetime.utcnow.return_value = when
        with mock.patch.object(botocore.auth, "datetime", fake):
            yield


def botocore_sign(specs: list[dict]) -> list[dict]:
    from botocore.auth import SigV4Auth, SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    out = []
    for spec in specs:
        c = spec["credentials"]
        credentials = Credentials(c["accessKeyId"], c["secretAccessKey"], c.get("sessionToken"))
        if spec.get("presign"):
            auth = SigV4QueryAuth(credentials, spec["service"], spec["region"],
                                  expires=spec.get("expires", 3600))
        else:
            auth = SigV4Auth(credentials, spec["service"], spec["region"])
        body = spec.get("body")
        request = AWSRequest(method=spec["method"], url=spec["url"],
                             data=body.encode() if body is not None else None,
                             headers=dict(spec.get("headers") or {}))
        seen: dict = {}
        string_to_sign = auth.string_to_sign

        def capture(req, canonical_request, seen=seen, string_to_sign=string_to_sign):
            seen["canonicalRequest"] = canonical_request
            seen["stringToSign"] = string_to_sign(req, canonical_request)
            return seen["stringToSign"]

        auth.string_to_sign = capture
        with _frozen_botocore_clock(spec.get("signingDate")):
            auth.add_auth(request)
        headers = dict(request.headers.items())
        if not any(k.lower() == "host" for k in headers):
            headers["Host"] = urlsplit(request.url).netloc  # what botocore signed as host
        out.append({"method": spec["method"], "url": request.url, "headers": headers, **seen})
    return out


def botocore_signer() -> int:
    """The botocore side of the signing protocol (the JS side is sdk-js/sign-request.mjs): one
    line of JSON {"requests": [spec, ...]} in, one line of JSON (the signed requests) out, until
    the end of stdin."""
    try:
        import botocore.auth  # noqa: F401
    except ImportError as exc:
        print(f"{sys.executable} cannot import botocore ({exc}): run scripts/install-test-deps.sh "
              "or set GATEHOUSE_BOTO3_PYTHON to a Python that has it", file=sys.stderr)
        return 3
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(botocore_sign(json.loads(line)["requests"])), flush=True)
    return 0


if __name__ == "__main__" and sys.argv[1:2] == ["--botocore-signer"]:
    sys.exit(botocore_signer())

# ------------------------------------------------------------------------------------- tests

from harness import (BIN, UUID_RE, EchoUpstream, Gateway, Response, curl,  # noqa: E402
                     parse_curl_include, request, run_cli, wait_until)
from lambda_support import NODE_DIR, function_yaml, listeners_yaml  # noqa: E402

SDK_JS_DIR = Path(__file__).resolve().parent / "sdk-js"
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
SIGNER_TIMEOUT = 60


class Creds:
    """One entry of iam.credentials, and what AWS derives from it for $context.identity."""

    def __init__(self, key: str, secret: str, arn: str, *, token: Optional[str] = None,
                 user_id: Optional[str] = None):
        self.key, self.secret, self.arn, self.token = key, secret, arn, token
        # $context.identity.user; caller is the same: the user id (AIDA…) of an IAM user,
        # "<role id>:<session name>" of a role session.
        self.user_id = self.caller = user_id
        self.account = arn.split(":")[4]

    def signing(self, *, secret: Optional[str] = None, token: Optional[str] = "keep") -> dict:
        c = {"accessKeyId": self.key, "secretAccessKey": secret or self.secret}
        token = self.token if token == "keep" else token
        if token:
            c["sessionToken"] = token
        return c


ALICE = Creds("AKIAIOSFODNN7ALICE01", "alice/K7MDENG+bPxRfiCYEXAMPLEKEY",
              f"arn:aws:iam::{ACCOUNT}:user/alice", user_id="AIDAEXAMPLEALICE12345")
BOB = Creds("AKIAIOSFODNN7BOB0001", "bob-secret-wJalrXUtnFEMI",
            f"arn:aws:iam::{ACCOUNT}:user/bob", user_id="AIDAEXAMPLEBOB0000001")
# Temporary credentials of an IAM user (GetSessionToken): the user's identity, plus a token.
SESSION = Creds("ASIAIOSFODNN7SESSION", "session/secret+EXAMPLE", f"arn:aws:iam::{ACCOUNT}:user/ci",
                token="IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJGMEQCIAsession+token=",
                user_id="AIDAEXAMPLECI00000001")
EXPIRED = Creds("ASIAIOSFODNN7EXPIRED", "expired-secret", f"arn:aws:iam::{ACCOUNT}:user/old",
                token="expired-session-token", user_id="AIDAEXAMPLEOLD0000001")
# A role session (AssumeRole): caller and user are "<role id>:<session name>".
ROLE = Creds("ASIAIOSFODNN7ROLE001", "role/secret+EXAMPLE",
             f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci-run-42",
             token="FwoGZXIvYXdzEJr//////////role+session+token=",
             user_id="AROAEXAMPLEDEPLOYER1:ci-run-42")
CAROL = Creds("AKIAIOSFODNN7CAROL01", "carol-secret", f"arn:aws:iam::{OTHER_ACCOUNT}:user/carol",
              user_id="AIDAEXAMPLECAROL00001")
DAVE = Creds("AKIAIOSFODNN7DAVE001", "dave-secret", f"arn:aws:iam::{OTHER_ACCOUNT}:user/dave",
             user_id="AIDAEXAMPLEDAVE000001")
STRANGER = Creds("AKIAIOSFODNN7UNKNOWN", "not-configured", f"arn:aws:iam::{ACCOUNT}:user/nobody")


def arn(api: str, stage: str, method: str, path: str) -> str:
    """The resource AWS evaluates: arn:aws:execute-api:{region}:{account}:{api}/{stage}/{VERB}/
    {path} (aws-behaviour.md §4.6)."""
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/{stage}/{method}/{path.lstrip('/')}"


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(*resources: str, **extra) -> dict:
    return {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": list(resources), **extra}


def deny(*resources: str, **extra) -> dict:
    return {"Effect": "Deny", "Action": "execute-api:*", "Resource": list(resources), **extra}


def credential_yaml(c: Creds, *policies: str, expiration: Optional[str] = None) -> str:
    text = (f"    - accessKeyId: {c.key}\n"
            f"      secretAccessKey: {json.dumps(c.secret)}\n"
            f"      arn: {c.arn}\n")
    if c.token:
        text += f"      sessionToken: {json.dumps(c.token)}\n"
    if expiration:
        text += f"      expiration: {expiration}\n"
    if c.user_id:
        # Role sessions are configured with the role id; the session name comes from the ARN.
        text += f"      userId: {c.user_id.split(':')[0]}\n"
    if policies:
        text += "      policies:\n" + "".join(f"        - {p}\n" for p in policies)
    return text


# $context.identity.* through a mock integration (config/README.md, mock).
WHOAMI = json.dumps({"userArn": "$context.identity.userArn",
                     "accessKey": "$context.identity.accessKey",
                     "accountId": "$context.identity.accountId",
                     "caller": "$context.identity.caller",
                     "user": "$context.identity.user"}, separators=(",", ":"))


def mock(body: str, **route) -> str:
    extra = "".join(f", {k}: {v}" for k, v in route.items())
    return f"{{integration: {{type: mock, body: {json.dumps(body)}}}{extra}}}"


def proxy(uri: str, **route) -> str:
    extra = "".join(f", {k}: {v}" for k, v in route.items())
    return f"{{integration: {{type: http_proxy, uri: {json.dumps(uri)}}}{extra}}}"


def config_text(upstream_port: int) -> str:
    up = f"http://127.0.0.1:{upstream_port}"
    acct = f"arn:aws:execute-api:{REGION}:{ACCOUNT}"
    # alice may GET anything, POST /orders, use /files and DELETE /admin/* -- but an explicit
    # Deny wins for the admin routes and for web's GET /denied.
    alice = policy(allow(f"{acct}:*/*/GET/*", f"{acct}:*/*/POST/orders", f"{acct}:*/*/*/files/*",
                         f"{acct}:*/*/DELETE/admin/*"),
                   deny(f"{acct}:shop/*/DELETE/admin/*", f"{acct}:web/*/GET/denied"))
    everything = policy(allow(f"{acct}:*"))
    partner_policy = policy(
        # The whole other account (Principal its root) may GET /shared/*.
        allow(f"{acct}:partner/*/GET/shared/*",
              Principal={"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}),
        allow(f"{acct}:partner/*/GET/bob-only", Principal={"AWS": BOB.arn}),
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": f"{acct}:partner/*/GET/blocked"})
    anyone = {"Principal": "*"}
    open_policy = policy(
        allow(f"{acct}:open/*/GET/anyone", **anyone),
        allow(f"{acct}:open/*/GET/ip/loopback", **anyone,
              Condition={"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}}),
        allow(f"{acct}:open/*/GET/ip/private", **anyone,
              Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        allow(f"{acct}:open/*/GET/ip/not-private", **anyone,
              Condition={"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        allow(f"{acct}:open/*/GET/ip/fenced", **anyone),
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": f"{acct}:open/*/GET/ip/fenced",
         "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}}},
        # API Gateway's abbreviated resource form, expanded to this API's ARN on AWS.
        allow("execute-api:/*/GET/shorthand", **anyone),
        allow(f"{acct}:open/*/GET/signed", **anyone))
    return (listeners_yaml()
            + f'aws: {{region: {REGION}, accountId: "{ACCOUNT}"}}\n'
            + "iam:\n  credentials:\n"
            + credential_yaml(ALICE, alice)
            + credential_yaml(BOB)
            + credential_yaml(SESSION, everything)
            + credential_yaml(EXPIRED, everything, expiration="2020-01-01T00:00:00Z")
            + credential_yaml(CAROL, everything)
            + credential_yaml(DAVE)
            + "functions:\n"
            + function_yaml("echo", "nodejs", NODE_DIR, "index.echo")
            + "apis:\n"
            # -- a REST API whose routes are all AWS_IAM, no resource policy
            + "  - id: shop\n    protocol: REST\n    authorizationType: AWS_IAM\n    routes:\n"
            + f'      "GET /": {mock("root")}\n'
            + f'      "GET /whoami": {mock(WHOAMI)}\n'
            + f'      "POST /orders": {proxy(up + "/orders")}\n'
            + f'      "POST /reports": {mock("report")}\n'
            + f'      "DELETE /admin/{{id}}": {mock("deleted")}\n'
            + f'      "ANY /files/{{proxy+}}": {proxy(up + "/files/{proxy}")}\n'
            + f'      "GET /search": {proxy(up + "/search")}\n'
            + f'      "GET /public": {mock("public", authorizationType="NONE")}\n'
            + '      "GET /lambda": {integration: {type: lambda, function: echo}}\n'
            # -- AWS_IAM and a resource policy: cross-account callers, resource-policy-only allow
            + "  - id: partner\n    protocol: REST\n    authorizationType: AWS_IAM\n"
            + f"    policy: {partner_policy}\n    routes:\n"
            + f'      "GET /shared/{{id}}": {mock(WHOAMI)}\n'
            + f'      "GET /private/{{id}}": {mock("private")}\n'
            + f'      "GET /bob-only": {mock("bob")}\n'
            + f'      "GET /blocked": {mock("blocked")}\n'
            # -- NONE routes guarded by a resource policy only (anonymous callers)
            + f"  - id: open\n    protocol: REST\n    policy: {open_policy}\n    routes:\n"
            + "".join(f'      "GET /{p}": {mock(p)}\n'
                      for p in ("anyone", "closed", "ip/loopback", "ip/private", "ip/not-private",
                                "ip/fenced", "shorthand"))
            + f'      "GET /signed": {mock(WHOAMI, authorizationType="AWS_IAM")}\n'
            # -- an HTTP API with AWS_IAM routes
            + "  - id: web\n    protocol: HTTP\n    authorizationType: AWS_IAM\n    routes:\n"
            + f'      "GET /hello": {mock(WHOAMI)}\n'
            + f'      "GET /denied": {mock("never")}\n'
            + '      "GET /lambda": {integration: {type: lambda, function: echo}}\n')


# ------------------------------------------------------------------------------ module fixture

GW: Optional[Gateway] = None
UPSTREAM: Optional[EchoUpstream] = None


def wait_for_binary(timeout: float = 600) -> None:
    """The binary may be relinked by a build running in the same tree: wait until it is back."""
    wait_until(lambda: os.path.isfile(BIN) and os.access(BIN, os.X_OK), timeout, interval=0.5,
               message=f"{BIN} to exist")


def setUpModule():
    global GW, UPSTREAM
    wait_for_binary()
    UPSTREAM = EchoUpstream().start()
    unittest.addModuleCleanup(UPSTREAM.stop)
    GW = Gateway(config_text(UPSTREAM.port))
    unittest.addModuleCleanup(GW.close)
    for attempt in range(3):
        try:
            GW.start()
            break
        except OSError:  # ETXTBSY / ENOENT while the binary is being relinked
            if attempt == 2:
                raise
            wait_for_binary()


def tearDownModule():
    if GW is not None:
        GW.stop()  # exit status 0: no crash along the way


# ----------------------------------------------------------------------------------- signers


def botocore_python() -> str:
    chosen = os.environ.get("GATEHOUSE_BOTO3_PYTHON")
    if chosen:
        return chosen
    if importlib.util.find_spec("botocore") is not None:
        return sys.executable
    return "/usr/bin/python3"  # Debian's python3-botocore (scripts/install-test-deps.sh)


def signer_environment() -> dict[str, str]:
    """No AWS settings from the caller's environment can reach a signer."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "PYTHONDONTWRITEBYTECODE": "1"})
    return env


def signer_command(name: str) -> list[str]:
    if name == "js":
        node = shutil.which("node")
        if not node or not (SDK_JS_DIR / "node_modules" / "@smithy" / "signature-v4").is_dir():
            raise AssertionError("the AWS SDK for JavaScript's signer is not installed "
                                 f"(node: {node}, {SDK_JS_DIR}/node_modules): "
                                 "run scripts/install-test-deps.sh")
        return [node, str(SDK_JS_DIR / "sign-request.mjs")]
    return [botocore_python(), str(Path(__file__).resolve()), "--botocore-signer"]


class SignerProcess:
    """One signer child process for the whole module (starting botocore or node costs more than
    signing): a line of JSON per batch of requests in, a line of JSON per batch out."""

    def __init__(self, name: str):
        self.name = name
        self.proc = subprocess.Popen(signer_command(name), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=signer_environment())

    def sign_all(self, specs: list[dict]) -> list[dict]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps({"requests": specs}) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], SIGNER_TIMEOUT)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.close()
            raise AssertionError(f"{self.name} signer gave no answer (exit {self.proc.returncode})"
                                 f":\n{self.proc.stderr.read() if self.proc.stderr else ''}")
        signed = json.loads(line)
        assert len(signed) == len(specs), line
        return signed

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for f in (self.proc.stdout, self.proc.stderr):
            if f:
                f.close()


_SIGNERS: dict[str, SignerProcess] = {}


def sign_all(signer: str, specs: list[dict]) -> list[dict]:
    """Signs every spec with `signer` ("botocore" | "js")."""
    if signer not in _SIGNERS or _SIGNERS[signer].proc.poll() is not None:
        _SIGNERS[signer] = SignerProcess(signer)
        unittest.addModuleCleanup(_SIGNERS[signer].close)
    return _SIGNERS[signer].sign_all(specs)


def amz_date(t: datetime.datetime) -> str:
    return t.strftime("%Y%m%dT%H%M%SZ")


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


class IamTestCase(unittest.TestCase):
    """Requests to the module's gateway, signed by a real signer."""

    SIGNER = "botocore"

    @property
    def gw(self) -> Gateway:
        """The gateway requests go to: the module's, unless a test starts its own."""
        return getattr(self, "_gw", None) or GW

    # -- building and sending -------------------------------------------------------------------

    def url(self, api: str, path: str) -> str:
        """The URL a client uses: the API chosen by its execute-api host name, as on AWS."""
        return f"http://{api}.execute-api.localhost:{self.gw.api_port}{path}"

    def spec(self, method: str, api: str, path: str, creds: Creds = ALICE, *,
             body: Optional[str] = None, headers: Optional[dict] = None, presign: bool = False,
             expires: int = 60, signing_date: Optional[datetime.datetime] = None,
             region: str = REGION, service: str = SERVICE, secret: Optional[str] = None,
             token: Optional[str] = "keep", **extra) -> dict:
        spec = {"method": method, "url": self.url(api, path), "headers": dict(headers or {}),
                "body": body, "credentials": creds.signing(secret=secret, token=token),
                "region": region, "service": service, "presign": presign, "expires": expires,
                **extra}
        if signing_date is not None:
            spec["signingDate"] = signing_date.strftime("%Y-%m-%dT%H:%M:%SZ")
        return spec

    def sign(self, method: str, api: str, path: str, creds: Creds = ALICE, **kw) -> dict:
        return sign_all(self.SIGNER, [self.spec(method, api, path, creds, **kw)])[0]

    def send(self, signed: dict, body: Optional[str | bytes] = None,
             headers: Optional[dict] = None) -> Response:
        """Sends a signed request as is (or with `body`/`headers` swapped in after signing)."""
        parts = urlsplit(signed["url"])
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        h = dict(signed["headers"])
        h.update(headers or {})
        return request(self.gw.api_port, signed["method"], target, body=body, headers=h)

    def call(self, method: str, api: str, path: str, creds: Creds = ALICE, **kw) -> Response:
        """Signs and sends (the body signed is the body sent)."""
        signed = self.sign(method, api, path, creds, **kw)
        return self.send(signed, body=kw.get("body"))

    def unsigned(self, method: str, api: str, path: str, headers: Optional[dict] = None,
                 body: Optional[str] = None) -> Response:
        h = {"Host": f"{api}.execute-api.localhost:{self.gw.api_port}"}
        h.update(headers or {})
        return request(self.gw.api_port, method, path, headers=h, body=body)

    # -- assertions -----------------------------------------------------------------------------

    def assertOk(self, r: Response, body: Optional[bytes] = None) -> None:
        self.assertEqual(r.status, 200, r.text)
        self.assertIsNone(r.header("x-amzn-ErrorType"), r.headers)
        if body is not None:
            self.assertEqual(r.body, body)

    def assertRestError(self, r: Response, error_type: str, body: dict,
                        status: int = 403) -> None:
        """A REST gateway response: status, x-amzn-ErrorType, the exact JSON body, and AWS's
        request-id headers."""
        self.assertEqual(r.status, status, r.text)
        self.assertEqual(r.header("x-amzn-ErrorType"), error_type, r.text)
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(json.loads(r.body), body, r.text)
        # Compact JSON, as API Gateway's template renders it: {"message":"…"}.
        self.assertEqual(r.body, json.dumps(body, separators=(",", ":")).encode(), r.text)
        self.assertRegex(r.header("x-amzn-RequestId") or "", UUID_RE)

    def assertMessage(self, r: Response, error_type: str, message: str) -> None:
        self.assertRestError(r, error_type, {"message": message})

    def assertDenied(self, r: Response, who: str, resource: str, explicit: bool = False) -> None:
        """REST: an IAM / resource policy denial (capital "Message", aws-behaviour.md §3.3)."""
        text = (f"User: {who} is not authorized to perform: execute-api:Invoke on resource: "
                f"{resource}" + (" with an explicit deny" if explicit else ""))
        self.assertRestError(r, "AccessDeniedException", {"Message": text})

    def assertIdentity(self, r: Response, creds: Creds) -> None:
        """The mock WHOAMI body: $context.identity.* of the caller."""
        self.assertOk(r)
        self.assertEqual(r.json(), {"userArn": creds.arn, "accessKey": creds.key,
                                    "accountId": creds.account, "caller": creds.caller,
                                    "user": creds.user_id})

    def assertMismatch(self, r: Response, canonical_request: str, string_to_sign: str) -> None:
        """AWS's signature mismatch message, with the canonical request and string to sign it
        computed (aws-behaviour.md §3.3)."""
        self.assertMessage(
            r, "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.\n\nThe Canonical String for this request should have "
            f"been\n'{canonical_request}'\n\nThe String-to-Sign should have been\n"
            f"'{string_to_sign}'\n")


def string_to_sign(canonical_request: str, date_time: str, region: str = REGION) -> str:
    return (f"AWS4-HMAC-SHA256\n{date_time}\n{date_time[:8]}/{region}/{SERVICE}/aws4_request\n"
            + hashlib.sha256(canonical_request.encode()).hexdigest())


MISSING_TOKEN = "Missing Authentication Token"
INVALID_TOKEN = "The security token included in the request is invalid."
EXPIRED_TOKEN = "The security token included in the request is expired"

# ------------------------------------------------------------- 1. signatures, per SDK signer


class _SignatureTests:
    """What a signer produces is accepted, and each way of getting it wrong is answered as AWS
    answers it. Runs once per SDK signer (the subclasses at the end of this section)."""

    # -- accepted requests ----------------------------------------------------------------------

    def test_get_reaches_the_integration_with_the_callers_identity(self):
        r = self.call("GET", "shop", "/dev/whoami")
        self.assertIdentity(r, ALICE)
        self.assertIsNotNone(r.header("x-amz-apigw-id"))

    def test_post_with_a_json_body(self):
        body = json.dumps({"order": {"item": "Kaffee ☕", "qty": 2, "note": "größer, bitte"}},
                          ensure_ascii=False)
        r = self.call("POST", "shop", "/dev/orders", body=body,
                      headers={"Content-Type": "application/json; charset=utf-8"})
        self.assertOk(r)
        echo = r.json()
        self.assertEqual(echo["method"], "POST")
        self.assertEqual(echo["path"], "/orders")
        self.assertEqual(echo["body"], body)
        self.assertEqual(echo["bodySha256"], hashlib.sha256(body.encode()).hexdigest())
        self.assertEqual(echo["headers"]["content-type"], "application/json; charset=utf-8")

    def test_root_resource(self):
        self.assertOk(self.call("GET", "shop", "/dev/"), b"root")

    def test_odd_and_unicode_paths_on_a_greedy_route(self):
        # Paths as they go on the wire (percent-encoded); SigV4 signs them encoded once more
        # (aws-behaviour.md §4.2). Never %2F: API Gateway rejects an encoded slash.
        paths = [
            "a%20b/c%20d.txt",                          # spaces
            "~user/x~y/~",                              # tilde, unreserved: never encoded
            "caf%C3%A9/%E2%9C%93/%F0%9F%98%80",         # unicode segments (é ✓ 😀)
            "%21%24%26%27%28%29%2A%2B%2C%3B%3D%40%3A",  # encoded sub-delims, @ and :
            "a=b,c;d@e:f!g$h&i'j(k)l*m+n",              # the same, sent raw
            "percent%25sign/UPPER-lower_0.9",
        ]
        specs = [self.spec("GET", "shop", "/dev/files/" + p) for p in paths]
        specs.append(self.spec("PUT", "shop", "/dev/files/" + paths[2], body='{"put":"ü"}',
                               headers={"Content-Type": "application/json"}))
        for (path, signed) in zip(paths + [paths[2]], sign_all(self.SIGNER, specs)):
            with self.subTest(path=path, method=signed["method"]):
                r = self.send(signed, body='{"put":"ü"}' if signed["method"] == "PUT" else None)
                self.assertOk(r)
                self.assertEqual(r.json()["path"], "/files/" + path)
                self.assertEqual(r.json()["method"], signed["method"])

    def test_query_strings(self):
        # Unsorted, repeated and encoded names and values: the canonical query sorts the
        # decoded-then-encoded pairs (aws-behaviour.md §4.2); the integration gets the query as
        # sent. (Encoded in SigV4's own spelling: botocore signs the wire form as is.)
        queries = [
            "b=2&a=1&a=0",
            "z=last&A=upper&a=lower&_=under",
            "%E2%9C%93=%E2%9C%93&c%20d=x%2By&empty=&flag",
            "a=10&a=2&a=1&a=%C3%A9",
            "q=%21%27%28%29%2A&list=1%2C2%2C3&path=%2Fa%2Fb",
        ]
        specs = [self.spec("GET", "shop", "/dev/search?" + q) for q in queries]
        for query, signed in zip(queries, sign_all(self.SIGNER, specs)):
            with self.subTest(query=query):
                r = self.send(signed)
                self.assertOk(r)
                self.assertEqual(r.json()["query"], query)

    def test_presigned_url(self):
        signed = self.sign("GET", "shop", "/dev/whoami?view=full", presign=True, expires=60)
        self.assertIn("X-Amz-Signature=", signed["url"])
        self.assertNotIn("authorization", {k.lower() for k in signed["headers"]})
        self.assertIdentity(self.send(signed), ALICE)

    def test_presigned_url_with_session_token(self):
        signed = self.sign("GET", "shop", "/dev/whoami", SESSION, presign=True, expires=300)
        self.assertIn("X-Amz-Security-Token=", signed["url"])
        self.assertIdentity(self.send(signed), SESSION)

    def test_session_credentials(self):
        signed = self.sign("GET", "shop", "/dev/whoami", SESSION)
        self.assertEqual({k.lower(): v for k, v in signed["headers"].items()}
                         ["x-amz-security-token"], SESSION.token)
        self.assertIdentity(self.send(signed), SESSION)

    # -- rejected requests ----------------------------------------------------------------------

    def test_presigned_url_expired(self):
        date = utc_now() - datetime.timedelta(seconds=120)
        signed = self.sign("GET", "shop", "/dev/whoami", presign=True, expires=60,
                           signing_date=date)
        r = self.send(signed)
        self.assertEqual(r.status, 403, r.text)
        self.assertEqual(r.header("x-amzn-ErrorType"), "InvalidSignatureException")
        self.assertTrue(r.json()["message"].startswith(
            f"Signature expired: {amz_date(date)} is now earlier than "), r.text)

    def test_wrong_secret(self):
        signed = self.sign("GET", "shop", "/dev/whoami?b=2&a=1", secret="not-alices-secret")
        self.assertMismatch(self.send(signed), signed["canonicalRequest"], signed["stringToSign"])

    def test_body_tampered_after_signing(self):
        signed = self.sign("POST", "shop", "/dev/orders", body='{"qty":1}',
                           headers={"Content-Type": "application/json"}, applyChecksum=False)
        r = self.send(signed, body='{"qty":9}')
        # The canonical request AWS shows ends in the hash of the body it received.
        lines = signed["canonicalRequest"].split("\n")
        self.assertEqual(lines[-1], hashlib.sha256(b'{"qty":1}').hexdigest())
        received = "\n".join(lines[:-1] + [hashlib.sha256(b'{"qty":9}').hexdigest()])
        date_time = {k.lower(): v for k, v in signed["headers"].items()}["x-amz-date"]
        self.assertMismatch(r, received, string_to_sign(received, date_time))
        self.assertFalse(any(q.body == b'{"qty":9}' for q in UPSTREAM.requests),
                         "the tampered request reached the integration")

    def test_unknown_access_key(self):
        self.assertMessage(self.call("GET", "shop", "/dev/whoami", STRANGER),
                           "AccessDeniedException", INVALID_TOKEN)

    def test_wrong_or_missing_session_token(self):
        for case, token in (("wrong token", "not-the-token"), ("no token", None)):
            with self.subTest(case=case):
                r = self.call("GET", "shop", "/dev/whoami", SESSION, token=token)
                self.assertMessage(r, "AccessDeniedException", INVALID_TOKEN)

    def test_expired_credentials(self):
        # The key's `expiration` (2020) is past: AWS's ExpiredTokenException.
        self.assertMessage(self.call("GET", "shop", "/dev/whoami", EXPIRED),
                           "ExpiredTokenException", EXPIRED_TOKEN)

    def _assert_skew(self, r: Response, date: datetime.datetime, before: datetime.datetime,
                     after: datetime.datetime, past: bool) -> None:
        """Signature expired / not yet current: "<date> is now earlier than <now - 5 min> (<now>
        - 5 min.)" with now the gateway's clock, between `before` and `after`."""
        self.assertEqual(r.status, 403, r.text)
        self.assertEqual(r.header("x-amzn-ErrorType"), "InvalidSignatureException")
        message = json.loads(r.body)["message"]
        if past:
            rx = (rf"^Signature expired: {amz_date(date)} is now earlier than (\d{{8}}T\d{{6}}Z) "
                  r"\((\d{8}T\d{6}Z) - 5 min\.\)$")
        else:
            rx = (rf"^Signature not yet current: {amz_date(date)} is still later than "
                  r"(\d{8}T\d{6}Z) \((\d{8}T\d{6}Z) \+ 5 min\.\)$")
        m = re.match(rx, message)
        self.assertIsNotNone(m, message)
        parse = lambda s: datetime.datetime.strptime(s, "%Y%m%dT%H%M%SZ").replace(  # noqa: E731
            tzinfo=datetime.timezone.utc)
        bound, now = parse(m[1]), parse(m[2])
        self.assertEqual(bound, now + datetime.timedelta(minutes=-5 if past else 5))
        self.assertLessEqual(before, now)
        self.assertLessEqual(now, after)
        self.assertEqual(r.body, json.dumps({"message": message}, separators=(",", ":")).encode())

    def test_signature_ten_minutes_old(self):
        date = utc_now() - datetime.timedelta(minutes=10)
        signed = self.sign("GET", "shop", "/dev/whoami", signing_date=date)
        before = utc_now()
        r = self.send(signed)
        self._assert_skew(r, date, before, utc_now() + datetime.timedelta(seconds=1), past=True)

    def test_signature_ten_minutes_in_the_future(self):
        date = utc_now() + datetime.timedelta(minutes=10)
        signed = self.sign("GET", "shop", "/dev/whoami", signing_date=date)
        before = utc_now()
        r = self.send(signed)
        self._assert_skew(r, date, before, utc_now() + datetime.timedelta(seconds=1), past=False)

    def test_clock_skew_within_five_minutes_is_accepted(self):
        for minutes in (-4, 4):
            with self.subTest(minutes=minutes):
                date = utc_now() + datetime.timedelta(minutes=minutes)
                self.assertIdentity(self.call("GET", "shop", "/dev/whoami", signing_date=date),
                                    ALICE)

    def test_wrong_region_scope(self):
        self.assertMessage(self.call("GET", "shop", "/dev/whoami", region="eu-west-1"),
                           "InvalidSignatureException",
                           "Credential should be scoped to a valid region, not 'eu-west-1'. ")

    def test_wrong_service_scope(self):
        self.assertMessage(self.call("GET", "shop", "/dev/whoami", service="lambda"),
                           "InvalidSignatureException",
                           "Credential should be scoped to correct service: 'execute-api'. ")

    def test_http_api_route(self):
        r = self.call("GET", "web", "/hello")
        self.assertIdentity(r, ALICE)
        self.assertIsNotNone(r.header("apigw-requestid"))


class BotocoreSignatureTest(_SignatureTests, IamTestCase):
    SIGNER = "botocore"


class JsSdkSignatureTest(_SignatureTests, IamTestCase):
    SIGNER = "js"

    def test_body_tampered_after_signing_with_content_sha256_header(self):
        # The SDK's default (applyChecksum) also sends x-amz-content-sha256, which then no
        # longer matches the body: still a 403 InvalidSignatureException.
        signed = self.sign("POST", "shop", "/dev/orders", body='{"qty":1}',
                           headers={"Content-Type": "application/json"})
        self.assertIn("x-amz-content-sha256", signed["headers"])
        r = self.send(signed, body='{"qty":9}')
        self.assertEqual(r.status, 403, r.text)
        self.assertEqual(r.header("x-amzn-ErrorType"), "InvalidSignatureException")
        self.assertIn("message", r.json())


# ----------------------------------------------------------------- 2. no or malformed signature


class MissingAndMalformedSignatureTest(IamTestCase):

    def test_no_signature(self):
        for case, path in (("plain", "/dev/whoami"), ("query", "/dev/whoami?a=1")):
            with self.subTest(case=case):
                self.assertMessage(self.unsigned("GET", "shop", path),
                                   "MissingAuthenticationTokenException", MISSING_TOKEN)
        r = self.unsigned("POST", "shop", "/dev/orders", body="{}",
                          headers={"Content-Type": "application/json"})
        self.assertMessage(r, "MissingAuthenticationTokenException", MISSING_TOKEN)

    def test_none_route_of_an_iam_api_needs_no_signature(self):
        self.assertOk(self.unsigned("GET", "shop", "/dev/public"), b"public")

    def test_bearer_token(self):
        # serverless/serverless#3205: 'sometoken' not a valid key=value pair …
        r = self.unsigned("GET", "shop", "/dev/whoami", headers={"Authorization": "Bearer x"})
        self.assertMessage(r, "IncompleteSignatureException",
                           "'x' not a valid key=value pair (missing equal-sign) in "
                           "Authorization header: 'Bearer x'.")

    def test_token_without_signature_parameters(self):
        # aws/chalice#828 (a bare JWT); a Basic header whose value has '=' is key=value-shaped.
        jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"
        for value in (jwt, "Basic YWxpY2U6c2VjcmV0MQ=="):
            with self.subTest(authorization=value):
                r = self.unsigned("GET", "shop", "/dev/whoami", headers={"Authorization": value})
                self.assertMessage(
                    r, "IncompleteSignatureException",
                    "Authorization header requires 'Credential' parameter. Authorization header "
                    "requires 'Signature' parameter. Authorization header requires "
                    "'SignedHeaders' parameter. Authorization header requires existence of "
                    "either a 'X-Amz-Date' or a 'Date' header. Authorization=" + value)

    # A REST request to a path that is not deployed carrying a non-SigV4 Authorization header is
    # answered with IncompleteSignatureException (aws-behaviour.md §3.3, second row;
    # aws/chalice#828, where the route "was not built").
    def test_unknown_route_with_bearer_token(self):
        r = self.unsigned("GET", "shop", "/dev/no-such-route",
                          headers={"Authorization": "Bearer x"})
        self.assertMessage(r, "IncompleteSignatureException",
                           "'x' not a valid key=value pair (missing equal-sign) in "
                           "Authorization header: 'Bearer x'.")

    def test_unknown_route_without_authorization(self):
        self.assertMessage(self.unsigned("GET", "shop", "/dev/no-such-route"),
                           "MissingAuthenticationTokenException", MISSING_TOKEN)


# ------------------------------------------------------------------ 3. identity-based policies


class IdentityPolicyTest(IamTestCase):
    """REST API `shop`: AWS_IAM, no resource policy; the signer's identity policies decide."""

    def test_allowed(self):
        self.assertOk(self.call("DELETE", "shop", "/dev/files/report.txt"))
        self.assertOk(self.call("POST", "shop", "/dev/orders", body="{}"))

    def test_implicit_deny(self):
        r = self.call("POST", "shop", "/dev/reports", body='{"month":"2026-11"}',
                      headers={"Content-Type": "application/json"})
        self.assertDenied(r, ALICE.arn, arn("shop", "dev", "POST", "reports"))

    def test_explicit_deny(self):
        r = self.call("DELETE", "shop", "/dev/admin/7")
        self.assertDenied(r, ALICE.arn, arn("shop", "dev", "DELETE", "admin/7"), explicit=True)

    def test_caller_without_policies(self):
        # The root resource's ARN ends in "/" (aws-behaviour.md §4.6).
        self.assertDenied(self.call("GET", "shop", "/dev/", BOB), BOB.arn,
                          arn("shop", "dev", "GET", ""))
        self.assertDenied(self.call("GET", "shop", "/dev/files/a%20b", BOB), BOB.arn,
                          arn("shop", "dev", "GET", "files/a%20b"))


# ------------------------------------------------------------------------ 4. resource policies


class ResourcePolicyTest(IamTestCase):
    """REST API `partner` (AWS_IAM + resource policy) and `open` (NONE + resource policy)."""

    # -- signed callers: identity and resource policy combined (aws-behaviour.md §4.7) -----------

    def test_cross_account_caller_allowed_by_both(self):
        self.assertIdentity(self.call("GET", "partner", "/dev/shared/1", CAROL), CAROL)

    def test_cross_account_caller_needs_the_resource_policy(self):
        # carol's own policy allows everything, the API's policy is silent on /private.
        self.assertDenied(self.call("GET", "partner", "/dev/private/1", CAROL), CAROL.arn,
                          arn("partner", "dev", "GET", "private/1"))

    def test_cross_account_caller_needs_an_identity_policy(self):
        # The API allows dave's whole account on /shared, dave has no policy of his own.
        self.assertDenied(self.call("GET", "partner", "/dev/shared/1", DAVE), DAVE.arn,
                          arn("partner", "dev", "GET", "shared/1"))

    def test_same_account_resource_policy_alone_suffices(self):
        self.assertOk(self.call("GET", "partner", "/dev/bob-only", BOB), b"bob")
        self.assertDenied(self.call("GET", "partner", "/dev/private/2", BOB), BOB.arn,
                          arn("partner", "dev", "GET", "private/2"))

    def test_same_account_identity_policy_alone_suffices(self):
        self.assertOk(self.call("GET", "partner", "/dev/private/3", ALICE), b"private")

    def test_resource_policy_explicit_deny_wins(self):
        self.assertDenied(self.call("GET", "partner", "/dev/blocked", ALICE), ALICE.arn,
                          arn("partner", "dev", "GET", "blocked"), explicit=True)

    # -- anonymous callers on NONE routes -----------------------------------------------------

    def test_anonymous_allowed_by_principal_star(self):
        self.assertOk(self.unsigned("GET", "open", "/dev/anyone"), b"anyone")

    def test_anonymous_not_allowed(self):
        self.assertDenied(self.unsigned("GET", "open", "/dev/closed"), "anonymous",
                          arn("open", "dev", "GET", "closed"))

    def test_source_ip_conditions(self):
        # The test connects from 127.0.0.1.
        self.assertOk(self.unsigned("GET", "open", "/dev/ip/loopback"), b"ip/loopback")
        self.assertOk(self.unsigned("GET", "open", "/dev/ip/not-private"), b"ip/not-private")
        self.assertDenied(self.unsigned("GET", "open", "/dev/ip/private"), "anonymous",
                          arn("open", "dev", "GET", "ip/private"))
        self.assertDenied(self.unsigned("GET", "open", "/dev/ip/fenced"), "anonymous",
                          arn("open", "dev", "GET", "ip/fenced"), explicit=True)

    def test_signed_caller_on_an_iam_route_of_a_policy_api(self):
        self.assertIdentity(self.call("GET", "open", "/dev/signed", ALICE), ALICE)
        self.assertMessage(self.unsigned("GET", "open", "/dev/signed"),
                           "MissingAuthenticationTokenException", MISSING_TOKEN)

    # API Gateway expands the abbreviated resource form "execute-api:/stage/VERB/path" of a
    # resource policy to this API's full ARN ("API Gateway resource policy examples": "API
    # Gateway converts the abbreviated syntax to the full ARN when you save the policy").
    def test_abbreviated_resource_form(self):
        self.assertOk(self.unsigned("GET", "open", "/dev/shorthand"), b"shorthand")


# ------------------------------------------------------------------------------- 5. HTTP APIs


class HttpApiTest(IamTestCase):
    """HTTP API `web`: AWS_IAM routes; a denial is {"message":"Forbidden"} (HTTP APIs have no
    gateway responses and no x-amzn-ErrorType, aws-behaviour.md §3.4)."""

    def assertForbidden(self, r: Response) -> None:
        self.assertEqual(r.status, 403, r.text)
        self.assertEqual(r.body, b'{"message":"Forbidden"}')
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertIsNotNone(r.header("apigw-requestid"))

    def test_allowed(self):
        self.assertIdentity(self.call("GET", "web", "/hello", SESSION), SESSION)

    def test_explicit_deny(self):
        self.assertForbidden(self.call("GET", "web", "/denied"))

    def test_implicit_deny(self):
        self.assertForbidden(self.call("GET", "web", "/hello", BOB))


# -------------------------------------------------- 6. the caller's identity in the integration


class IntegrationIdentityTest(IamTestCase):

    def test_mapping_template_context_identity(self):
        for creds in (ALICE, SESSION):
            with self.subTest(arn=creds.arn):
                self.assertIdentity(self.call("GET", "shop", "/dev/whoami", creds), creds)
        # $context.identity.accountId is the caller's account, not the API's.
        self.assertIdentity(self.call("GET", "partner", "/dev/shared/9", CAROL), CAROL)

    def test_lambda_payload_1_0_identity(self):
        r = self.call("GET", "shop", "/dev/lambda", ALICE)
        self.assertOk(r)
        identity = r.json()["requestContext"]["identity"]
        self.assertEqual({k: identity.get(k) for k in
                          ("accessKey", "accountId", "caller", "user", "userArn", "sourceIp")},
                         {"accessKey": ALICE.key, "accountId": ACCOUNT, "caller": ALICE.user_id,
                          "user": ALICE.user_id, "userArn": ALICE.arn, "sourceIp": "127.0.0.1"})
        self.assertIn("cognitoIdentityId", identity)
        self.assertIsNone(identity["cognitoIdentityId"])

    def test_lambda_payload_2_0_authorizer_iam(self):
        r = self.call("GET", "web", "/lambda", SESSION)
        self.assertOk(r)
        event = r.json()
        self.assertEqual(event["version"], "2.0")
        self.assertEqual(event["requestContext"]["authorizer"], {"iam": {
            "accessKey": SESSION.key, "accountId": ACCOUNT, "callerId": SESSION.caller,
            "cognitoIdentity": None, "principalOrgId": None, "userArn": SESSION.arn,
            "userId": SESSION.user_id}})

    def test_access_log_identity(self):
        # $context.identity.* in the access log: the same values the integration sees.
        fields = ("accessKey", "accountId", "caller", "user", "userArn", "sourceIp")
        fmt = "{" + ",".join(f'"{f}":"$context.identity.{f}"' for f in fields) + "}"
        config = (listeners_yaml()
                  + "logging:\n  accessLog: {destination: stdout, format: " + json.dumps(fmt)
                  + "}\n"
                  + f'aws: {{region: {REGION}, accountId: "{ACCOUNT}"}}\n'
                  + "iam:\n  credentials:\n"
                  + credential_yaml(ALICE, policy(allow(f"arn:aws:execute-api:{REGION}:*:*")))
                  + "apis:\n  - id: shop\n    protocol: REST\n    authorizationType: AWS_IAM\n"
                  + f'    routes:\n      "GET /whoami": {mock("ok")}\n')
        gw = Gateway(config)
        self.addCleanup(gw.close)
        gw.start()
        self._gw = gw
        self.assertOk(self.call("GET", "shop", "/dev/whoami", ALICE))
        line = wait_until(lambda: next((l for l in gw.stdout().splitlines()
                                        if ALICE.key in l), None), 10, message="access log line")
        self.assertEqual(json.loads(line), {
            "accessKey": ALICE.key, "accountId": ACCOUNT, "caller": ALICE.user_id,
            "user": ALICE.user_id, "userArn": ALICE.arn, "sourceIp": "127.0.0.1"})


def role_session_config() -> str:
    everything = policy(allow(f"arn:aws:execute-api:{REGION}:{ACCOUNT}:*"))
    # A role ARN as Principal names every session of that role.
    not_deployers = policy({"Effect": "Deny", "Action": "execute-api:Invoke",
                            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/deployer"},
                            "Resource": arn("shop", "*", "GET", "deployers-not")})
    return (listeners_yaml()
            + f'aws: {{region: {REGION}, accountId: "{ACCOUNT}"}}\n'
            + "iam:\n  credentials:\n" + credential_yaml(ROLE, everything)
            + "apis:\n  - id: shop\n    protocol: REST\n    authorizationType: AWS_IAM\n"
            + f"    policy: {not_deployers}\n"
            + f'    routes:\n      "GET /whoami": {mock(WHOAMI)}\n'
            + f'      "GET /deployers-not": {mock("never")}\n')


class RoleSessionTest(IamTestCase):
    """Temporary credentials of an assumed-role session, arn:aws:sts::ACCOUNT:assumed-role/
    ROLE/SESSION -- one of the three ARN forms config/README.md accepts in iam.credentials."""

    # Regression: iam::principal_from_arn (gateway/iam/credential_store.cpp) compared
    # resource.substr(0, 14) with "assumed-role/" (13 characters), so every role session ARN was
    # rejected at load time and a config holding one never started.
    def test_config_with_a_role_session_validates(self):
        with tempfile.TemporaryDirectory(prefix="gatehouse-iam-role-") as tmp:
            path = Path(tmp) / "role.yaml"
            path.write_text(role_session_config())
            out = run_cli("validate", str(path))
        self.assertEqual((out.returncode, out.stderr), (0, ""))
        self.assertEqual(out.stdout, f"{path}: OK (1 API(s), 2 route(s))\n")

    def test_role_session_identity(self):
        # $context.identity.caller and .user of a role session are "<role id>:<session name>".
        gw = Gateway(role_session_config())
        self.addCleanup(gw.close)
        gw.start()
        self._gw = gw
        for presign in (False, True):
            with self.subTest(presign=presign):
                self.assertIdentity(self.call("GET", "shop", "/dev/whoami", ROLE,
                                              presign=presign), ROLE)
        self.assertDenied(self.call("GET", "shop", "/dev/deployers-not", ROLE), ROLE.arn,
                          arn("shop", "dev", "GET", "deployers-not"), explicit=True)


# ------------------------------------------------------------------------------------ 7. curl


class CurlSigV4Test(IamTestCase):
    """curl --aws-sigv4 "aws:amz:us-east-1:execute-api" --user KEY:SECRET. (curl 7.x signs the
    path encoded once and the query unsorted -- not AWS's canonical form, fixed in later curls
    -- so these requests keep to plain paths and sorted queries.)"""

    def curl(self, path: str, creds: Creds = ALICE, *args: str, secret: Optional[str] = None,
             api: str = "shop") -> Response:
        host = f"{api}.execute-api.localhost:{self.gw.api_port}"
        out = curl("-i", "--resolve", f"{host}:127.0.0.1",
                   "--aws-sigv4", f"aws:amz:{REGION}:{SERVICE}",
                   "--user", f"{creds.key}:{secret or creds.secret}", *args,
                   f"http://{host}{path}")
        self.assertEqual(out.returncode, 0, out.stderr)
        return parse_curl_include(out.stdout)[-1]

    def test_get(self):
        self.assertIdentity(self.curl("/dev/whoami"), ALICE)

    def test_get_with_a_sorted_query(self):
        r = self.curl("/dev/search?a=1&b=2&c=%C3%A9")
        self.assertOk(r)
        self.assertEqual(json.loads(r.body)["query"], "a=1&b=2&c=%C3%A9")

    def test_post_json(self):
        body = '{"item":"tea","qty":3}'
        r = self.curl("/dev/orders", ALICE, "-H", "Content-Type: application/json", "-d", body)
        self.assertOk(r)
        self.assertEqual(json.loads(r.body)["body"], body)

    def test_wrong_secret(self):
        r = self.curl("/dev/whoami", secret="wrong")
        self.assertEqual(r.status, 403, r.body)
        m = re.search(r"x-amz-date:(\d{8}T\d{6}Z)\\n", r.body.decode())
        self.assertIsNotNone(m, r.body)
        date_time = m[1]
        canonical = (f"GET\n/dev/whoami\n\nhost:shop.execute-api.localhost:{self.gw.api_port}\n"
                     f"x-amz-date:{date_time}\n\nhost;x-amz-date\n{EMPTY_SHA256}")
        self.assertMismatch(r, canonical, string_to_sign(canonical, date_time))

    def test_denied(self):
        r = self.curl("/dev/files/x", BOB, "-X", "DELETE")
        self.assertDenied(r, BOB.arn, arn("shop", "dev", "DELETE", "files/x"))


# ------------------------------------------------------------- 8. iam.enforce: service APIs


ENFORCED_SERVICES_CONFIG = listeners_yaml() + f"""\
aws: {{region: {REGION}, accountId: "{ACCOUNT}"}}
iam:
  enforce: true
  credentials:
    - accessKeyId: AKIAINVOKERALLOWED1
      secretAccessKey: invoker-secret
      arn: arn:aws:iam::{ACCOUNT}:user/invoker
      policies: [{{Version: "2012-10-17", Statement: [
        {{Effect: Allow, Action: "lambda:InvokeFunction", Resource: "arn:aws:lambda:*:*:function:hello"}},
        {{Effect: Deny, Action: "lambda:*", Resource: "arn:aws:lambda:*:*:function:*:blocked"}}]}}]
functions:
{function_yaml("hello", "nodejs", NODE_DIR, "index.hello")}\
{function_yaml("other", "nodejs", NODE_DIR, "index.hello")}\
apis:
  - id: open
    protocol: HTTP
    routes: {{"GET /": {{integration: {{type: mock}}}}}}
"""


class EnforcedServicesTest(unittest.TestCase):
    """iam.enforce: true -- the Lambda Invoke API on the services listener wants what AWS
    wants: a SigV4 signature for service `lambda` and lambda:InvokeFunction on the function's
    ARN; refusals come in Lambda's words. (The @connections API's side is in
    test_websocket.py.)"""

    @classmethod
    def setUpClass(cls):
        wait_for_binary()
        cls.gw = Gateway(ENFORCED_SERVICES_CONFIG)
        cls.gw.start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()

    def invoke(self, function: str, *, key: str = "AKIAINVOKERALLOWED1",
               secret: str = "invoker-secret", signed: bool = True) -> Response:
        sign = (["--aws-sigv4", f"aws:amz:{REGION}:lambda", "--user", f"{key}:{secret}"]
                if signed else [])
        path = function if "/" in function else f"{function}/invocations"
        out = curl("-i", "-X", "POST", "-d", "{}", *sign,
                   f"http://127.0.0.1:{self.gw.services_port}/2015-03-31/functions/{path}")
        self.assertEqual(out.returncode, 0, out.stderr)
        return parse_curl_include(out.stdout)[-1]

    def test_signed_and_allowed(self):
        r = self.invoke("hello")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(json.loads(r.body)["body"], "hello from node")

    def test_unsigned(self):
        r = self.invoke("hello", signed=False)
        self.assertEqual(r.status, 403)
        self.assertEqual(r.header("x-amzn-ErrorType"), "MissingAuthenticationTokenException")

    def test_wrong_secret_and_unknown_key(self):
        r = self.invoke("hello", secret="not-it")
        self.assertEqual((r.status, r.header("x-amzn-ErrorType")),
                         (403, "InvalidSignatureException"), r.body)
        r = self.invoke("hello", key="AKIANOBODYKNOWSME01")
        self.assertEqual((r.status, r.header("x-amzn-ErrorType"), json.loads(r.body)),
                         (403, "UnrecognizedClientException",
                          {"message": "The security token included in the request is invalid."}))

    def test_not_allowed(self):
        # Checked before the function is looked up: an unknown one is denied too.
        for function in ("other", "missing"):
            r = self.invoke(function)
            self.assertEqual((r.status, r.header("x-amzn-ErrorType")),
                             (403, "AccessDeniedException"), r.body)
            self.assertEqual(json.loads(r.body), {
                "Type": "User",
                "message": f"User: arn:aws:iam::{ACCOUNT}:user/invoker is not authorized to "
                           "perform: lambda:InvokeFunction on resource: "
                           f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function} because no "
                           "identity-based policy allows the lambda:InvokeFunction action"})

    def test_explicit_deny_on_a_qualifier(self):
        # (As ?Qualifier=: curl 7 signs a ':' in the path unencoded, unlike AWS and the SDKs.)
        r = self.invoke("hello/invocations?Qualifier=blocked")
        self.assertEqual(r.status, 403, r.body)
        self.assertTrue(json.loads(r.body)["message"].endswith(
            f"function:hello:blocked with an explicit deny in an identity-based policy"), r.body)


# -------------------------------------------------------------------------------- 9. validate


VALIDATE_NO_CREDENTIALS = """\
version: 1
apis:
  - id: shop
    protocol: REST
    routes:
      "GET /open": {integration: {type: mock}}
      "GET /secret":
        authorizationType: AWS_IAM
        integration: {type: mock}
"""

VALIDATE_BAD_OPERATOR = """\
version: 1
iam:
  credentials:
    - accessKeyId: AKIAIOSFODNN7EXAMPLE
      secretAccessKey: example-secret
      arn: arn:aws:iam::123456789012:user/alice
      policies:
        - Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: execute-api:Invoke
              Resource: "*"
              Condition:
                IpAdress: {aws:SourceIp: 127.0.0.1/32}
apis:
  - id: shop
    protocol: REST
    authorizationType: AWS_IAM
    policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Deny
          Principal: "*"
          Action: execute-api:Invoke
          Resource: "*"
          Condition: {StringEqualz: {aws:UserAgent: curl}}
    routes:
      "GET /x": {integration: {type: mock}}
"""


class ValidateTest(unittest.TestCase):

    def setUp(self):
        wait_for_binary()
        self.tmp = Path(tempfile.mkdtemp(prefix="gatehouse-iam-validate-"))
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def validate(self, name: str, text: str) -> tuple[subprocess.CompletedProcess, str]:
        path = self.tmp / name
        path.write_text(text)
        return run_cli("validate", str(path)), str(path)

    def test_aws_iam_route_without_credentials(self):
        out, p = self.validate("no-credentials.yaml", VALIDATE_NO_CREDENTIALS)
        self.assertEqual(out.returncode, 1, out.stderr)
        self.assertEqual(out.stdout, "")
        self.assertEqual(out.stderr.splitlines(), [
            f"{p}:8:28: error: apis[0].routes[\"GET /secret\"].authorizationType: AWS_IAM needs "
            "signers: add iam.credentials (accessKeyId, secretAccessKey, arn, policies) to the "
            "config",
            "1 error(s)"])

    def test_unknown_condition_operators(self):
        out, p = self.validate("bad-operator.yaml", VALIDATE_BAD_OPERATOR)
        self.assertEqual(out.returncode, 1, out.stderr)
        self.assertEqual(out.stdout, "")
        self.assertEqual(out.stderr.splitlines(), [
            f"{p}:14:17: error: iam.credentials[0].policies[0].Statement[0].Condition.IpAdress: "
            "unknown condition operator 'IpAdress'; did you mean 'IpAddress'?",
            f"{p}:26:23: error: apis[0].policy.Statement[0].Condition.StringEqualz: unknown "
            "condition operator 'StringEqualz'; did you mean 'StringEquals'?",
            "2 error(s)"])

    def test_the_served_config_validates(self):
        path = self.tmp / "served.yaml"
        path.write_text(config_text(8080))
        out = run_cli("validate", str(path))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout, f"{path}: OK (4 API(s), 24 route(s))\n")


if __name__ == "__main__":
    unittest.main()
