"""The S3 API on the services listener driven by the AWS SDK for JavaScript v3 at its DEFAULT
settings: @aws-sdk/client-s3 (CRC32 checksums on every upload, DeleteObjects included, and
checksum validation of downloads) and @aws-sdk/s3-request-presigner, with presigned URLs used by
a plain HTTP client (tests/e2e/sdk-js/s3_operations.mjs, which checks every answer itself and
exits non-zero on the first wrong one).

Every S3 operation of the script, in four settings:
  * path-style (forcePathStyle: true), IAM off;
  * virtual-hosted style (forcePathStyle: false, endpoint http://s3.localhost:PORT: the SDK
    sends Host: BUCKET.s3.localhost, resolved to 127.0.0.1 by the script's http.Agent), IAM off;
    the bucket must come from the Host header;
  * both again with iam.enforce: every request SigV4-verified, presigned URLs included, and a
    client with a wrong secret refused with SignatureDoesNotMatch (403).

The checks the gateway is known to fail run too: the script reports them (`gatewayBugs`) instead
of stopping, and the test fails on any failure not in KNOWN_GATEWAY_BUGS. Needs node and
tests/e2e/sdk-js/node_modules (scripts/install-test-deps.sh). Python standard library only."""

import json
import os
import shutil
import subprocess
import unittest
import xml.etree.ElementTree as ET

from harness import SOURCE_DIR, GatewayTestCase, request
from lambda_support import listeners_yaml

SDK_JS_DIR = SOURCE_DIR / "tests" / "e2e" / "sdk-js"
SCRIPT = SDK_JS_DIR / "s3_operations.mjs"
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"

CONFIG = listeners_yaml() + """\
s3: {dataDir: buckets, fsync: false}
apis:
  - id: web
    protocol: HTTP
    routes: {"GET /": {integration: {type: mock}}}
"""

ACCESS_KEY = "AKIASDKJSOPERATIONS1"
# '/' and '+' as in real secrets: nothing in the signing path may treat them specially.
SECRET = "sdk-js/Secret+Key0123456789abcdefghijklm"
IAM_CONFIG = CONFIG + f"""\
iam:
  enforce: true
  credentials:
    - accessKeyId: {ACCESS_KEY}
      secretAccessKey: "{SECRET}"
      arn: arn:aws:iam::000000000000:user/sdk-js
      policies: [{{Version: "2012-10-17", Statement: [
        {{Effect: Allow, Action: "s3:*", Resource: "*"}}]}}]
"""

# What the script checks, in order (`passed` must list every one: nothing skipped).
CHECKS = [
    "ListBuckets before", "CreateBucket", "HeadBucket", "ListBuckets after CreateBucket",
    "ListBuckets Prefix and MaxBuckets", "PutObject with metadata and headers",
    "PutObject conditional writes", "GetObject", "GetObject Range", "GetObject conditionals",
    "GetObject response overrides", "HeadObject",
    "a streamed PutObject (aws-chunked with a trailing CRC32)", "NoSuchKey / NoSuchBucket",
    "awkward keys", "CopyObject, MetadataDirective COPY", "CopyObject, MetadataDirective REPLACE",
    "ListObjectsV2", "ListObjectsV2 Prefix and Delimiter",
    "ListObjectsV2 MaxKeys and ContinuationToken", "ListObjectsV2 StartAfter",
    "ListObjects (v1) Marker paging", "DeleteObjects (CRC32, no Content-MD5)",
    "CreateMultipartUpload", "UploadPart (5 MiB)", "UploadPartCopy", "UploadPart (small, last)",
    "ListParts", "ListMultipartUploads", "CompleteMultipartUpload", "AbortMultipartUpload",
    "presigned PUT", "presigned GET",
]
IAM_CHECKS = ["SigV4 with a wrong secret"]
FINAL_CHECKS = ["DeleteObject", "DeleteBucket"]

# Checks the gateway is known to fail (the script wraps each in knownGatewayBug and marks it
# "GATEWAY BUG"): none today. A failure of any other check fails the test.
KNOWN_GATEWAY_BUGS: set[str] = set()


def node_command() -> str:
    node = shutil.which("node")
    needed = ["@aws-sdk/client-s3", "@aws-sdk/s3-request-presigner", "@smithy/node-http-handler"]
    missing = [m for m in needed if not (SDK_JS_DIR / "node_modules" / m).is_dir()]
    if not node or missing:
        raise AssertionError(f"the AWS SDK for JavaScript is not installed (node: {node}, missing "
                             f"in {SDK_JS_DIR}/node_modules: {missing}): "
                             "run scripts/install-test-deps.sh")
    return node


def sdk_environment() -> dict[str, str]:
    """The SDK's defaults, whatever the caller's environment: no AWS_* settings (such as
    AWS_REQUEST_CHECKSUM_CALCULATION) and no shared config or credentials files."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    return env


class S3SdkJsTest(GatewayTestCase):
    def run_script(self, gw, style: str, secret: str = SECRET, iam: bool = False) -> dict:
        host = "127.0.0.1" if style == "path" else "s3.localhost"
        argv = [node_command(), str(SCRIPT), f"http://{host}:{gw.services_port}", style,
                ACCESS_KEY, secret] + (["--iam"] if iam else [])
        p = subprocess.run(argv, capture_output=True, text=True, timeout=180, cwd=str(SDK_JS_DIR),
                           env=sdk_environment(), stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, f"{p.stderr}\n--- gateway log (tail):\n"
                                          f"{gw.stderr()[-3000:]}")
        out = json.loads(p.stdout)
        expected = CHECKS + (IAM_CHECKS if iam else []) + FINAL_CHECKS + [
            f"{style}-style addressing", "leaving a bucket for the caller"]
        self.assertEqual(out["passed"], expected)
        bugs = {b["check"]: b["failure"] for b in out["gatewayBugs"]}
        self.assertLessEqual(set(bugs), KNOWN_GATEWAY_BUGS,
                             f"new gateway failures: {json.dumps(out['gatewayBugs'], indent=1)}")
        for fixed in sorted(KNOWN_GATEWAY_BUGS - set(bugs)):
            print(f"\nnote: known gateway bug '{fixed}' no longer reproduces ({style}, "
                  f"iam={iam}): remove it from KNOWN_GATEWAY_BUGS and the script's "
                  "knownGatewayBug wrapper")
        return out

    def raw(self, gw, method, path, host=None):
        headers = {"Host": f"{host}:{gw.services_port}"} if host else {}
        return request(gw.services_port, method, path, headers=headers)

    def assert_addressing(self, out, style: str) -> None:
        """Where the SDK put the bucket: in the Host header (virtual) or the path (path)."""
        requests = out["requests"]
        self.assertGreater(len(requests), 100)
        for r in requests:
            bucket_scoped = r["operation"] != "ListBucketsCommand"
            if style == "virtual":
                if bucket_scoped:
                    self.assertRegex(r["host"], r"^sdk-js-[a-z-]+\.s3\.localhost$", r)
                    self.assertFalse(r["path"].startswith("/sdk-js-"), r)
                else:
                    self.assertEqual((r["host"], r["path"]), ("s3.localhost", "/"), r)
            else:
                self.assertEqual(r["host"], "127.0.0.1", r)
                if bucket_scoped:
                    self.assertTrue(r["path"].startswith("/sdk-js-"), r)

    def assert_kept_object(self, gw, out) -> None:
        """The object the script left, seen path-style and virtual-hosted by raw HTTP."""
        kept = out["kept"]
        r = self.raw(gw, "GET", f"/{kept['bucket']}/{kept['key']}")
        self.assertEqual((r.status, r.text), (200, kept["body"]))
        r = self.raw(gw, "GET", f"/{kept['key']}", host=f"{kept['bucket']}.s3.localhost")
        self.assertEqual((r.status, r.text), (200, kept["body"]))
        r = self.raw(gw, "GET", "/")
        names = [b.findtext(NS + "Name") for b in ET.fromstring(r.body).iter(NS + "Bucket")]
        self.assertEqual(names, [kept["bucket"]])

    # ------------------------------------------------------------------------------ IAM off

    def test_path_style(self):
        gw = self.start_gateway(CONFIG)
        out = self.run_script(gw, "path")
        self.assert_addressing(out, "path")
        self.assert_kept_object(gw, out)

    def test_virtual_hosted_style(self):
        gw = self.start_gateway(CONFIG)
        out = self.run_script(gw, "virtual")
        self.assert_addressing(out, "virtual")
        # The bucket came from the Host header: the requests' paths name none (checked above),
        # yet the objects landed in the bucket the Host named.
        self.assert_kept_object(gw, out)
        self.assertTrue((gw.dir / "buckets" / out["kept"]["bucket"]).is_dir())

    # ------------------------------------------------------------------------------- IAM on

    def assert_iam_enforced(self, gw, out) -> None:
        kept = out["kept"]
        r = self.raw(gw, "GET", f"/{kept['bucket']}/{kept['key']}")
        self.assertEqual((r.status, ET.fromstring(r.body).findtext("Code")), (403, "AccessDenied"))

    def test_iam_path_style(self):
        gw = self.start_gateway(IAM_CONFIG)
        out = self.run_script(gw, "path", iam=True)
        self.assert_addressing(out, "path")
        self.assert_iam_enforced(gw, out)

    def test_iam_virtual_hosted_style(self):
        gw = self.start_gateway(IAM_CONFIG)
        out = self.run_script(gw, "virtual", iam=True)
        self.assert_addressing(out, "virtual")
        self.assert_iam_enforced(gw, out)

    def test_iam_wrong_secret_from_the_start(self):
        # The script's very first call (ListBuckets) fails: SignatureDoesNotMatch, exit 1.
        gw = self.start_gateway(IAM_CONFIG)
        p = subprocess.run([node_command(), str(SCRIPT), f"http://127.0.0.1:{gw.services_port}",
                            "path", ACCESS_KEY, SECRET + "x", "--iam"],
                           capture_output=True, text=True, timeout=60, cwd=str(SDK_JS_DIR),
                           env=sdk_environment(), stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("FAIL ListBuckets before: unexpected SignatureDoesNotMatch (403)", p.stderr)


if __name__ == "__main__":
    unittest.main()
