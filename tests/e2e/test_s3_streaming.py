"""S3 bodies that stream: PutObject and UploadPart bodies go to disk as they arrive and GetObject
bodies are read from disk while they are sent, so an object of any size (up to S3's 5 GiB per
PUT) goes through with flat memory, whatever server.limits.maxBodyBytes says (it still bounds
every other body). Also: what happens to an upload cut off mid-body, a refused upload that is
never read, the signed payload hash checked at the end of a streamed body, and a slow upload
not holding up other clients.

The 1 GB round trip is driven by raw http.client (a generator body, read back in pieces) so
the test itself stays small; the gateway's peak RSS (VmHWM) is the memory measure."""

import debian_python

debian_python.require("boto3")

import base64
import hashlib
import hmac
import http.client
import io
import json
import os
import socket
import subprocess
import time
import unittest
import xml.etree.ElementTree as ET
import zlib

from botocore.exceptions import ClientError

from harness import SOURCE_DIR, GatewayTestCase, RawClient, request
from lambda_support import listeners_yaml
from test_s3 import MB, client

# maxBodyBytes 1 MB: every streamed body below is far over it.
CONFIG = listeners_yaml("  limits: {maxBodyBytes: 1048576}\n") + """\
s3: {dataDir: buckets, fsync: false}
apis:
  - id: web
    protocol: HTTP
    routes: {"GET /": {integration: {type: mock}}}
"""
IAM_CONFIG = CONFIG + """\
iam:
  enforce: true
  credentials:
    - accessKeyId: AKIASTREAMWRITER001
      secretAccessKey: writer-secret
      arn: arn:aws:iam::000000000000:user/writer
      policies: [{Version: "2012-10-17", Statement: [
        {Effect: Allow, Action: "s3:*", Resource: "*"}]}]
    - accessKeyId: AKIASTREAMREADER001
      secretAccessKey: reader-secret
      arn: arn:aws:iam::000000000000:user/reader
      policies: [{Version: "2012-10-17", Statement: [
        {Effect: Allow, Action: "s3:GetObject", Resource: "*"}]}]
"""
SDK_JS_DIR = SOURCE_DIR / "tests" / "e2e" / "sdk-js"


# ---------------------------------------------------------------------------------------------
# Signed aws-chunked uploads (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]), signed here from the
# SigV4 documents (sigv4-streaming, sigv4-streaming-trailers) with hashlib and hmac alone: no
# client library sends them over plain HTTP, and the signer must not be the gateway's own.

def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _sha256(data) -> str:
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()


def signed_chunked_put(port: int, path: str, key_id: str, secret: str, chunks: list,
                       trailer_crc32: bool = False, tamper_chunk: int = -1):
    """PUTs `chunks` as an aws-chunked body whose every chunk is signed (and, with
    trailer_crc32, a signed trailing x-amz-checksum-crc32). tamper_chunk: the index of a chunk
    whose data is changed after signing. Returns (status, body)."""
    now = time.gmtime()
    amz_date, day = time.strftime("%Y%m%dT%H%M%SZ", now), time.strftime("%Y%m%d", now)
    scope = f"{day}/us-east-1/s3/aws4_request"
    mode = ("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" if trailer_crc32
            else "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    data = b"".join(chunks)
    headers = {"content-encoding": "aws-chunked", "host": f"127.0.0.1:{port}",
               "x-amz-content-sha256": mode, "x-amz-date": amz_date,
               "x-amz-decoded-content-length": str(len(data))}
    if trailer_crc32:
        headers["x-amz-trailer"] = "x-amz-checksum-crc32"
    names = sorted(headers)
    canonical = "\n".join(["PUT", path, ""] + [f"{n}:{headers[n]}" for n in names] +
                          ["", ";".join(names), mode])
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret).encode(), day), "us-east-1"), "s3"),
                "aws4_request")
    seed = hmac.new(key, f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{_sha256(canonical)}".encode(),
                    hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, "
                                f"SignedHeaders={';'.join(names)}, Signature={seed}")
    body, previous = b"", seed
    for i, chunk in enumerate(list(chunks) + [b""]):
        sts = (f"AWS4-HMAC-SHA256-PAYLOAD\n{amz_date}\n{scope}\n{previous}\n{_sha256(b'')}\n"
               f"{_sha256(chunk)}")
        previous = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        sent = bytes([chunk[0] ^ 0xFF]) + chunk[1:] if i == tamper_chunk else chunk
        body += f"{len(chunk):x};chunk-signature={previous}\r\n".encode() + sent
        if chunk or not trailer_crc32:
            body += b"\r\n"
    if trailer_crc32:
        crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
        trailer = f"x-amz-checksum-crc32:{crc}\n"
        sts = f"AWS4-HMAC-SHA256-TRAILER\n{amz_date}\n{scope}\n{previous}\n{_sha256(trailer)}"
        signature = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        body += (trailer.replace("\n", "\r\n") +
                 f"x-amz-trailer-signature:{signature}\r\n\r\n").encode()
    headers["content-length"] = str(len(body))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest("PUT", path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def peak_rss_mb(gw) -> float:
    """The gateway's peak resident set (VmHWM) in MiB."""
    with open(f"/proc/{gw.proc.pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def blocks(total: int, block: int = MB):
    """`total` bytes of varied content, `block` bytes at a time (each block numbered, so a
    misplaced block changes the digest)."""
    base = hashlib.sha256(b"gatehouse").digest() * (block // 32)
    n = 0
    sent = 0
    while sent < total:
        piece = (n.to_bytes(8, "big") + base)[:min(block, total - sent)]
        yield piece
        sent += len(piece)
        n += 1


def temp_files(gw, bucket):
    tmp = gw.dir / "buckets" / bucket / "tmp"
    return sorted(os.listdir(tmp)) if tmp.is_dir() else []


class S3StreamingTest(GatewayTestCase):
    def setUp(self):
        self.gw = self.start_gateway(CONFIG)
        self.s3 = client(self.gw)
        self.s3.create_bucket(Bucket="big")

    def test_one_gigabyte_round_trip_with_flat_memory(self):
        size = 1024 * MB
        before = peak_rss_mb(self.gw)
        md5 = hashlib.md5()
        conn = http.client.HTTPConnection("127.0.0.1", self.gw.services_port, timeout=120)

        def body():
            for piece in blocks(size):
                md5.update(piece)
                yield piece

        conn.request("PUT", "/big/one-gig.bin", body=body(),
                     headers={"Content-Length": str(size), "Content-Type": "video/mp4"})
        r = conn.getresponse()
        self.assertEqual(r.status, 200, r.read())
        r.read()
        self.assertEqual(r.getheader("ETag"), f'"{md5.hexdigest()}"')
        after_put = peak_rss_mb(self.gw)

        conn.request("GET", "/big/one-gig.bin")
        r = conn.getresponse()
        self.assertEqual((r.status, r.getheader("Content-Length"), r.getheader("Content-Type")),
                         (200, str(size), "video/mp4"))
        got = hashlib.md5()
        n = 0
        while chunk := r.read(4 * MB):
            got.update(chunk)
            n += len(chunk)
        conn.close()
        self.assertEqual((n, got.hexdigest()), (size, md5.hexdigest()))
        after_get = peak_rss_mb(self.gw)
        # Held in memory, the body alone would be 1024 MiB. Streamed, the gateway grows by its
        # buffers only.
        print(f"\npeak RSS: start {before:.0f} MiB, after PUT {after_put:.0f}, "
              f"after GET {after_get:.0f}")
        self.assertLess(after_get - before, 64, (before, after_put, after_get))
        # A ranged read deep inside the object.
        r = request(self.gw.services_port, "GET", "/big/one-gig.bin",
                    headers={"Range": f"bytes={700 * MB}-{700 * MB + 15}"})
        expected = b"".join(blocks(701 * MB))[700 * MB:700 * MB + 16]
        self.assertEqual((r.status, r.body), (206, expected))

    def test_boto3_put_over_max_body_bytes(self):
        data = bytes(range(256)) * (12 * MB // 256)
        put = self.s3.put_object(Bucket="big", Key="twelve", Body=data)
        self.assertEqual(put["ETag"], f'"{hashlib.md5(data).hexdigest()}"')
        self.assertEqual(self.s3.get_object(Bucket="big", Key="twelve")["Body"].read(), data)
        # Multipart parts stream too: two parts of 6 MB each, over maxBodyBytes.
        up = self.s3.create_multipart_upload(Bucket="big", Key="parts")["UploadId"]
        etags = [self.s3.upload_part(Bucket="big", Key="parts", UploadId=up, PartNumber=i + 1,
                                     Body=data[i * 6 * MB:(i + 1) * 6 * MB])["ETag"]
                 for i in range(2)]
        self.s3.complete_multipart_upload(
            Bucket="big", Key="parts", UploadId=up,
            MultipartUpload={"Parts": [{"PartNumber": i + 1, "ETag": e}
                                       for i, e in enumerate(etags)]})
        self.assertEqual(self.s3.get_object(Bucket="big", Key="parts")["Body"].read(), data)

    def test_js_sdk_streams_a_large_aws_chunked_upload(self):
        # The JS SDK sends a stream body as aws-chunked with a CRC32 trailer; 24 MB of it.
        p = subprocess.run(["node", str(SDK_JS_DIR / "s3_large.mjs"),
                            f"http://127.0.0.1:{self.gw.services_port}", "big", str(24 * MB)],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual((out["roundTrip"], out["length"]), (True, 24 * MB))
        self.assertEqual(out["putETag"], f'"{out["md5"]}"')
        self.assertEqual(out["getETag"], out["putETag"])
        self.assertEqual(out["putChecksum"], out["crc32"])

    def test_cut_off_upload_leaves_nothing(self):
        self.s3.put_object(Bucket="big", Key="kept", Body=b"old content")
        for key in ("new", "kept"):
            sock = socket.create_connection(("127.0.0.1", self.gw.services_port))
            sock.sendall(f"PUT /big/{key} HTTP/1.1\r\nHost: x\r\nContent-Length: {20 * MB}\r\n\r\n"
                         .encode() + b"y" * (5 * MB))
            time.sleep(0.3)
            sock.close()
        # The writer's temporary file goes when the connection does.
        deadline = time.time() + 5
        while temp_files(self.gw, "big") and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(temp_files(self.gw, "big"), [])
        self.assertEqual(self.s3.get_object(Bucket="big", Key="kept")["Body"].read(),
                         b"old content")
        with self.assertRaises(ClientError) as raised:
            self.s3.head_object(Bucket="big", Key="new")
        self.assertEqual(raised.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        keys = [o["Key"] for o in self.s3.list_objects_v2(Bucket="big").get("Contents", [])]
        self.assertEqual(keys, ["kept"])

    def test_refused_upload_is_answered_before_its_body(self):
        # No such bucket: the answer comes after the head, without a 100 Continue and without
        # reading the 100 MB the client announced; then the connection closes.
        raw = RawClient(self.gw.services_port, timeout=5)
        raw.send(f"PUT /nobucket/k HTTP/1.1\r\nHost: x\r\nContent-Length: {100 * MB}\r\n"
                 "Expect: 100-continue\r\n\r\n")
        r = raw.read_response()
        raw.close()
        # The first response is the answer: no 100 Continue came before it.
        self.assertEqual((r.status, r.header("Connection")), (404, "close"))
        self.assertEqual(ET.fromstring(r.body).findtext("Code"), "NoSuchBucket")

    def test_over_five_gib_is_entity_too_large(self):
        raw = RawClient(self.gw.services_port, timeout=5)
        raw.send(b"PUT /big/huge HTTP/1.1\r\nHost: x\r\nContent-Length: 5368709121\r\n\r\n")
        r = raw.read_response()
        raw.close()
        doc = ET.fromstring(r.body)
        self.assertEqual(r.status, 400)
        self.assertEqual((doc.findtext("Code"), doc.findtext("ProposedSize"),
                          doc.findtext("MaxSizeAllowed")),
                         ("EntityTooLarge", "5368709121", "5368709120"))

    def test_other_bodies_keep_max_body_bytes(self):
        # DeleteObjects is read whole: maxBodyBytes (1 MB) bounds it, in S3's words.
        r = request(self.gw.services_port, "POST", "/big?delete", body=b"<Delete>" + b" " * MB)
        doc = ET.fromstring(r.body)
        self.assertEqual((r.status, doc.findtext("Code"), doc.findtext("MaxSizeAllowed")),
                         (400, "EntityTooLarge", "1048576"))
        # DynamoDB's own limit is 16 MiB (test_dynamodb): 2 MB of bad JSON is read and refused
        # in DynamoDB's words, not by maxBodyBytes.
        r = request(self.gw.services_port, "POST", "/", body=b"{}" * MB,
                    headers={"X-Amz-Target": "DynamoDB_20120810.ListTables"})
        self.assertEqual((r.status, json.loads(r.body)["__type"]),
                         (400, "com.amazon.coral.service#SerializationException"))

    def test_slow_upload_does_not_hold_up_others(self):
        self.s3.put_object(Bucket="big", Key="small", Body=b"quick")
        sock = socket.create_connection(("127.0.0.1", self.gw.services_port), timeout=10)
        sock.sendall(f"PUT /big/slow HTTP/1.1\r\nHost: x\r\nContent-Length: {2 * MB}\r\n\r\n"
                     .encode() + b"z" * MB)
        started = time.time()
        for _ in range(20):
            r = request(self.gw.services_port, "GET", "/big/small")
            self.assertEqual(r.body, b"quick")
        self.assertLess(time.time() - started, 5)
        sock.sendall(b"z" * MB)
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        sock.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 200 "), data)
        self.assertEqual(self.s3.get_object(Bucket="big", Key="slow")["Body"].read(),
                         b"z" * (2 * MB))

    def test_large_ranges_and_a_reader_that_pauses(self):
        # Bodies over 256 KiB go out with sendfile from the object's file: ranges start at
        # their offset in the file, and a client that stops reading (the socket buffer fills,
        # sendfile would block) neither stalls other clients nor loses a byte when it resumes.
        data = b"".join(blocks(12 * MB, 4096))
        self.s3.put_object(Bucket="big", Key="twelve", Body=data)
        for first, last in ((1, 9 * MB + 7), (5 * MB - 3, 12 * MB - 1), (0, 300 * 1024)):
            r = request(self.gw.services_port, "GET", "/big/twelve",
                        headers={"Range": f"bytes={first}-{last}"})
            self.assertEqual(r.status, 206)
            self.assertEqual(r.header("Content-Range"), f"bytes {first}-{last}/{12 * MB}")
            self.assertEqual(r.body, data[first:last + 1], (first, last))
        r = request(self.gw.services_port, "GET", "/big/twelve", headers={"Range": "bytes=-700000"})
        self.assertEqual((r.status, r.body), (206, data[-700000:]))

        paused = socket.create_connection(("127.0.0.1", self.gw.services_port), timeout=10)
        paused.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        paused.sendall(b"GET /big/twelve HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.3)  # the gateway fills the socket and waits
        started = time.time()
        for _ in range(5):
            self.assertEqual(self.s3.get_object(Bucket="big", Key="twelve")["Body"].read(), data)
        self.assertLess(time.time() - started, 10)
        got = b""
        while True:
            chunk = paused.recv(1 << 20)
            if not chunk:
                break
            got += chunk
            head, sep, body = got.partition(b"\r\n\r\n")
            if sep and len(body) >= 12 * MB:
                break
        paused.close()
        head, _, body = got.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200 "), head)
        self.assertIn(f"Content-Length: {12 * MB}".lower().encode(), head.lower())
        self.assertEqual(body, data)


class S3StreamingIamTest(GatewayTestCase):
    def test_streamed_bodies_under_iam(self):
        gw = self.start_gateway(IAM_CONFIG)
        writer = client(gw, "AKIASTREAMWRITER001", "writer-secret")
        reader = client(gw, "AKIASTREAMREADER001", "reader-secret")
        writer.create_bucket(Bucket="secure")
        data = os.urandom(3 * MB)
        # botocore signs the body's SHA-256 over plain HTTP; checked once the body has arrived.
        writer.put_object(Bucket="secure", Key="signed", Body=data)
        self.assertEqual(reader.get_object(Bucket="secure", Key="signed")["Body"].read(), data)
        # A denied upload is refused before its body.
        with self.assertRaises(ClientError) as raised:
            reader.put_object(Bucket="secure", Key="denied", Body=data)
        self.assertEqual(raised.exception.response["Error"]["Code"], "AccessDenied")

        # A body that does not match its signed hash: the signature verifies (the hash is
        # signed as stated), the body does not, and nothing is stored.
        def tamper(request, **_):
            body = request.body.read() if hasattr(request.body, "read") else request.body
            # Flip the first byte: a constant one left random data unchanged 1 time in 256.
            request.body = io.BytesIO(bytes([body[0] ^ 0xFF]) + body[1:])
        writer.meta.events.register_first("before-send.s3.PutObject", tamper)
        with self.assertRaises(ClientError) as raised:
            writer.put_object(Bucket="secure", Key="tampered", Body=data)
        err = raised.exception.response
        self.assertEqual((err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]),
                         ("XAmzContentSHA256Mismatch", 400))
        self.assertEqual(err["Error"].get("ClientComputedContentSHA256"),
                         hashlib.sha256(data).hexdigest())
        keys = [o["Key"] for o in writer.list_objects_v2(Bucket="secure")["Contents"]]
        self.assertEqual(keys, ["signed"])

    def test_signed_chunked_uploads_under_iam(self):
        gw = self.start_gateway(IAM_CONFIG)
        writer = client(gw, "AKIASTREAMWRITER001", "writer-secret")
        writer.create_bucket(Bucket="chunks")
        # 17 chunks of 64 KiB and a short last one: over maxBodyBytes (1 MB) in all.
        chunks = [os.urandom(64 * 1024) for _ in range(17)] + [os.urandom(1000)]
        data = b"".join(chunks)
        port, creds = gw.services_port, ("AKIASTREAMWRITER001", "writer-secret")
        for trailer in (False, True):
            path = f"/chunks/signed-{int(trailer)}"
            status, body = signed_chunked_put(port, path, *creds, chunks, trailer_crc32=trailer)
            self.assertEqual(status, 200, body)
            got = writer.get_object(Bucket="chunks", Key=path.rsplit("/", 1)[1])
            self.assertEqual(got["Body"].read(), data)  # decoded: no chunk framing stored
            self.assertEqual(got["ETag"], '"' + hashlib.md5(data).hexdigest() + '"')
        # A chunk changed after signing, a wrong secret: refused, and nothing is stored.
        for kw, key, secret in (({"tamper_chunk": 4}, *creds),
                                ({}, creds[0], "not-the-secret"),
                                ({"tamper_chunk": 17, "trailer_crc32": True}, *creds)):
            status, body = signed_chunked_put(port, "/chunks/refused", key, secret, chunks, **kw)
            code = ET.fromstring(body).findtext("Code")
            self.assertEqual((status, code), (403, "SignatureDoesNotMatch"), kw)
        keys = [o["Key"] for o in writer.list_objects_v2(Bucket="chunks")["Contents"]]
        self.assertEqual(keys, ["signed-0", "signed-1"])
        self.assertEqual(temp_files(gw, "chunks"), [])


if __name__ == "__main__":
    unittest.main()
