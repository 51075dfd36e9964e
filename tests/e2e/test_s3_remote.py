"""S3 remote mode, end to end: `s3.endpoint` sends the services endpoint's S3 API (and `type: s3`
route integrations) to a real S3-compatible endpoint, SigV4-signed for service `s3`.

The remotes are a second Gatehouse with local buckets and `iam.enforce: true`, which checks the
signature (S3's rules: path as sent, x-amz-content-sha256), and s3rver (npm, pinned in
tests/e2e/s3rver; it checks the access key id but not SigV4 signatures). What the front gateway
wrote is read back from the remote directly with boto3, so a proxy that kept data to itself
cannot pass.

Covered: boto3 (path style) through the front lands in the remote's buckets (create, put with
metadata, get, ranges, list, copy, delete, DeleteObjects, multipart); virtual-hosted requests
to the front; an aws-chunked upload decoded and its trailing checksum forwarded; the remote's
SignatureDoesNotMatch / InvalidAccessKeyId for wrong credentials passed through; the front's own
IAM check before forwarding; https with caFile; a dead and a silent endpoint giving S3's XML
503 naming the endpoint; `servicesEndpoint: local`; config errors with line:col.

Large objects (LargeObjectTest): with maxBodyBytes at 1 MB, 40 MB objects (boto3 and an
aws-chunked body), multipart parts of 6 MB and a ranged GET pass through the front both ways,
byte for byte, while the front's peak RSS grows by a small fraction of the object size (the
bodies are spooled to temporary files, never held); a wrong remote secret on a large upload is
still the remote's SignatureDoesNotMatch; a remote that stalls mid-answer is a 503."""

import debian_python

debian_python.require("boto3")

import base64
import hashlib
import os
import socket
import subprocess
import threading
import time
import unittest
import xml.etree.ElementTree as ET
import zlib

import boto3
import botocore.config
import botocore.exceptions

from harness import (SOURCE_DIR, Gateway, free_port, make_self_signed_cert, request, run_cli,
                     wait_until)
from lambda_support import listeners_yaml
from test_dynamodb_remote import SilentServer, client_error

S3RVER_DIR = SOURCE_DIR / "tests" / "e2e" / "s3rver"
S3RVER_CLI = S3RVER_DIR / "node_modules" / "s3rver" / "bin" / "s3rver.js"

LISTENERS = listeners_yaml()
MB = 1024 * 1024

APIS = """\
apis:
  - id: web
    protocol: HTTP
    routes: {"GET /": {integration: {type: mock}}}
"""

KEY, SECRET = "AKIAREMOTES3000001", "remote-secret"


def remote_section(endpoint, key=KEY, secret=SECRET, extra=""):
    return f"""\
s3:
  dataDir: front-buckets
  endpoint: {endpoint}
  region: us-east-1
  credentials: {{accessKeyId: "{key}", secretAccessKey: "{secret}"}}
{extra}"""


def s3(endpoint, key=KEY, secret=SECRET, verify=None):
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", verify=verify,
        aws_access_key_id=key, aws_secret_access_key=secret,
        config=botocore.config.Config(s3={"addressing_style": "path"},
                                      retries={"total_max_attempts": 1}))


def xml_error(response):
    doc = ET.fromstring(response.body)
    return doc.findtext("Code"), doc.findtext("Message")


REMOTE_GATEHOUSE = LISTENERS.replace("  watchConfig", """\
    - {host: 127.0.0.1, port: 4443, serves: services, tls: {certFile: cert.pem, keyFile: key.pem}}
  watchConfig""") + f"""\
s3: {{dataDir: remote-buckets, fsync: false}}
iam:
  enforce: true
  credentials:
    - accessKeyId: {KEY}
      secretAccessKey: {SECRET}
      arn: arn:aws:iam::000000000000:user/front
      policies: [{{Version: "2012-10-17", Statement: [{{Effect: Allow, Action: "s3:*",
        Resource: "*"}}]}}]
""" + APIS


class SignedRemoteTest(unittest.TestCase):
    """A second Gatehouse (local buckets, iam.enforce) as the remote checks every signature."""

    @classmethod
    def setUpClass(cls):
        cls.remote_gw = Gateway(REMOTE_GATEHOUSE)
        cls.addClassCleanup(cls.remote_gw.close)
        cls.cert, _ = make_self_signed_cert(cls.remote_gw.dir)
        cls.remote_gw.start()
        cls.endpoint = f"http://127.0.0.1:{cls.remote_gw.services_port}"
        cls.https_endpoint = f"https://127.0.0.1:{cls.remote_gw.port(4443)}"
        cls.remote = s3(cls.endpoint)
        cls.gw = cls.front_gateway(cls.endpoint)
        cls.addClassCleanup(cls.gw.close)
        # Any credentials: without iam.enforce the front checks none, and re-signs.
        cls.front = s3(f"http://127.0.0.1:{cls.gw.services_port}", "ANYKEYATALL12345", "whatever")

    @classmethod
    def front_gateway(cls, endpoint, key=KEY, secret=SECRET, extra="", head=LISTENERS,
                      apis=APIS):
        gw = Gateway(head + remote_section(endpoint, key, secret, extra) + apis)
        gw.start()
        return gw

    def front_for(self, **kw):
        gw = self.front_gateway(kw.pop("endpoint", self.endpoint), **kw)
        self.addCleanup(gw.close)
        return gw

    def test_objects_land_in_the_remote_buckets(self):
        self.front.create_bucket(Bucket="landing")
        self.assertIn("landing", [b["Name"] for b in self.remote.list_buckets()["Buckets"]])
        body = b"hello remote " * 100
        put = self.front.put_object(Bucket="landing", Key="dir/a b+c.txt", Body=body,
                                    ContentType="text/plain", Metadata={"colour": "blue"})
        direct = self.remote.get_object(Bucket="landing", Key="dir/a b+c.txt")
        self.assertEqual(direct["Body"].read(), body)
        self.assertEqual(direct["ContentType"], "text/plain")
        self.assertEqual(direct["Metadata"], {"colour": "blue"})
        self.assertEqual(direct["ETag"], put["ETag"])
        self.assertEqual(direct["ETag"], '"' + hashlib.md5(body).hexdigest() + '"')
        # Written on the remote directly, read through the front (whole, a range, HEAD).
        self.remote.put_object(Bucket="landing", Key="dir/direct", Body=b"0123456789")
        got = self.front.get_object(Bucket="landing", Key="dir/direct", Range="bytes=2-4")
        self.assertEqual((got["Body"].read(), got["ContentRange"]), (b"234", "bytes 2-4/10"))
        self.assertEqual(self.front.head_object(Bucket="landing", Key="dir/direct")
                         ["ContentLength"], 10)
        listed = self.front.list_objects_v2(Bucket="landing", Prefix="dir/")
        self.assertEqual([o["Key"] for o in listed["Contents"]], ["dir/a b+c.txt", "dir/direct"])
        self.front.copy_object(Bucket="landing", Key="copy", CopySource="landing/dir/direct")
        self.assertEqual(self.remote.get_object(Bucket="landing", Key="copy")["Body"].read(),
                         b"0123456789")
        # The remote's own errors pass through as they are.
        code, _, status = client_error(self.front.get_object, Bucket="landing", Key="nope")
        self.assertEqual((code, status), ("NoSuchKey", 404))
        self.front.delete_object(Bucket="landing", Key="copy")
        deleted = self.front.delete_objects(Bucket="landing", Delete={"Objects": [
            {"Key": "dir/a b+c.txt"}, {"Key": "dir/direct"}]})
        self.assertEqual(len(deleted["Deleted"]), 2)
        self.assertEqual(self.remote.list_objects_v2(Bucket="landing")["KeyCount"], 0)
        self.front.delete_bucket(Bucket="landing")
        code, _, status = client_error(self.remote.head_bucket, Bucket="landing")
        self.assertEqual(status, 404)
        # The front's local store was never opened.
        self.assertFalse((self.gw.dir / "front-buckets").exists(), list(self.gw.dir.iterdir()))

    def test_object_tagging_is_forwarded(self):
        # ?tagging on an object: GetObjectTagging, PutObjectTagging (XML body) and
        # DeleteObjectTagging reach the remote, as does PutObject's x-amz-tagging.
        self.front.create_bucket(Bucket="tagged")
        self.front.put_object(Bucket="tagged", Key="k", Body=b"v", Tagging="a=1&b=2")
        self.assertEqual(self.remote.get_object_tagging(Bucket="tagged", Key="k")["TagSet"],
                         [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
        self.front.put_object_tagging(Bucket="tagged", Key="k",
                                      Tagging={"TagSet": [{"Key": "c", "Value": "3"}]})
        self.assertEqual(self.front.get_object_tagging(Bucket="tagged", Key="k")["TagSet"],
                         [{"Key": "c", "Value": "3"}])
        self.assertEqual(self.front.head_object(Bucket="tagged", Key="k")["ResponseMetadata"][
            "HTTPHeaders"]["x-amz-tagging-count"], "1")
        self.front.delete_object_tagging(Bucket="tagged", Key="k")
        self.assertEqual(self.remote.get_object_tagging(Bucket="tagged", Key="k")["TagSet"], [])
        self.front.delete_object(Bucket="tagged", Key="k")
        self.front.delete_bucket(Bucket="tagged")

    def test_multipart_upload(self):
        self.front.create_bucket(Bucket="parts")
        upload = self.front.create_multipart_upload(Bucket="parts", Key="big")["UploadId"]
        first, second = b"a" * (5 * MB), b"tail"
        etags = [self.front.upload_part(Bucket="parts", Key="big", UploadId=upload, PartNumber=n,
                                        Body=data)["ETag"]
                 for n, data in ((1, first), (2, second))]
        listed = self.front.list_parts(Bucket="parts", Key="big", UploadId=upload)
        self.assertEqual([p["PartNumber"] for p in listed["Parts"]], [1, 2])
        done = self.front.complete_multipart_upload(
            Bucket="parts", Key="big", UploadId=upload,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e}
                                       for n, e in enumerate(etags, 1)]})
        self.assertTrue(done["ETag"].endswith('-2"'), done["ETag"])
        got = self.remote.get_object(Bucket="parts", Key="big")["Body"].read()
        self.assertEqual(got, first + second)

    def test_route_integration_goes_to_the_remote(self):
        apis = """\
apis:
  - id: files
    protocol: HTTP
    routes:
      "ANY /files/{key+}": {integration: {type: s3, bucket: routed}}
      "GET /files": {integration: {type: s3, bucket: routed}}
"""
        gw = self.front_for(apis=apis)
        self.remote.create_bucket(Bucket="routed")
        r = request(gw.api_port, "PUT", "/files/docs/a.txt", body=b"through a route",
                    headers={"Content-Type": "text/plain"})
        self.assertEqual(r.status, 200, r.text)
        got = self.remote.get_object(Bucket="routed", Key="docs/a.txt")
        self.assertEqual((got["Body"].read(), got["ContentType"]),
                         (b"through a route", "text/plain"))
        self.remote.put_object(Bucket="routed", Key="docs/b.txt", Body=b"from the remote")
        r = request(gw.api_port, "GET", "/files/docs/b.txt")
        self.assertEqual((r.status, r.body), (200, b"from the remote"))
        r = request(gw.api_port, "GET", "/files?prefix=docs/")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual([o["key"] for o in r.json()["objects"]], ["docs/a.txt", "docs/b.txt"])
        self.assertEqual(request(gw.api_port, "GET", "/files/docs/none").status, 404)
        self.assertEqual(request(gw.api_port, "DELETE", "/files/docs/a.txt").status, 204)
        code, _, status = client_error(self.remote.head_object, Bucket="routed", Key="docs/a.txt")
        self.assertEqual(status, 404)
        # `gatehouse routes` names the backend.
        out = run_cli("routes", str(gw.config_path))
        self.assertIn(f"remote S3 endpoint {self.endpoint}", out.stdout + out.stderr)

    def test_virtual_hosted_request_to_the_front(self):
        self.remote.create_bucket(Bucket="vhost")
        port = self.gw.services_port
        r = request(port, "PUT", "/k", body=b"via host",
                    headers={"Host": f"vhost.s3.localhost:{port}"})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(self.remote.get_object(Bucket="vhost", Key="k")["Body"].read(),
                         b"via host")

    def test_aws_chunked_upload_is_decoded_and_its_checksum_forwarded(self):
        self.remote.create_bucket(Bucket="chunked")
        payload = b"hello, chunks"
        crc = base64.b64encode(zlib.crc32(payload).to_bytes(4, "big")).decode()
        body = (f"{len(payload):x}\r\n".encode() + payload + b"\r\n0\r\n" +
                f"x-amz-checksum-crc32:{crc}\r\n\r\n".encode())
        headers = {"x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                   "Content-Encoding": "aws-chunked",
                   "x-amz-decoded-content-length": str(len(payload)),
                   "x-amz-trailer": "x-amz-checksum-crc32"}
        r = request(self.gw.services_port, "PUT", "/chunked/obj", body=body, headers=headers)
        self.assertEqual(r.status, 200, r.text)
        got = self.remote.get_object(Bucket="chunked", Key="obj", ChecksumMode="ENABLED")
        self.assertEqual(got["Body"].read(), payload)
        self.assertEqual(got.get("ChecksumCRC32"), crc)
        self.assertNotIn("aws-chunked", got.get("ContentEncoding", ""))
        # A wrong trailing checksum reaches the remote, which refuses it.
        bad = body.replace(crc.encode(), b"AAAAAA==")
        r = request(self.gw.services_port, "PUT", "/chunked/bad", body=bad, headers=headers)
        self.assertEqual((r.status, xml_error(r)[0]), (400, "BadDigest"), r.text)

    def test_wrong_secret_is_the_remotes_signature_does_not_match(self):
        gw = self.front_for(secret="not-the-secret")
        front = s3(f"http://127.0.0.1:{gw.services_port}")
        code, _, status = client_error(front.list_buckets)
        self.assertEqual((code, status), ("SignatureDoesNotMatch", 403))
        r = request(gw.services_port, "GET", "/some-bucket/some-key")
        self.assertEqual((r.status, xml_error(r)[0]), (403, "SignatureDoesNotMatch"))
        self.assertNotIn("not-the-secret", r.text)

    def test_unknown_key_is_the_remotes_invalid_access_key_id(self):
        gw = self.front_for(key="AKIAUNKNOWNKEY0001")
        code, _, status = client_error(s3(f"http://127.0.0.1:{gw.services_port}").list_buckets)
        self.assertEqual((code, status), ("InvalidAccessKeyId", 403))

    def test_front_iam_check_runs_before_forwarding(self):
        iam = """\
iam:
  enforce: true
  credentials:
    - {accessKeyId: AKIAFRONTREADER001, secretAccessKey: reader-secret,
       arn: "arn:aws:iam::000000000000:user/reader",
       policies: [{Version: "2012-10-17", Statement: [{Effect: Allow,
         Action: ["s3:GetObject", "s3:PutObject", "s3:CreateBucket"], Resource: "*"}]}]}
"""
        gw = self.front_for(head=LISTENERS + iam)
        port = gw.services_port
        reader = s3(f"http://127.0.0.1:{port}", "AKIAFRONTREADER001", "reader-secret")
        reader.create_bucket(Bucket="guarded")
        reader.put_object(Bucket="guarded", Key="k", Body=b"v")
        self.assertEqual(reader.get_object(Bucket="guarded", Key="k")["Body"].read(), b"v")
        # A presigned URL is checked by the front; the remote gets header auth instead.
        presigner = boto3.client(
            "s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
            aws_access_key_id="AKIAFRONTREADER001", aws_secret_access_key="reader-secret",
            config=botocore.config.Config(signature_version="s3v4",
                                          s3={"addressing_style": "path"}))
        url = presigner.generate_presigned_url("get_object",
                                               Params={"Bucket": "guarded", "Key": "k"})
        self.assertIn("X-Amz-Signature=", url)
        r = request(port, "GET", url.split(f":{port}", 1)[1])
        self.assertEqual((r.status, r.body), (200, b"v"), r.text)
        # Denied by the front's policy: the remote never sees it.
        code, _, status = client_error(reader.delete_object, Bucket="guarded", Key="k")
        self.assertEqual((code, status), ("AccessDenied", 403))
        self.assertEqual(self.remote.get_object(Bucket="guarded", Key="k")["Body"].read(), b"v")
        # A sub-resource with its own IAM action is not checked as the plain read.
        code, _, status = client_error(reader.get_object_tagging, Bucket="guarded", Key="k")
        self.assertEqual((code, status), ("AccessDenied", 403))
        # s3:PutObjectTagging / s3:DeleteObjectTagging, not the plain write's s3:PutObject.
        code, _, status = client_error(reader.put_object_tagging, Bucket="guarded", Key="k",
                                       Tagging={"TagSet": [{"Key": "a", "Value": "1"}]})
        self.assertEqual((code, status), ("AccessDenied", 403))
        code, _, status = client_error(reader.delete_object_tagging, Bucket="guarded", Key="k")
        self.assertEqual((code, status), ("AccessDenied", 403))
        # The front checks its callers' signatures with its own credentials.
        code, _, status = client_error(
            s3(f"http://127.0.0.1:{port}", "AKIAFRONTREADER001", "wrong").get_object,
            Bucket="guarded", Key="k")
        self.assertEqual((code, status), ("SignatureDoesNotMatch", 403))

    def test_https_with_ca_file(self):
        gw = self.front_for(endpoint=self.https_endpoint, extra=f"  tls: {{caFile: {self.cert}}}\n")
        front = s3(f"http://127.0.0.1:{gw.services_port}")
        front.create_bucket(Bucket="over-tls")
        front.put_object(Bucket="over-tls", Key="k", Body=b"secure")
        self.assertEqual(self.remote.get_object(Bucket="over-tls", Key="k")["Body"].read(),
                         b"secure")
        # Without the CA: the system store does not know the self-signed certificate.
        gw = self.front_for(endpoint=self.https_endpoint)
        r = request(gw.services_port, "GET", "/over-tls/k")
        self.assertEqual(r.status, 500, r.text)
        code, message = xml_error(r)
        self.assertEqual(code, "InternalError")
        self.assertIn(f"remote S3 endpoint {self.https_endpoint} failed (tls)", message)


class DeadRemoteTest(unittest.TestCase):
    def start(self, endpoint, extra=""):
        gw = Gateway(LISTENERS + remote_section(endpoint, extra=extra) + APIS)
        self.addCleanup(gw.close)
        gw.start()
        return gw

    def test_dead_endpoint_is_a_clean_503_naming_it(self):
        endpoint = f"http://127.0.0.1:{free_port()}"
        gw = self.start(endpoint)
        r = request(gw.services_port, "GET", "/bucket/key")
        self.assertEqual(r.status, 503, r.text)
        self.assertEqual(r.header("Content-Type"), "application/xml")
        code, message = xml_error(r)
        self.assertEqual(code, "ServiceUnavailable")
        self.assertIn(f"remote S3 endpoint {endpoint} failed (connect)", message)
        self.assertNotIn(SECRET, r.text)
        self.assertNotIn(KEY, r.text)
        front = s3(f"http://127.0.0.1:{gw.services_port}")
        code, message, status = client_error(front.list_buckets)
        self.assertEqual((code, status), ("ServiceUnavailable", 503))
        self.assertIn(endpoint, message)
        head = request(gw.services_port, "HEAD", "/bucket/key")
        self.assertEqual((head.status, head.body), (503, b""))

    def test_body_over_the_limit_is_s3s_entity_too_large(self):
        # PutObject bodies stream (up to S3's 5 GiB): one announced larger is refused before
        # a byte of it is read.
        gw = self.start(f"http://127.0.0.1:{free_port()}")
        too_big = (5 << 30) + 1
        with socket.create_connection(("127.0.0.1", gw.services_port), timeout=10) as conn:
            conn.sendall(f"PUT /bucket/big HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         f"Content-Length: {too_big}\r\n\r\n".encode())
            answer = recv_until(conn, b"</Error>")
        self.assertTrue(answer.startswith(b"HTTP/1.1 400 "), answer)
        self.assertIn(b"<Code>EntityTooLarge</Code>", answer)
        self.assertIn(f"<ProposedSize>{too_big}</ProposedSize>".encode(), answer)
        # Bodies read whole (XML documents: DeleteObjects …) keep server.limits.maxBodyBytes.
        r = request(gw.services_port, "POST", "/bucket?delete", body=b"x" * (10 * MB + 1))
        self.assertEqual(r.status, 400, r.text)
        self.assertEqual(xml_error(r)[0], "EntityTooLarge")

    def test_unusable_temporary_directory_is_a_clear_500(self):
        # Uploads are spooled to $TMPDIR before they are sent: without one, S3's InternalError
        # says why, before the body is read (the remote is never called).
        gw = Gateway(LISTENERS + remote_section(f"http://127.0.0.1:{free_port()}") + APIS,
                     env={"TMPDIR": "/nonexistent/gatehouse-spool"})
        self.addCleanup(gw.close)
        gw.start()
        r = request(gw.services_port, "PUT", "/bucket/k", body=b"x" * MB)
        self.assertEqual(r.status, 500, r.text)
        code, message = xml_error(r)
        self.assertEqual(code, "InternalError")
        self.assertIn("temporary directory: No such file or directory", message)

    def test_remote_stalling_mid_answer_is_a_503(self):
        stalling = StallingServer()
        self.addCleanup(stalling.close)
        endpoint = f"http://127.0.0.1:{stalling.port}"
        gw = self.start(endpoint, extra="  timeoutInMillis: 1000\n")
        started = time.monotonic()
        r = request(gw.services_port, "GET", "/b/k", timeout=30)
        self.assertEqual(r.status, 503, r.text)
        code, message = xml_error(r)
        self.assertEqual(code, "ServiceUnavailable")
        self.assertIn(f"remote S3 endpoint {endpoint} failed (timeout)", message)
        self.assertLess(time.monotonic() - started, 10)
        # The front gave up on that connection: it was closed, not kept for another request.
        self.assertTrue(stalling.closed.wait(10))

    def test_silent_endpoint_times_out(self):
        silent = SilentServer()
        self.addCleanup(silent.close)
        endpoint = f"http://127.0.0.1:{silent.port}"
        gw = self.start(endpoint, extra="  timeoutInMillis: 1500\n")
        answers = []
        waiting = threading.Thread(
            target=lambda: answers.append(request(gw.services_port, "GET", "/b/k")))
        started = time.monotonic()
        waiting.start()
        # While that request waits for the remote, the gateway answers others at once.
        self.assertIsInstance(gw.health(), dict)
        self.assertLess(time.monotonic() - started, 1.2)
        waiting.join(10)
        self.assertGreaterEqual(time.monotonic() - started, 1.4)
        r = answers[0]
        self.assertEqual(r.status, 503, r.text)
        self.assertIn(f"remote S3 endpoint {endpoint} failed (timeout)", xml_error(r)[1])

    def test_services_endpoint_local(self):
        gw = self.start(f"http://127.0.0.1:{free_port()}", extra="  servicesEndpoint: local\n")
        front = s3(f"http://127.0.0.1:{gw.services_port}")
        front.create_bucket(Bucket="here")
        front.put_object(Bucket="here", Key="k", Body=b"local")
        self.assertEqual([b["Name"] for b in front.list_buckets()["Buckets"]], ["here"])
        self.assertTrue((gw.dir / "front-buckets" / "here").is_dir(), list(gw.dir.iterdir()))


def recv_until(conn, marker):
    """What `conn` sends until `marker` has arrived (or the connection ends)."""
    got = b""
    while marker not in got:
        piece = conn.recv(65536)
        if not piece:
            break
        got += piece
    return got


class StallingServer:
    """Answers a GET with a head announcing 8 MB, sends 2 MB of it, then nothing: a remote that
    stalls mid-body. `closed` is set when the client closes the connection."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.closed = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            if b"\r\n\r\n" not in recv_until(conn, b"\r\n\r\n"):
                return
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (8 * MB) +
                         b"s" * (2 * MB))
            conn.settimeout(20)
            try:
                while conn.recv(65536):
                    pass
            except OSError:
                pass
            self.closed.set()

    def close(self):
        self.sock.close()


def peak_rss(pid):
    """The process's peak resident set (VmHWM), in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def aws_chunked(payload, chunk=64 * 1024):
    """`payload` in unsigned aws-chunked framing with a trailing CRC32."""
    crc = base64.b64encode(zlib.crc32(payload).to_bytes(4, "big")).decode()
    out = bytearray()
    for at in range(0, len(payload), chunk):
        piece = payload[at:at + chunk]
        out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    out += b"0\r\n" + f"x-amz-checksum-crc32:{crc}\r\n\r\n".encode()
    return bytes(out), crc


class LargeObjectTest(unittest.TestCase):
    """Objects far over server.limits.maxBodyBytes (1 MB here) through the front, both ways."""

    SIZE = 40 * MB

    @classmethod
    def setUpClass(cls):
        cls.remote_gw = Gateway(REMOTE_GATEHOUSE)
        cls.addClassCleanup(cls.remote_gw.close)
        make_self_signed_cert(cls.remote_gw.dir)
        cls.remote_gw.start()
        cls.endpoint = f"http://127.0.0.1:{cls.remote_gw.services_port}"
        cls.remote = s3(cls.endpoint)
        cls.head = listeners_yaml("  limits: {maxBodyBytes: 1048576}\n")
        cls.gw = Gateway(cls.head + remote_section(cls.endpoint) + APIS)
        cls.addClassCleanup(cls.gw.close)
        # The front's spool files go here: nothing may be left in it.
        cls.tmp = cls.gw.dir / "tmp"
        cls.tmp.mkdir()
        cls.gw.env["TMPDIR"] = str(cls.tmp)
        cls.gw.start()
        cls.front = s3(f"http://127.0.0.1:{cls.gw.services_port}")
        cls.front.create_bucket(Bucket="large")

    def test_large_objects_pass_with_flat_memory(self):
        body = os.urandom(self.SIZE)
        digest = hashlib.sha256(body).hexdigest()
        # Warm the front up with a small round trip, then measure the peak around large ones.
        self.front.put_object(Bucket="large", Key="small", Body=b"warm")
        self.front.get_object(Bucket="large", Key="small")["Body"].read()
        before = peak_rss(self.gw.proc.pid)

        # boto3's PutObject: lands on the remote whole.
        put = self.front.put_object(Bucket="large", Key="boto", Body=body)
        self.assertEqual(put["ETag"], '"' + hashlib.md5(body).hexdigest() + '"')
        direct = self.remote.get_object(Bucket="large", Key="boto")["Body"].read()
        self.assertEqual(hashlib.sha256(direct).hexdigest(), digest)
        del direct
        # An aws-chunked body (the SDKs' streaming uploads), decoded on its way.
        framed, crc = aws_chunked(body)
        r = request(self.gw.services_port, "PUT", "/large/chunked", body=framed, timeout=120,
                    headers={"x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                             "Content-Encoding": "aws-chunked",
                             "x-amz-decoded-content-length": str(len(body)),
                             "x-amz-trailer": "x-amz-checksum-crc32"})
        self.assertEqual(r.status, 200, r.text)
        del framed
        got = self.remote.get_object(Bucket="large", Key="chunked", ChecksumMode="ENABLED")
        self.assertEqual(got.get("ChecksumCRC32"), crc)
        self.assertEqual(hashlib.sha256(got["Body"].read()).hexdigest(), digest)

        # Read back through the front: whole, and a range far into it.
        got = self.front.get_object(Bucket="large", Key="boto")
        self.assertEqual(got["ContentLength"], self.SIZE)
        self.assertEqual(hashlib.sha256(got["Body"].read()).hexdigest(), digest)
        got = self.front.get_object(Bucket="large", Key="chunked", Range="bytes=1000-5000999")
        self.assertEqual(got["ContentRange"], f"bytes 1000-5000999/{self.SIZE}")
        self.assertEqual(got["Body"].read(), body[1000:5001000])
        self.assertEqual(self.front.head_object(Bucket="large", Key="boto")["ContentLength"],
                         self.SIZE)

        # Multipart, each part over the limit.
        parts = [body[:6 * MB], body[6 * MB:12 * MB], body[12 * MB:13 * MB]]
        upload = self.front.create_multipart_upload(Bucket="large", Key="multi")["UploadId"]
        etags = [self.front.upload_part(Bucket="large", Key="multi", UploadId=upload,
                                        PartNumber=n, Body=data)["ETag"]
                 for n, data in enumerate(parts, 1)]
        self.front.complete_multipart_upload(
            Bucket="large", Key="multi", UploadId=upload,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e}
                                       for n, e in enumerate(etags, 1)]})
        got = self.front.get_object(Bucket="large", Key="multi")["Body"].read()
        self.assertEqual(got, body[:13 * MB])
        del got

        # The front's memory: its peak grew by a small fraction of one object, not by objects.
        after = peak_rss(self.gw.proc.pid)
        growth = after - before
        print(f"\nfront peak RSS {before / MB:.1f} MiB -> {after / MB:.1f} MiB "
              f"(+{growth / MB:.1f} MiB) around {self.SIZE // MB} MiB objects")
        self.assertLess(growth, self.SIZE // 4, (before, after))
        # Nothing is left in the front's temporary directory, and its store never opened.
        self.assertEqual(list(self.tmp.iterdir()), [])
        self.assertFalse((self.gw.dir / "front-buckets").exists())

    def test_wrong_secret_on_a_large_upload_is_signature_does_not_match(self):
        gw = Gateway(self.head + remote_section(self.endpoint, secret="not-the-secret") + APIS)
        self.addCleanup(gw.close)
        gw.start()
        front = s3(f"http://127.0.0.1:{gw.services_port}")
        started = time.monotonic()
        code, _, status = client_error(front.put_object, Bucket="large", Key="denied",
                                       Body=b"d" * (24 * MB))
        self.assertEqual((code, status), ("SignatureDoesNotMatch", 403))
        self.assertLess(time.monotonic() - started, 30)
        code, _, status = client_error(self.remote.head_object, Bucket="large", Key="denied")
        self.assertEqual(status, 404)


class S3rver:
    """s3rver on a free loopback port with a fresh data directory, for one test class."""

    def __init__(self, directory):
        if not S3RVER_CLI.exists():
            # As scripts/install-test-deps.sh installs it: the pinned lock file.
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                           cwd=S3RVER_DIR, check=True, timeout=300)
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["node", str(S3RVER_CLI), "-d", str(directory), "-a", "127.0.0.1",
             "-p", str(self.port), "--silent"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.endpoint = f"http://127.0.0.1:{self.port}"
        # s3rver's only account.
        self.client = s3(self.endpoint, "S3RVER", "S3RVER")

        def answering():
            try:
                return self.client.list_buckets() is not None
            except botocore.exceptions.EndpointConnectionError:
                return False
        wait_until(answering, timeout=30, message="s3rver answering")

    def close(self):
        self.proc.kill()
        self.proc.wait(timeout=10)


class S3rverRemoteTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(LISTENERS)  # only for its temporary directory
        cls.addClassCleanup(cls.gw.close)
        cls.s3rver = S3rver(cls.gw.dir / "s3rver-data")
        cls.addClassCleanup(cls.s3rver.close)
        cls.remote = cls.s3rver.client
        cls.gw = Gateway(LISTENERS + remote_section(cls.s3rver.endpoint, "S3RVER", "S3RVER") +
                         APIS)
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()
        cls.front = s3(f"http://127.0.0.1:{cls.gw.services_port}")

    def test_objects_through_to_s3rver(self):
        self.front.create_bucket(Bucket="s3rver-bucket")
        self.assertIn("s3rver-bucket",
                      [b["Name"] for b in self.remote.list_buckets()["Buckets"]])
        self.front.put_object(Bucket="s3rver-bucket", Key="a/b c.txt", Body=b"to s3rver",
                              ContentType="text/plain", Metadata={"k": "v"})
        got = self.remote.get_object(Bucket="s3rver-bucket", Key="a/b c.txt")
        self.assertEqual((got["Body"].read(), got["ContentType"], got["Metadata"]),
                         (b"to s3rver", "text/plain", {"k": "v"}))
        self.remote.put_object(Bucket="s3rver-bucket", Key="a/direct", Body=b"from s3rver")
        self.assertEqual(self.front.get_object(Bucket="s3rver-bucket", Key="a/direct")
                         ["Body"].read(), b"from s3rver")
        listed = self.front.list_objects_v2(Bucket="s3rver-bucket", Prefix="a/")
        self.assertEqual([o["Key"] for o in listed["Contents"]], ["a/b c.txt", "a/direct"])
        self.front.delete_object(Bucket="s3rver-bucket", Key="a/direct")
        code, _, status = client_error(self.remote.head_object, Bucket="s3rver-bucket",
                                       Key="a/direct")
        self.assertEqual(status, 404)

    def test_multipart_through_to_s3rver(self):
        self.front.create_bucket(Bucket="s3rver-parts")
        upload = self.front.create_multipart_upload(Bucket="s3rver-parts", Key="m")["UploadId"]
        part = self.front.upload_part(Bucket="s3rver-parts", Key="m", UploadId=upload,
                                      PartNumber=1, Body=b"only part")
        self.front.complete_multipart_upload(
            Bucket="s3rver-parts", Key="m", UploadId=upload,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
        self.assertEqual(self.remote.get_object(Bucket="s3rver-parts", Key="m")["Body"].read(),
                         b"only part")

    def test_unknown_access_key_refused_by_s3rver(self):
        gw = Gateway(LISTENERS + remote_section(self.s3rver.endpoint, "NOTS3RVER", "x") + APIS)
        self.addCleanup(gw.close)
        gw.start()
        code, _, status = client_error(s3(f"http://127.0.0.1:{gw.services_port}").list_buckets)
        self.assertEqual((code, status), ("InvalidAccessKeyId", 403))


class ConfigErrorTest(unittest.TestCase):
    def validate(self, s3_section):
        gw = Gateway(LISTENERS + s3_section + APIS)
        self.addCleanup(gw.close)
        gw.config_path.write_text(gw.render(LISTENERS + s3_section + APIS))
        out = run_cli("validate", str(gw.config_path))
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        return out.stdout + out.stderr

    def test_errors_with_line_and_col(self):
        # The keys shared with dynamodb.endpoint are parsed by the same code (its test covers
        # them); here what is S3's own, and the section's name in the shared messages.
        out = self.validate("s3:\n  forcePathStyle: true\n  region: eu-west-1\n")
        self.assertRegex(out, r":8:19: .*s3\.forcePathStyle.*only meaningful with s3.endpoint")
        self.assertRegex(out, r":9:11: .*s3\.region.*only meaningful with s3.endpoint")
        out = self.validate("s3:\n  endpoint: http://127.0.0.1:1\n  forcePathStyle: maybe\n")
        self.assertRegex(out, r":8:13: .*needs s3.credentials")
        self.assertRegex(out, r":9:19: .*s3\.forcePathStyle")

    def test_declared_bucket_names_are_checked(self):
        out = self.validate("s3:\n  buckets: [good-name, Bad_Name]\n")
        self.assertRegex(out, r":8:12: .*s3\.buckets.*'Bad_Name' is not a valid bucket name")

if __name__ == "__main__":
    unittest.main()
