"""The S3 API on the services listener, end to end: the built gateway driven by boto3 (Debian's
python3-boto3, path-style addressing), raw HTTP for virtual-hosted addressing (`*.localhost`
does not resolve everywhere, so the Host header is set by hand) and for wire details.

Covered: ListBuckets / CreateBucket (with and without a configuration body) / HeadBucket /
DeleteBucket / GetBucketLocation; PutObject / GetObject (ranges, conditionals, response-*
overrides) / HeadObject / DeleteObject / DeleteObjects / CopyObject (COPY and REPLACE);
object tagging (x-amz-tagging, Get/Put/DeleteObjectTagging, x-amz-tagging-directive, S3's
limits and errors);
ListObjects and ListObjectsV2 (prefix, delimiter, pagination, start-after, encoding-type=url,
fetch-owner); multipart uploads; metadata, checksums, Content-MD5; awkward keys; S3's errors;
data surviving a restart; aws-chunked uploads. Bodies that stream and their limits:
test_s3_streaming.py.

Like test_dynamodb.py, the file re-runs itself with /usr/bin/python3 when the Python running the
tests lacks boto3 (debian_python.py)."""

import debian_python

debian_python.require("boto3")

import base64
import concurrent.futures
import contextlib
import datetime
import hashlib
import json
import os
import subprocess
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET
import zlib

import boto3
import botocore.config
from botocore.exceptions import ClientError

from harness import SOURCE_DIR, GatewayTestCase, request
from lambda_support import listeners_yaml

CONFIG = listeners_yaml() + """\
s3: {dataDir: buckets, fsync: false}
apis:
  - id: web
    protocol: HTTP
    routes: {"GET /": {integration: {type: mock}}}
"""

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
SDK_JS_DIR = SOURCE_DIR / "tests" / "e2e" / "sdk-js"
MB = 1024 * 1024


def client(gw, key="test", secret="test", **config):
    """boto3's S3 client for the gateway's services port, path-style; `config` adds
    botocore.config.Config options (signature_version="s3v4" for SigV4 presigned URLs)."""
    return boto3.client(
        "s3", endpoint_url=f"http://127.0.0.1:{gw.services_port}", region_name="us-east-1",
        aws_access_key_id=key, aws_secret_access_key=secret,
        config=botocore.config.Config(s3={"addressing_style": "path"},
                                      retries={"total_max_attempts": 1}, **config))


def content_md5(body: bytes) -> dict:
    return {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}


def md5_etag(data: bytes) -> str:
    return '"' + hashlib.md5(data).hexdigest() + '"'


class S3Test(GatewayTestCase):
    def setUp(self):
        self.gw = self.start_gateway(CONFIG)
        self.s3 = client(self.gw)

    def error(self, call, **kw):
        with self.assertRaises(ClientError) as raised:
            call(**kw)
        r = raised.exception.response
        return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]

    @contextlib.contextmanager
    def extra_headers(self, operation, headers):
        """Adds `headers` to the client's `operation` requests (Debian's boto3 1.26 predates
        PutObject's IfNoneMatch/IfMatch parameters)."""
        def add(request, **_):
            for name, value in headers.items():
                request.headers[name] = value
        event = f"before-sign.s3.{operation}"
        self.s3.meta.events.register(event, add)
        try:
            yield
        finally:
            self.s3.meta.events.unregister(event, add)

    def raw(self, method, path, body=None, headers=None, host=None):
        return self.raw_to(self.gw, method, path, body, headers, host)

    @staticmethod
    def raw_to(gw, method, path, body=None, headers=None, host=None):
        h = dict(headers or {})
        if host:
            h["Host"] = f"{host}:{gw.services_port}"
        return request(gw.services_port, method, path, body=body, headers=h)

    # ---------------------------------------------------------------------------- buckets

    def test_bucket_lifecycle(self):
        s3 = self.s3
        self.assertEqual(s3.list_buckets()["Buckets"], [])
        r = s3.create_bucket(Bucket="photos")
        self.assertEqual(r["Location"], "/photos")
        s3.create_bucket(Bucket="archive", CreateBucketConfiguration={
            "LocationConstraint": "eu-west-1"})
        listed = s3.list_buckets()
        self.assertEqual([b["Name"] for b in listed["Buckets"]], ["archive", "photos"])
        for b in listed["Buckets"]:
            age = datetime.datetime.now(datetime.timezone.utc) - b["CreationDate"]
            self.assertLess(abs(age.total_seconds()), 60)
        self.assertIn("ID", listed["Owner"])
        self.assertEqual(s3.head_bucket(Bucket="photos")["ResponseMetadata"]["HTTPStatusCode"],
                         200)
        self.assertIsNone(s3.get_bucket_location(Bucket="photos")["LocationConstraint"])
        self.assertEqual(self.error(s3.head_bucket, Bucket="nothere"), ("404", 404))
        self.assertEqual(self.error(s3.list_objects_v2, Bucket="nothere"), ("NoSuchBucket", 404))
        s3.put_object(Bucket="photos", Key="a", Body=b"x")
        self.assertEqual(self.error(s3.delete_bucket, Bucket="photos"), ("BucketNotEmpty", 409))
        s3.delete_object(Bucket="photos", Key="a")
        self.assertEqual(s3.delete_bucket(Bucket="photos")["ResponseMetadata"]["HTTPStatusCode"],
                         204)
        self.assertEqual([b["Name"] for b in s3.list_buckets()["Buckets"]], ["archive"])
        self.assertEqual(self.error(s3.delete_bucket, Bucket="photos"), ("NoSuchBucket", 404))
        self.assertEqual(self.error(s3.create_bucket, Bucket="Bad_Name"),
                         ("InvalidBucketName", 400))

    def test_create_existing_bucket(self):
        # S3 API Reference, BucketAlreadyOwnedByYou: us-east-1 answers 200 OK (legacy
        # compatibility), every other region 409. The bucket and its objects are kept.
        s3 = self.s3
        s3.create_bucket(Bucket="again")
        s3.put_object(Bucket="again", Key="kept", Body=b"still here")
        r = s3.create_bucket(Bucket="again")
        self.assertEqual((r["ResponseMetadata"]["HTTPStatusCode"], r["Location"]),
                         (200, "/again"))
        self.assertEqual(s3.get_object(Bucket="again", Key="kept")["Body"].read(), b"still here")
        gw = self.start_gateway(CONFIG + "aws: {region: eu-west-1}\n")
        eu = client(gw)
        eu.create_bucket(Bucket="again")
        eu.put_object(Bucket="again", Key="kept", Body=b"x")
        self.assertEqual(self.error(eu.create_bucket, Bucket="again"),
                         ("BucketAlreadyOwnedByYou", 409))
        r = self.raw_to(gw, "PUT", "/again")
        doc = ET.fromstring(r.body)
        self.assertEqual((r.status, doc.findtext("Code"), doc.findtext("BucketName")),
                         (409, "BucketAlreadyOwnedByYou", "again"))
        self.assertEqual(eu.get_object(Bucket="again", Key="kept")["Body"].read(), b"x")

    def test_error_documents_and_ids(self):
        self.s3.create_bucket(Bucket="docs")
        r = self.raw("GET", "/docs/missing%20key")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.header("Content-Type"), "application/xml")
        self.assertRegex(r.header("x-amz-request-id"), r"^[0-9A-F]{16}$")
        self.assertTrue(r.header("x-amz-id-2"))
        doc = ET.fromstring(r.body)
        self.assertEqual(doc.tag, "Error")
        self.assertEqual(doc.findtext("Code"), "NoSuchKey")
        self.assertEqual(doc.findtext("Message"), "The specified key does not exist.")
        self.assertEqual(doc.findtext("Key"), "missing key")
        self.assertEqual(doc.findtext("RequestId"), r.header("x-amz-request-id"))
        r = self.raw("GET", "/nobucket")
        doc = ET.fromstring(r.body)
        self.assertEqual((r.status, doc.findtext("Code"), doc.findtext("BucketName")),
                         (404, "NoSuchBucket", "nobucket"))
        # HEAD errors have no body; unimplemented sub-resources are 501; XML is checked.
        r = self.raw("HEAD", "/docs/missing")
        self.assertEqual((r.status, r.body), (404, b""))
        r = self.raw("GET", "/docs?acl")
        self.assertEqual((r.status, ET.fromstring(r.body).findtext("Code")),
                         (501, "NotImplemented"))
        for body in (b"<Delete><Object><Key>a</Key></Obj", b"<a>" * 100000):
            r = self.raw("POST", "/docs?delete", body=body, headers=content_md5(body))
            self.assertEqual((r.status, ET.fromstring(r.body).findtext("Code")),
                             (400, "MalformedXML"))
        r = self.raw("PATCH", "/docs/x")
        self.assertEqual(r.status, 405)
        # The other services keep their paths.
        self.assertEqual(self.raw("GET", "/_gatehouse/health").status, 200)

    # ---------------------------------------------------------------------------- objects

    def test_put_get_head_with_metadata(self):
        s3 = self.s3
        s3.create_bucket(Bucket="bkt")
        body = bytes(range(256)) * 1000 + b"\r\n\x00end"
        put = s3.put_object(Bucket="bkt", Key="dir/blob.bin", Body=body,
                            ContentType="application/x-test", ContentEncoding="identity",
                            ContentDisposition='attachment; filename="b.bin"',
                            ContentLanguage="en", CacheControl="max-age=60",
                            Expires=datetime.datetime(2030, 1, 2, 3, 4, 5,
                                                      tzinfo=datetime.timezone.utc),
                            Metadata={"Owner": "Ada", "x": "1 2"})
        self.assertEqual(put["ETag"], md5_etag(body))
        got = s3.get_object(Bucket="bkt", Key="dir/blob.bin")
        self.assertEqual(got["Body"].read(), body)
        self.assertEqual(got["ETag"], md5_etag(body))
        self.assertEqual(got["ContentLength"], len(body))
        self.assertEqual(got["ContentType"], "application/x-test")
        self.assertEqual(got["ContentEncoding"], "identity")
        self.assertEqual(got["ContentDisposition"], 'attachment; filename="b.bin"')
        self.assertEqual(got["ContentLanguage"], "en")
        self.assertEqual(got["CacheControl"], "max-age=60")
        self.assertEqual(got["Expires"], datetime.datetime(2030, 1, 2, 3, 4, 5,
                                                           tzinfo=datetime.timezone.utc))
        self.assertEqual(got["Metadata"], {"owner": "Ada", "x": "1 2"})
        self.assertEqual(got["AcceptRanges"], "bytes")
        age = datetime.datetime.now(datetime.timezone.utc) - got["LastModified"]
        self.assertLess(abs(age.total_seconds()), 60)
        head = s3.head_object(Bucket="bkt", Key="dir/blob.bin")
        self.assertEqual((head["ContentLength"], head["ETag"], head["Metadata"]),
                         (len(body), md5_etag(body), {"owner": "Ada", "x": "1 2"}))
        r = self.raw("GET", "/bkt/dir/blob.bin")
        self.assertRegex(r.header("Last-Modified"),
                         r"^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$")
        # Defaults: binary/octet-stream, an empty body.
        s3.put_object(Bucket="bkt", Key="empty")
        got = s3.get_object(Bucket="bkt", Key="empty")
        self.assertEqual((got["Body"].read(), got["ContentType"], got["ETag"]),
                         (b"", "binary/octet-stream", md5_etag(b"")))
        self.assertEqual(self.error(s3.get_object, Bucket="bkt", Key="nope"), ("NoSuchKey", 404))
        self.assertEqual(self.error(s3.head_object, Bucket="bkt", Key="nope"), ("404", 404))
        self.assertEqual(self.error(s3.put_object, Bucket="zz", Key="k", Body=b""),
                         ("NoSuchBucket", 404))
        # Overwrite, then delete (idempotent: 204 either way).
        s3.put_object(Bucket="bkt", Key="empty", Body=b"now")
        self.assertEqual(s3.get_object(Bucket="bkt", Key="empty")["Body"].read(), b"now")
        for _ in range(2):
            r = s3.delete_object(Bucket="bkt", Key="empty")
            self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertEqual(self.error(s3.get_object, Bucket="bkt", Key="empty"), ("NoSuchKey", 404))

    def test_awkward_keys_round_trip(self):
        s3 = self.s3
        s3.create_bucket(Bucket="keys")
        keys = ["héllo wörld/ünïcode ✓.txt", "a b+c%d&e=f?g#h", "../../etc/passwd", "..",
                "dir//double", "trailing/", "x" * 1024, "~tilde*star'quote\"(paren)",
                "bucket.meta", "objects/00/abc"]
        for i, k in enumerate(keys):
            s3.put_object(Bucket="keys", Key=k, Body=f"v{i}".encode())
        for i, k in enumerate(keys):
            self.assertEqual(s3.get_object(Bucket="keys", Key=k)["Body"].read(), f"v{i}".encode())
        listed = [o["Key"] for o in s3.list_objects_v2(Bucket="keys")["Contents"]]
        self.assertEqual(listed, sorted(keys, key=lambda k: k.encode()))
        # (botocore asks for encoding-type=url and decodes the keys itself.)
        listed = [o["Key"] for page in s3.get_paginator("list_objects").paginate(
            Bucket="keys", PaginationConfig={"PageSize": 3}) for o in page["Contents"]]
        self.assertEqual(listed, sorted(keys, key=lambda k: k.encode()))
        self.assertEqual(self.error(s3.put_object, Bucket="keys", Key="y" * 1025, Body=b""),
                         ("KeyTooLongError", 400))

    def test_ranges(self):
        s3 = self.s3
        s3.create_bucket(Bucket="rng")
        body = bytes(i % 251 for i in range(10000))
        s3.put_object(Bucket="rng", Key="k", Body=body)
        for header, first, last in (("bytes=0-9", 0, 9), ("bytes=9990-", 9990, 9999),
                                    ("bytes=-5", 9995, 9999), ("bytes=100-99999", 100, 9999)):
            got = s3.get_object(Bucket="rng", Key="k", Range=header)
            self.assertEqual(got["ResponseMetadata"]["HTTPStatusCode"], 206, header)
            self.assertEqual(got["Body"].read(), body[first:last + 1], header)
            self.assertEqual(got["ContentRange"], f"bytes {first}-{last}/10000")
            self.assertEqual(got["ContentLength"], last - first + 1)
        self.assertEqual(self.error(s3.get_object, Bucket="rng", Key="k", Range="bytes=10000-"),
                         ("InvalidRange", 416))
        # An unparseable range is ignored: the whole object.
        got = s3.get_object(Bucket="rng", Key="k", Range="bytes=abc")
        self.assertEqual((got["ResponseMetadata"]["HTTPStatusCode"], got["Body"].read()),
                         (200, body))

    def test_conditional_requests(self):
        s3 = self.s3
        s3.create_bucket(Bucket="cond")
        etag = s3.put_object(Bucket="cond", Key="k", Body=b"data")["ETag"]
        modified = s3.head_object(Bucket="cond", Key="k")["LastModified"]
        before = modified - datetime.timedelta(days=1)
        after = modified + datetime.timedelta(days=1)
        ok = lambda **kw: s3.get_object(Bucket="cond", Key="k", **kw)["Body"].read()  # noqa: E731
        self.assertEqual(ok(IfMatch=etag), b"data")
        self.assertEqual(ok(IfNoneMatch='"other"'), b"data")
        self.assertEqual(ok(IfModifiedSince=before), b"data")
        self.assertEqual(ok(IfUnmodifiedSince=after), b"data")
        self.assertEqual(self.error(s3.get_object, Bucket="cond", Key="k", IfMatch='"other"'),
                         ("PreconditionFailed", 412))
        self.assertEqual(self.error(s3.get_object, Bucket="cond", Key="k",
                                    IfUnmodifiedSince=before), ("PreconditionFailed", 412))
        self.assertEqual(self.error(s3.get_object, Bucket="cond", Key="k", IfNoneMatch=etag),
                         ("304", 304))
        self.assertEqual(self.error(s3.get_object, Bucket="cond", Key="k", IfModifiedSince=after),
                         ("304", 304))
        self.assertEqual(self.error(s3.head_object, Bucket="cond", Key="k", IfNoneMatch="*"),
                         ("304", 304))
        # If-Match true wins over If-Unmodified-Since false (S3's documented precedence).
        self.assertEqual(ok(IfMatch=etag, IfUnmodifiedSince=before), b"data")
        r = self.raw("GET", "/cond/k", headers={"If-None-Match": etag})
        self.assertEqual((r.status, r.header("ETag"), r.body), (304, etag, b""))

    def test_conditions_before_range(self):
        # RFC 9110 §13.2.2: preconditions are evaluated before Range, so 304/412 win over 416.
        s3 = self.s3
        s3.create_bucket(Bucket="condrange")
        etag = s3.put_object(Bucket="condrange", Key="k", Body=b"data")["ETag"]
        for method in ("GET", "HEAD"):
            r = self.raw(method, "/condrange/k",
                         headers={"If-None-Match": etag, "Range": "bytes=100-"})
            self.assertEqual((r.status, r.header("ETag")), (304, etag), method)
            r = self.raw(method, "/condrange/k",
                         headers={"If-Match": '"other"', "Range": "bytes=100-"})
            self.assertEqual(r.status, 412, method)
        r = self.raw("GET", "/condrange/k", headers={"If-Match": '"other"', "Range": "bytes=100-"})
        doc = ET.fromstring(r.body)
        self.assertEqual((doc.findtext("Code"), doc.findtext("Condition")),
                         ("PreconditionFailed", "If-Match"))
        # Conditions that hold: the Range decides (416 with the object's size).
        r = self.raw("GET", "/condrange/k", headers={"If-Match": etag, "Range": "bytes=100-"})
        doc = ET.fromstring(r.body)
        self.assertEqual((r.status, doc.findtext("Code"), doc.findtext("ActualObjectSize"),
                          r.header("Content-Range")), (416, "InvalidRange", "4", "bytes */4"))

    def test_response_overrides(self):
        s3 = self.s3
        s3.create_bucket(Bucket="over")
        s3.put_object(Bucket="over", Key="k", Body=b"x", ContentType="text/plain")
        got = s3.get_object(Bucket="over", Key="k", ResponseContentType="image/png",
                            ResponseContentDisposition="inline", ResponseCacheControl="no-cache",
                            ResponseContentLanguage="fr", ResponseContentEncoding="gzip",
                            ResponseExpires=datetime.datetime(2031, 5, 6,
                                                              tzinfo=datetime.timezone.utc))
        self.assertEqual((got["ContentType"], got["ContentDisposition"], got["CacheControl"],
                          got["ContentLanguage"], got["ContentEncoding"]),
                         ("image/png", "inline", "no-cache", "fr", "gzip"))
        self.assertEqual(got["Expires"].year, 2031)

    def test_checksums_and_content_md5(self):
        s3 = self.s3
        s3.create_bucket(Bucket="sums")
        body = b"checksum me" * 100
        crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
        sha = base64.b64encode(hashlib.sha256(body).digest()).decode()
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        r = self.raw("PUT", "/sums/k", body=body, headers={
            "x-amz-checksum-crc32": crc, "Content-MD5": md5})
        self.assertEqual((r.status, r.header("x-amz-checksum-crc32")), (200, crc))
        r = self.raw("PUT", "/sums/s", body=body, headers={"x-amz-checksum-sha256": sha})
        self.assertEqual((r.status, r.header("x-amz-checksum-sha256")), (200, sha))
        r = self.raw("GET", "/sums/k", headers={"x-amz-checksum-mode": "ENABLED"})
        self.assertEqual((r.body, r.header("x-amz-checksum-crc32")), (body, crc))
        r = self.raw("GET", "/sums/k")
        self.assertIsNone(r.header("x-amz-checksum-crc32"))
        r = self.raw("HEAD", "/sums/s", headers={"x-amz-checksum-mode": "ENABLED"})
        self.assertEqual((r.header("x-amz-checksum-sha256"), r.header("Content-Length")),
                         (sha, str(len(body))))
        # Wrong digests: BadDigest, nothing stored.
        wrong_md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
        r = self.raw("PUT", "/sums/bad", body=body, headers={"Content-MD5": wrong_md5})
        self.assertEqual((r.status, ET.fromstring(r.body).findtext("Code")), (400, "BadDigest"))
        r = self.raw("PUT", "/sums/bad", body=body, headers={"x-amz-checksum-crc32": "AAAAAA=="})
        self.assertEqual((r.status, ET.fromstring(r.body).findtext("Code")), (400, "BadDigest"))
        r = self.raw("PUT", "/sums/bad", body=body, headers={"Content-MD5": "notbase64!"})
        self.assertEqual((r.status, ET.fromstring(r.body).findtext("Code")),
                         (400, "InvalidDigest"))
        self.assertEqual(self.error(s3.head_object, Bucket="sums", Key="bad"), ("404", 404))
        # boto3 sends Content-MD5 itself for some operations; ours agree.
        s3.put_object(Bucket="sums", Key="m", Body=body, ContentMD5=md5)

    def test_aws_chunked_upload_with_trailer(self):
        # What the current SDKs send by default: STREAMING-UNSIGNED-PAYLOAD-TRAILER with the
        # CRC32 in a trailer.
        self.s3.create_bucket(Bucket="chunk")
        payload = b"hello chunked world! " * 500  # 10,500 bytes: chunks of 8 KiB and the rest
        crc = base64.b64encode(zlib.crc32(payload).to_bytes(4, "big")).decode()
        encoded = (f"{len(payload[:8192]):x}\r\n".encode() + payload[:8192] + b"\r\n" +
                   f"{len(payload[8192:]):x}\r\n".encode() + payload[8192:] + b"\r\n" +
                   b"0\r\n" + f"x-amz-checksum-crc32:{crc}\r\n\r\n".encode())
        headers = {"Content-Encoding": "aws-chunked",
                   "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                   "x-amz-decoded-content-length": str(len(payload)),
                   "x-amz-trailer": "x-amz-checksum-crc32", "Content-Type": "text/plain"}
        r = self.raw("PUT", "/chunk/k", body=encoded, headers=headers)
        self.assertEqual((r.status, r.header("ETag"), r.header("x-amz-checksum-crc32")),
                         (200, md5_etag(payload), crc), r.body)
        got = self.s3.get_object(Bucket="chunk", Key="k", ChecksumMode="ENABLED")
        self.assertEqual(got["Body"].read(), payload)
        self.assertEqual((got["ContentType"], got.get("ContentEncoding")), ("text/plain", None))
        # A wrong trailing checksum is refused.
        bad = encoded.replace(crc.encode(), b"AAAAAA==")
        r = self.raw("PUT", "/chunk/bad", body=bad, headers=headers)
        self.assertEqual((r.status, ET.fromstring(r.body).findtext("Code")), (400, "BadDigest"))
        # A truncated encoding is refused.
        r = self.raw("PUT", "/chunk/bad", body=encoded[:100], headers=headers)
        self.assertEqual(r.status, 400)
        self.assertEqual(self.error(self.s3.head_object, Bucket="chunk", Key="bad"), ("404", 404))

    def test_copy_object(self):
        s3 = self.s3
        s3.create_bucket(Bucket="src")
        s3.create_bucket(Bucket="dst")
        s3.put_object(Bucket="src", Key="a b/ü", Body=b"copy me", ContentType="text/x",
                      Metadata={"k": "v"})
        r = s3.copy_object(Bucket="dst", Key="copy", CopySource={"Bucket": "src", "Key": "a b/ü"})
        self.assertEqual(r["CopyObjectResult"]["ETag"], md5_etag(b"copy me"))
        got = s3.get_object(Bucket="dst", Key="copy")
        self.assertEqual((got["Body"].read(), got["ContentType"], got["Metadata"]),
                         (b"copy me", "text/x", {"k": "v"}))
        s3.copy_object(Bucket="dst", Key="replaced", CopySource="src/a b/ü",
                       MetadataDirective="REPLACE", ContentType="text/y", Metadata={"n": "2"})
        got = s3.head_object(Bucket="dst", Key="replaced")
        self.assertEqual((got["ContentType"], got["Metadata"]), ("text/y", {"n": "2"}))
        self.assertEqual(self.error(s3.copy_object, Bucket="dst", Key="x",
                                    CopySource="src/missing"), ("NoSuchKey", 404))
        self.assertEqual(self.error(s3.copy_object, Bucket="dst", Key="copy",
                                    CopySource="dst/copy"), ("InvalidRequest", 400))

    # ---------------------------------------------------------------------------- tagging

    def tags(self, bucket, key):
        return [(t["Key"], t["Value"]) for t in
                self.s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]]

    def test_object_tagging(self):
        # S3 API Reference, PutObject x-amz-tagging, Get/Put/DeleteObjectTagging, GetObject
        # x-amz-tagging-count. Tags come back in key order (ceph s3-tests test_put_obj_with_tags).
        s3 = self.s3
        s3.create_bucket(Bucket="tags")
        s3.put_object(Bucket="tags", Key="plain", Body=b"x")
        self.assertEqual(self.tags("tags", "plain"), [])
        self.assertNotIn("x-amz-tagging-count",
                         s3.head_object(Bucket="tags", Key="plain")["ResponseMetadata"][
                             "HTTPHeaders"])
        put = s3.put_object(Bucket="tags", Key="a b/ü", Body=b"tagged", Metadata={"m": "1"},
                            Tagging="z=last&project=blue%20sky&empty=&bare")
        self.assertEqual(self.tags("tags", "a b/ü"),
                         [("bare", ""), ("empty", ""), ("project", "blue sky"), ("z", "last")])
        head = s3.head_object(Bucket="tags", Key="a b/ü")
        self.assertEqual(head["ResponseMetadata"]["HTTPHeaders"]["x-amz-tagging-count"], "4")
        got = s3.get_object(Bucket="tags", Key="a b/ü")
        self.assertEqual(got["TagCount"], 4)
        # The document, in S3's namespace.
        r = self.raw("GET", "/tags/a%20b/%C3%BC?tagging")
        self.assertEqual(r.status, 200)
        root = ET.fromstring(r.body)
        self.assertEqual(root.tag, NS + "Tagging")
        self.assertEqual([t.find(NS + "Key").text for t in root.find(NS + "TagSet")],
                         ["bare", "empty", "project", "z"])

        # PutObjectTagging replaces the set; body, metadata, ETag and Last-Modified stay.
        s3.put_object_tagging(Bucket="tags", Key="a b/ü", Tagging={"TagSet": [
            {"Key": "k:1/@+-=._", "Value": "été"}, {"Key": "a", "Value": "b c"}]})
        self.assertEqual(self.tags("tags", "a b/ü"), [("a", "b c"), ("k:1/@+-=._", "été")])
        after = s3.get_object(Bucket="tags", Key="a b/ü")
        self.assertEqual((after["Body"].read(), after["ETag"], after["LastModified"],
                          after["Metadata"], after["TagCount"]),
                         (b"tagged", put["ETag"], head["LastModified"], {"m": "1"}, 2))
        # DeleteObjectTagging: 204, no tags, the object stays.
        r = s3.delete_object_tagging(Bucket="tags", Key="a b/ü")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertEqual(self.tags("tags", "a b/ü"), [])
        got = s3.get_object(Bucket="tags", Key="a b/ü")
        self.assertEqual((got["Body"].read(), got["ETag"]), (b"tagged", put["ETag"]))
        self.assertNotIn("TagCount", got)
        # An overwrite without x-amz-tagging has no tags.
        s3.put_object_tagging(Bucket="tags", Key="plain",
                              Tagging={"TagSet": [{"Key": "a", "Value": "1"}]})
        s3.put_object(Bucket="tags", Key="plain", Body=b"y")
        self.assertEqual(self.tags("tags", "plain"), [])

        # Missing objects and buckets, as GetObject.
        for call in (s3.get_object_tagging, s3.delete_object_tagging):
            self.assertEqual(self.error(call, Bucket="tags", Key="missing"), ("NoSuchKey", 404))
            self.assertEqual(self.error(call, Bucket="nobucket", Key="k"), ("NoSuchBucket", 404))
        self.assertEqual(self.error(s3.put_object_tagging, Bucket="tags", Key="missing",
                                    Tagging={"TagSet": []}), ("NoSuchKey", 404))

    def test_object_tagging_errors(self):
        s3 = self.s3
        s3.create_bucket(Bucket="tags")
        s3.put_object(Bucket="tags", Key="k", Body=b"x", Tagging="keep=1")

        def put_tags(tags):
            return self.error(s3.put_object_tagging, Bucket="tags", Key="k",
                              Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags]})

        def put_header(header):
            return self.error(s3.put_object, Bucket="tags", Key="new", Body=b"x",
                              Tagging=header)

        eleven = [(f"k{i}", "v") for i in range(11)]
        # More than 10: BadRequest (as S3 answers it: terraform-provider-aws #19895, #41747).
        self.assertEqual(put_tags(eleven), ("BadRequest", 400))
        self.assertEqual(put_header("&".join(f"{k}={v}" for k, v in eleven)), ("BadRequest", 400))
        # 10 tags of the longest key and value are accepted.
        ten = [(f"{i}" + "k" * 127, "v" * 256) for i in range(10)]
        s3.put_object_tagging(Bucket="tags", Key="k",
                              Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in ten]})
        self.assertEqual(len(self.tags("tags", "k")), 10)
        for bad in (("k" * 129, "v"), ("bad*key", "v"), ("tab\tkey", "v")):
            self.assertEqual(put_tags([bad]), ("InvalidTag", 400), bad)
        for bad in (("k", "v" * 257), ("k", "semi;colon"), ("k", "<angle>")):
            self.assertEqual(put_tags([bad]), ("InvalidTag", 400), bad)
        self.assertEqual(put_tags([("k", "1"), ("k", "2")]), ("InvalidTag", 400))
        with self.assertRaises(ClientError) as raised:
            s3.put_object_tagging(Bucket="tags", Key="k", Tagging={"TagSet": [
                {"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]})
        self.assertEqual(raised.exception.response["Error"]["Message"],
                         "Cannot provide multiple Tags with the same key")
        with self.assertRaises(ClientError) as raised:
            s3.put_object_tagging(Bucket="tags", Key="k",
                                  Tagging={"TagSet": [{"Key": "k" * 129, "Value": "1"}]})
        self.assertEqual(raised.exception.response["Error"]["Message"],
                         "The TagKey you have provided is invalid")
        with self.assertRaises(ClientError) as raised:
            s3.put_object_tagging(Bucket="tags", Key="k",
                                  Tagging={"TagSet": [{"Key": "k", "Value": "v" * 257}]})
        self.assertEqual(raised.exception.response["Error"]["Message"],
                         "The TagValue you have provided is invalid")
        # The reserved prefix, in both forms (snap-to-s3#8 quotes S3's words).
        self.assertEqual(put_tags([("aws:owner", "me")]), ("InvalidTag", 400))
        with self.assertRaises(ClientError) as raised:
            s3.put_object_tagging(Bucket="tags", Key="k",
                                  Tagging={"TagSet": [{"Key": "aws:owner", "Value": "me"}]})
        self.assertEqual(raised.exception.response["Error"]["Message"],
                         "Your TagKey cannot be prefixed with aws:")
        self.assertEqual(put_header("aws%3Aowner=me"), ("InvalidTag", 400))
        self.assertEqual(put_header("k=" + "v" * 257), ("InvalidTag", 400))
        self.assertEqual(put_header("bad%2Akey=v"), ("InvalidTag", 400))
        self.assertEqual(put_header("=v"), ("InvalidTag", 400))  # an empty key
        # The header's own form errors: a repeated key, a pair with two '='.
        self.assertEqual(put_header("a=1&a=2"), ("InvalidArgument", 400))
        self.assertEqual(put_header("a=b=c"), ("InvalidArgument", 400))
        self.assertEqual(self.error(s3.head_object, Bucket="tags", Key="new"), ("404", 404))
        # A malformed document.
        for body in (b"<Tagging><TagSet>", b"<Other/>",
                     b"<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>"):
            r = self.raw("PUT", "/tags/k?tagging", body=body)
            self.assertEqual((r.status, ET.fromstring(r.body).find("Code").text),
                             (400, "MalformedXML"), body)
        # Nothing refused changed the set (the 10 tags put above).
        self.assertEqual(len(self.tags("tags", "k")), 10)

    def test_copy_object_tagging_directive(self):
        # S3 API Reference, CopyObject x-amz-tagging-directive: COPY (the default) or REPLACE.
        s3 = self.s3
        s3.create_bucket(Bucket="tags")
        s3.put_object(Bucket="tags", Key="src", Body=b"body", Tagging="a=1&b=2")
        s3.copy_object(Bucket="tags", Key="copy", CopySource="tags/src")
        self.assertEqual(self.tags("tags", "copy"), [("a", "1"), ("b", "2")])
        # A metadata REPLACE still copies the tags; x-amz-tagging without REPLACE is ignored.
        s3.copy_object(Bucket="tags", Key="meta", CopySource="tags/src",
                       MetadataDirective="REPLACE", Metadata={"n": "1"}, Tagging="ignored=1")
        self.assertEqual(self.tags("tags", "meta"), [("a", "1"), ("b", "2")])
        s3.copy_object(Bucket="tags", Key="replaced", CopySource="tags/src",
                       TaggingDirective="REPLACE", Tagging="c=3")
        self.assertEqual(self.tags("tags", "replaced"), [("c", "3")])
        s3.copy_object(Bucket="tags", Key="none", CopySource="tags/src",
                       TaggingDirective="REPLACE")
        self.assertEqual(self.tags("tags", "none"), [])
        self.assertEqual(self.error(s3.copy_object, Bucket="tags", Key="x", CopySource="tags/src",
                                    TaggingDirective="REPLACE", Tagging="k=bad*"),
                         ("InvalidTag", 400))
        # UploadPartCopy is unaffected: the upload's own tags go to the object.
        uid = s3.create_multipart_upload(Bucket="tags", Key="mp", Tagging="mp=yes")["UploadId"]
        part = s3.upload_part_copy(Bucket="tags", Key="mp", UploadId=uid, PartNumber=1,
                                   CopySource="tags/src")
        s3.complete_multipart_upload(Bucket="tags", Key="mp", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": part["CopyPartResult"]["ETag"]}]})
        self.assertEqual(self.tags("tags", "mp"), [("mp", "yes")])

    def test_multipart_upload_tagging(self):
        s3 = self.s3
        s3.create_bucket(Bucket="tags")
        self.assertEqual(self.error(s3.create_multipart_upload, Bucket="tags", Key="big",
                                    Tagging="k=" + "v" * 257), ("InvalidTag", 400))
        uid = s3.create_multipart_upload(Bucket="tags", Key="big", Tagging="kind=movie&year=2024")[
            "UploadId"]
        parts = [b"\x01" * (5 * MB), b"tail"]
        etags = [s3.upload_part(Bucket="tags", Key="big", UploadId=uid, PartNumber=n,
                                Body=data)["ETag"] for n, data in enumerate(parts, start=1)]
        s3.complete_multipart_upload(Bucket="tags", Key="big", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, start=1)]})
        self.assertEqual(self.tags("tags", "big"), [("kind", "movie"), ("year", "2024")])
        self.assertEqual(s3.head_object(Bucket="tags", Key="big")["ResponseMetadata"][
            "HTTPHeaders"]["x-amz-tagging-count"], "2")
        # Retagging a multipart object keeps its parts and ETag.
        before = s3.head_object(Bucket="tags", Key="big")
        s3.put_object_tagging(Bucket="tags", Key="big", Tagging={"TagSet": []})
        after = s3.head_object(Bucket="tags", Key="big", PartNumber=2)
        self.assertEqual((after["ETag"], after["PartsCount"], after["ContentLength"]),
                         (before["ETag"], 2, 4))
        self.assertEqual(self.tags("tags", "big"), [])

    def test_conditional_put_object(self):
        # S3 User Guide, "How to prevent object overwrites with conditional writes".
        s3 = self.s3
        s3.create_bucket(Bucket="cput")
        put = lambda body: s3.put_object(Bucket="cput", Key="k", Body=body)  # noqa: E731
        with self.extra_headers("PutObject", {"If-None-Match": "*"}):
            first = put(b"first")["ETag"]
            with self.assertRaises(ClientError) as raised:
                put(b"second")
        error = raised.exception.response["Error"]
        self.assertEqual((error["Code"], error.get("Condition"),
                          raised.exception.response["ResponseMetadata"]["HTTPStatusCode"]),
                         ("PreconditionFailed", "If-None-Match", 412))
        self.assertEqual(s3.get_object(Bucket="cput", Key="k")["Body"].read(), b"first")
        with self.extra_headers("PutObject", {"If-Match": '"0123"'}):
            self.assertEqual(self.error(put, body=b"third"), ("PreconditionFailed", 412))
        with self.extra_headers("PutObject", {"If-Match": first}):
            second = put(b"second")["ETag"]
            self.assertEqual(self.error(put, body=b"third"), ("PreconditionFailed", 412))
        self.assertEqual(s3.get_object(Bucket="cput", Key="k")["ETag"], second)
        r = self.raw("PUT", "/cput/missing", body=b"x", headers={"If-Match": second})
        doc = ET.fromstring(r.body)
        self.assertEqual((r.status, doc.findtext("Code"), doc.findtext("Key")),
                         (404, "NoSuchKey", "missing"))
        self.assertEqual(self.error(s3.head_object, Bucket="cput", Key="missing"), ("404", 404))

    def test_conditional_put_is_atomic(self):
        # Many create-only PUTs of one key at once: exactly one wins, the others get 412.
        self.s3.create_bucket(Bucket="race")

        def put(i):
            return self.raw("PUT", "/race/k", body=b"%d" % i, headers={"If-None-Match": "*"})
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            statuses = sorted(r.status for r in pool.map(put, range(32)))
        self.assertEqual(statuses, [200] + [412] * 31)

    def test_conditional_complete_multipart_upload(self):
        s3 = self.s3
        s3.create_bucket(Bucket="cmpu")
        s3.put_object(Bucket="cmpu", Key="k", Body=b"existing")

        def upload():
            """A one-part upload of "multipart" to k; the call that completes it."""
            uid = s3.create_multipart_upload(Bucket="cmpu", Key="k")["UploadId"]
            part = s3.upload_part(Bucket="cmpu", Key="k", UploadId=uid, PartNumber=1,
                                  Body=b"multipart")["ETag"]
            return lambda: s3.complete_multipart_upload(
                Bucket="cmpu", Key="k", UploadId=uid,
                MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part}]})
        call = upload()
        with self.extra_headers("CompleteMultipartUpload", {"If-None-Match": "*"}):
            self.assertEqual(self.error(call), ("PreconditionFailed", 412))
        # The upload is still there to complete without the condition.
        self.assertEqual(len(s3.list_multipart_uploads(Bucket="cmpu")["Uploads"]), 1)
        etag = s3.head_object(Bucket="cmpu", Key="k")["ETag"]
        self.assertTrue(call()["ETag"].endswith('-1"'))
        self.assertEqual(s3.get_object(Bucket="cmpu", Key="k")["Body"].read(), b"multipart")
        call = upload()
        with self.extra_headers("CompleteMultipartUpload", {"If-Match": etag}):
            self.assertEqual(self.error(call), ("PreconditionFailed", 412))
        with self.extra_headers("CompleteMultipartUpload",
                                {"If-Match": s3.head_object(Bucket="cmpu", Key="k")["ETag"]}):
            call()

    def test_copy_object_conditions(self):
        # x-amz-copy-source-if-*: all four, with S3's pairing rules (S3 API Reference,
        # CopyObject): if-match true + if-unmodified-since false copies; if-none-match false +
        # if-modified-since true is 412.
        s3 = self.s3
        s3.create_bucket(Bucket="csrc")
        etag = s3.put_object(Bucket="csrc", Key="a", Body=b"copy me")["ETag"]
        past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
        copy = lambda **kw: s3.copy_object(  # noqa: E731
            Bucket="csrc", Key="b", CopySource="csrc/a", **kw)
        for conditions, condition in (
                ({"CopySourceIfMatch": '"nope"'}, "x-amz-copy-source-If-Match"),
                ({"CopySourceIfNoneMatch": etag}, "x-amz-copy-source-If-None-Match"),
                ({"CopySourceIfUnmodifiedSince": past},
                 "x-amz-copy-source-If-Unmodified-Since"),
                ({"CopySourceIfModifiedSince": future}, "x-amz-copy-source-If-Modified-Since"),
                ({"CopySourceIfNoneMatch": etag, "CopySourceIfModifiedSince": past},
                 "x-amz-copy-source-If-None-Match")):
            with self.assertRaises(ClientError) as raised:
                copy(**conditions)
            error = raised.exception.response["Error"]
            self.assertEqual((error["Code"], error.get("Condition")),
                             ("PreconditionFailed", condition), conditions)
        self.assertEqual(self.error(s3.head_object, Bucket="csrc", Key="b"), ("404", 404))
        for conditions in ({"CopySourceIfMatch": etag},
                           {"CopySourceIfMatch": etag, "CopySourceIfUnmodifiedSince": past},
                           {"CopySourceIfNoneMatch": '"nope"', "CopySourceIfModifiedSince": past},
                           {"CopySourceIfUnmodifiedSince": future},
                           {"CopySourceIfModifiedSince": past}):
            self.assertEqual(copy(**conditions)["CopyObjectResult"]["ETag"], etag, conditions)
        self.assertEqual(self.error(s3.copy_object, Bucket="csrc", Key="b",
                                    CopySource="csrc/missing", CopySourceIfMatch=etag),
                         ("NoSuchKey", 404))

    def test_list_buckets_pages(self):
        for name in ("pg-a", "pg-b", "pg-c", "other"):
            self.s3.create_bucket(Bucket=name)
        names, token = [], None
        while True:
            query = "?max-buckets=2&prefix=pg-" + (
                "&continuation-token=" + urllib.parse.quote(token, safe="") if token else "")
            doc = ET.fromstring(self.raw("GET", "/" + query).body)
            names += [b.findtext(f"{NS}Name") for b in doc.iter(f"{NS}Bucket")]
            self.assertEqual(doc.findtext(f"{NS}Prefix"), "pg-")
            token = doc.findtext(f"{NS}ContinuationToken")
            if not token:
                break
        self.assertEqual(names, ["pg-a", "pg-b", "pg-c"])
        # Every bucket is in the gateway's region.
        for region, count in (("us-east-1", 4), ("eu-west-1", 0)):
            doc = ET.fromstring(self.raw("GET", "/?bucket-region=" + region).body)
            self.assertEqual(len(list(doc.iter(f"{NS}Bucket"))), count)
        for bad in ("0", "10001", "x"):
            r = self.raw("GET", "/?max-buckets=" + bad)
            doc = ET.fromstring(r.body)
            self.assertEqual((r.status, doc.findtext("Code"), doc.findtext("ArgumentName")),
                             (400, "InvalidArgument", "max-buckets"))
        r = self.raw("GET", "/?continuation-token=garbage!")
        self.assertEqual((r.status, ET.fromstring(r.body).findtext("Code")),
                         (400, "InvalidArgument"))

    def test_delete_objects(self):
        s3 = self.s3
        s3.create_bucket(Bucket="del")
        for k in ("a", "b", "c/d"):
            s3.put_object(Bucket="del", Key=k, Body=b"1")
        r = s3.delete_objects(Bucket="del", Delete={"Objects": [
            {"Key": "a"}, {"Key": "c/d"}, {"Key": "missing"}]})
        self.assertEqual(sorted(d["Key"] for d in r["Deleted"]), ["a", "c/d", "missing"])
        self.assertNotIn("Errors", r)
        self.assertEqual([o["Key"] for o in s3.list_objects_v2(Bucket="del")["Contents"]], ["b"])
        # The body must come with a digest that matches it (Content-MD5, boto3's, or an
        # x-amz-checksum-*, the current SDKs'); a refused request deletes nothing.
        body = b"<Delete><Object><Key>b</Key></Object></Delete>"
        crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
        for headers, code in (({}, "InvalidRequest"),
                              ({"Content-MD5": "bm90IGFuIG1kNQ=="}, "InvalidDigest"),
                              (content_md5(body + b" "), "BadDigest"),
                              ({"x-amz-checksum-crc32": "AAAAAA=="}, "BadDigest"),
                              ({**content_md5(body), "x-amz-checksum-crc32": "AAAAAA=="},
                               "BadDigest")):
            r = self.raw("POST", "/del?delete", body=body, headers=headers)
            self.assertEqual((r.status, ET.fromstring(r.body).findtext("Code")), (400, code),
                             headers)
        self.assertEqual(s3.list_objects_v2(Bucket="del")["KeyCount"], 1)
        r = self.raw("POST", "/del?delete", body=body, headers={"x-amz-checksum-crc32": crc})
        self.assertEqual(r.status, 200)
        self.assertEqual(s3.list_objects_v2(Bucket="del")["KeyCount"], 0)
        s3.put_object(Bucket="del", Key="b", Body=b"1")
        r = s3.delete_objects(Bucket="del", Delete={"Objects": [{"Key": "b"}], "Quiet": True})
        self.assertNotIn("Deleted", r)
        self.assertEqual(s3.list_objects_v2(Bucket="del")["KeyCount"], 0)

    # --------------------------------------------------------------------------- listings

    def fill(self, bucket, keys):
        self.s3.create_bucket(Bucket=bucket)
        for k in keys:
            self.s3.put_object(Bucket=bucket, Key=k, Body=k.encode())

    def test_list_objects_v2(self):
        s3 = self.s3
        keys = ["a/1", "a/2", "a/b/3", "b/1", "c", "d/x/y", "e"]
        self.fill("lst", keys)
        r = s3.list_objects_v2(Bucket="lst")
        self.assertEqual([o["Key"] for o in r["Contents"]], keys)
        self.assertEqual((r["KeyCount"], r["IsTruncated"], r["MaxKeys"]), (7, False, 1000))
        self.assertEqual(r["Contents"][0]["Size"], 3)
        self.assertEqual(r["Contents"][0]["ETag"], md5_etag(b"a/1"))
        self.assertEqual(r["Contents"][0]["StorageClass"], "STANDARD")
        self.assertNotIn("Owner", r["Contents"][0])
        self.assertIn("Owner", s3.list_objects_v2(Bucket="lst", FetchOwner=True)["Contents"][0])
        r = s3.list_objects_v2(Bucket="lst", Delimiter="/")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["c", "e"])
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["a/", "b/", "d/"])
        r = s3.list_objects_v2(Bucket="lst", Prefix="a/", Delimiter="/")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["a/1", "a/2"])
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["a/b/"])
        r = s3.list_objects_v2(Bucket="lst", StartAfter="b/1")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["c", "d/x/y", "e"])
        # Pages of 2 with a delimiter: keys and prefixes count together.
        pages, token = [], None
        while True:
            kw = {"ContinuationToken": token} if token else {}
            r = s3.list_objects_v2(Bucket="lst", Delimiter="/", MaxKeys=2, **kw)
            pages.append([o["Key"] for o in r.get("Contents", [])] +
                         [p["Prefix"] for p in r.get("CommonPrefixes", [])])
            self.assertEqual(r["KeyCount"], len(pages[-1]))
            if not r["IsTruncated"]:
                break
            token = r["NextContinuationToken"]
        self.assertEqual(pages, [["a/", "b/"], ["c", "d/"], ["e"]])
        paged = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket="lst", PaginationConfig={"PageSize": 3}) for o in page["Contents"]]
        self.assertEqual(paged, keys)
        r = s3.list_objects_v2(Bucket="lst", MaxKeys=0)
        self.assertEqual((r["KeyCount"], r.get("Contents")), (0, None))
        self.assertEqual(self.error(s3.list_objects_v2, Bucket="lst", ContinuationToken="!!bad"),
                         ("InvalidArgument", 400))
        r = self.raw("GET", "/lst?list-type=2&max-keys=abc")
        self.assertEqual(r.status, 400)

    def test_list_objects_v1(self):
        s3 = self.s3
        keys = [f"k{i:02d}" for i in range(5)] + ["p/1", "p/2", "q/1"]
        self.fill("listv1", keys)
        r = s3.list_objects(Bucket="listv1", MaxKeys=3)
        self.assertEqual(([o["Key"] for o in r["Contents"]], r["IsTruncated"]),
                         (["k00", "k01", "k02"], True))
        self.assertIn("Owner", r["Contents"][0])
        r = s3.list_objects(Bucket="listv1", Marker="k02", Delimiter="/", MaxKeys=3)
        self.assertEqual([o["Key"] for o in r["Contents"]], ["k03", "k04"])
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["p/"])
        self.assertEqual((r["IsTruncated"], r["NextMarker"]), (True, "p/"))
        r = s3.list_objects(Bucket="listv1", Marker="p/", Delimiter="/")
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["q/"])
        paged = [o["Key"] for page in s3.get_paginator("list_objects").paginate(
            Bucket="listv1", PaginationConfig={"PageSize": 2}) for o in page["Contents"]]
        self.assertEqual(paged, keys)

    def test_list_encoding_type_url(self):
        self.fill("enc", ["a b/c+d", "ü/x"])
        r = self.raw("GET", "/enc?list-type=2&encoding-type=url&delimiter=%2F")
        doc = ET.fromstring(r.body)
        self.assertEqual(doc.findtext(NS + "EncodingType"), "url")
        self.assertEqual([p.findtext(NS + "Prefix") for p in doc.iter(NS + "CommonPrefixes")],
                         ["a%20b/", "%C3%BC/"])
        self.assertEqual([c.findtext(NS + "Key") for c in doc.iter(NS + "Contents")], [])
        r = self.raw("GET", "/enc?list-type=2&encoding-type=url")
        doc = ET.fromstring(r.body)
        self.assertEqual([c.findtext(NS + "Key") for c in doc.iter(NS + "Contents")],
                         ["a%20b/c%2Bd", "%C3%BC/x"])
        # botocore adds encoding-type=url by itself and decodes.
        r = self.s3.list_objects_v2(Bucket="enc")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["a b/c+d", "ü/x"])

    # -------------------------------------------------------------------------- multipart

    def test_multipart_upload(self):
        s3 = self.s3
        s3.create_bucket(Bucket="multi")
        upload = s3.create_multipart_upload(Bucket="multi", Key="big/file", ContentType="video/mp4",
                                            Metadata={"Kind": "movie"})
        uid = upload["UploadId"]
        self.assertEqual((upload["Bucket"], upload["Key"]), ("multi", "big/file"))
        parts_data = [bytes([i]) * (5 * MB) for i in range(1, 4)] + [b"tail"]
        etags = []
        for n, data in enumerate(parts_data, start=1):
            etags.append(s3.upload_part(Bucket="multi", Key="big/file", UploadId=uid,
                                        PartNumber=n, Body=data)["ETag"])
            self.assertEqual(etags[-1], md5_etag(data))
        listed = s3.list_parts(Bucket="multi", Key="big/file", UploadId=uid)
        self.assertEqual([(p["PartNumber"], p["Size"], p["ETag"]) for p in listed["Parts"]],
                         [(n, len(d), e) for n, (d, e) in
                          enumerate(zip(parts_data, etags), start=1)])
        page = s3.list_parts(Bucket="multi", Key="big/file", UploadId=uid, MaxParts=2)
        self.assertEqual(([p["PartNumber"] for p in page["Parts"]], page["IsTruncated"],
                          page["NextPartNumberMarker"]), ([1, 2], True, 2))
        page = s3.list_parts(Bucket="multi", Key="big/file", UploadId=uid, PartNumberMarker=2)
        self.assertEqual([p["PartNumber"] for p in page["Parts"]], [3, 4])
        uploads = s3.list_multipart_uploads(Bucket="multi")["Uploads"]
        self.assertEqual([(u["Key"], u["UploadId"]) for u in uploads], [("big/file", uid)])
        # Out of order and wrong ETags are refused.
        self.assertEqual(self.error(s3.complete_multipart_upload, Bucket="multi", Key="big/file",
                                    UploadId=uid, MultipartUpload={"Parts": [
                                        {"PartNumber": 2, "ETag": etags[1]},
                                        {"PartNumber": 1, "ETag": etags[0]}]}),
                         ("InvalidPartOrder", 400))
        self.assertEqual(self.error(s3.complete_multipart_upload, Bucket="multi", Key="big/file",
                                    UploadId=uid, MultipartUpload={"Parts": [
                                        {"PartNumber": 1, "ETag": '"' + "0" * 32 + '"'}]}),
                         ("InvalidPart", 400))
        done = s3.complete_multipart_upload(
            Bucket="multi", Key="big/file", UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e}
                                       for n, e in enumerate(etags, start=1)]})
        digest = hashlib.md5(b"".join(hashlib.md5(d).digest() for d in parts_data)).hexdigest()
        self.assertEqual(done["ETag"], f'"{digest}-4"')
        self.assertEqual((done["Bucket"], done["Key"]), ("multi", "big/file"))
        got = s3.get_object(Bucket="multi", Key="big/file")
        self.assertEqual(got["Body"].read(), b"".join(parts_data))
        self.assertEqual((got["ETag"], got["ContentType"], got["Metadata"]),
                         (f'"{digest}-4"', "video/mp4", {"kind": "movie"}))
        got = s3.get_object(Bucket="multi", Key="big/file", Range=f"bytes={5 * MB - 2}-{5 * MB + 1}")
        self.assertEqual(got["Body"].read(), b"\x01\x01\x02\x02")
        self.assertNotIn("Uploads", s3.list_multipart_uploads(Bucket="multi"))
        self.assertEqual(self.error(s3.list_parts, Bucket="multi", Key="big/file", UploadId=uid),
                         ("NoSuchUpload", 404))

    def test_get_part_number(self):
        # S3 API Reference, GetObject/HeadObject partNumber: a ranged GET of that part (206);
        # x-amz-mp-parts-count only with partNumber (boto/boto3#3137); a single-part object is
        # part 1 of 1 (moto#7850).
        s3 = self.s3
        s3.create_bucket(Bucket="parts")
        uid = s3.create_multipart_upload(Bucket="parts", Key="mp")["UploadId"]
        parts_data = [b"\x01" * (5 * MB), b"\x02" * (5 * MB), b"tail"]
        etags = [s3.upload_part(Bucket="parts", Key="mp", UploadId=uid, PartNumber=n,
                                Body=data)["ETag"] for n, data in enumerate(parts_data, start=1)]
        s3.complete_multipart_upload(
            Bucket="parts", Key="mp", UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e}
                                       for n, e in enumerate(etags, start=1)]})
        total = 10 * MB + 4
        got = s3.get_object(Bucket="parts", Key="mp", PartNumber=2)
        self.assertEqual((got["ResponseMetadata"]["HTTPStatusCode"], got["ContentRange"],
                          got["ContentLength"], got["PartsCount"]),
                         (206, f"bytes {5 * MB}-{10 * MB - 1}/{total}", 5 * MB, 3))
        self.assertEqual(got["Body"].read(), parts_data[1])
        head = s3.head_object(Bucket="parts", Key="mp", PartNumber=3)
        self.assertEqual((head["ResponseMetadata"]["HTTPStatusCode"], head["ContentRange"],
                          head["ContentLength"], head["PartsCount"]),
                         (206, f"bytes {10 * MB}-{total - 1}/{total}", 4, 3))
        self.assertNotIn("PartsCount", s3.head_object(Bucket="parts", Key="mp"))
        got = s3.get_object(Bucket="parts", Key="mp")
        self.assertNotIn("PartsCount", got)
        got["Body"].close()
        self.assertEqual(self.error(s3.get_object, Bucket="parts", Key="mp", PartNumber=4),
                         ("InvalidPartNumber", 416))
        # A single-part object is one part.
        s3.put_object(Bucket="parts", Key="single", Body=b"whole")
        got = s3.get_object(Bucket="parts", Key="single", PartNumber=1)
        self.assertEqual((got["ResponseMetadata"]["HTTPStatusCode"], got["ContentRange"],
                          got["Body"].read()), (206, "bytes 0-4/5", b"whole"))
        self.assertNotIn("PartsCount", got)
        self.assertEqual(self.error(s3.head_object, Bucket="parts", Key="single", PartNumber=2),
                         ("416", 416))
        # Malformed: a number out of 1-10000, or with a Range.
        for query in ("partNumber=0", "partNumber=x", "partNumber=10001"):
            r = self.raw("GET", f"/parts/mp?{query}")
            self.assertEqual((r.status, ET.fromstring(r.body).findtext("Code")),
                             (400, "InvalidArgument"), query)
        r = self.raw("GET", "/parts/mp?partNumber=1", headers={"Range": "bytes=0-1"})
        self.assertEqual((r.status, ET.fromstring(r.body).findtext("Code")),
                         (400, "InvalidRequest"))

    def test_multipart_abort_and_small_parts(self):
        s3 = self.s3
        s3.create_bucket(Bucket="abort")
        uid = s3.create_multipart_upload(Bucket="abort", Key="k")["UploadId"]
        e1 = s3.upload_part(Bucket="abort", Key="k", UploadId=uid, PartNumber=1, Body=b"small")["ETag"]
        e2 = s3.upload_part(Bucket="abort", Key="k", UploadId=uid, PartNumber=2, Body=b"x")["ETag"]
        self.assertEqual(self.error(s3.complete_multipart_upload, Bucket="abort", Key="k",
                                    UploadId=uid, MultipartUpload={"Parts": [
                                        {"PartNumber": 1, "ETag": e1},
                                        {"PartNumber": 2, "ETag": e2}]}),
                         ("EntityTooSmall", 400))
        self.assertEqual(self.error(s3.upload_part, Bucket="abort", Key="k", UploadId=uid,
                                    PartNumber=10001, Body=b""), ("InvalidArgument", 400))
        r = s3.abort_multipart_upload(Bucket="abort", Key="k", UploadId=uid)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertEqual(self.error(s3.upload_part, Bucket="abort", Key="k", UploadId=uid,
                                    PartNumber=1, Body=b""), ("NoSuchUpload", 404))
        self.assertEqual(self.error(s3.abort_multipart_upload, Bucket="abort", Key="k",
                                    UploadId="nope"), ("NoSuchUpload", 404))
        # A single small part is a valid (last) part.
        uid = s3.create_multipart_upload(Bucket="abort", Key="one")["UploadId"]
        e = s3.upload_part(Bucket="abort", Key="one", UploadId=uid, PartNumber=1, Body=b"tiny")["ETag"]
        s3.complete_multipart_upload(Bucket="abort", Key="one", UploadId=uid,
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e}]})
        self.assertEqual(s3.get_object(Bucket="abort", Key="one")["Body"].read(), b"tiny")

    def test_upload_part_copy(self):
        s3 = self.s3
        s3.create_bucket(Bucket="pcsrc")
        s3.create_bucket(Bucket="pcdst")
        source = os.urandom(6 * MB)
        src_key = "dir/ü b?.bin"
        src_etag = s3.put_object(Bucket="pcsrc", Key=src_key, Body=source)["ETag"]
        s3.put_object(Bucket="pcsrc", Key="small", Body=b"small tail")
        uid = s3.create_multipart_upload(Bucket="pcdst", Key="joined")["UploadId"]
        first = 5 * MB
        r = s3.upload_part_copy(Bucket="pcdst", Key="joined", UploadId=uid, PartNumber=1,
                                CopySource={"Bucket": "pcsrc", "Key": src_key},
                                CopySourceRange=f"bytes=0-{first - 1}")
        self.assertEqual(r["CopyPartResult"]["ETag"], md5_etag(source[:first]))
        age = datetime.datetime.now(datetime.timezone.utc) - r["CopyPartResult"]["LastModified"]
        self.assertLess(abs(age.total_seconds()), 60)
        # Whole source, leading '/' and a "null" version id (buckets are unversioned).
        r = s3.upload_part_copy(Bucket="pcdst", Key="joined", UploadId=uid, PartNumber=2,
                                CopySource="/pcsrc/" + src_key + "?versionId=null")
        self.assertEqual(r["CopyPartResult"]["ETag"], src_etag)
        # A range in the middle, by raw HTTP with a percent-encoded source.
        enc = urllib.parse.quote(src_key)
        resp = self.raw("PUT", f"/pcdst/joined?partNumber=3&uploadId={uid}", headers={
            "x-amz-copy-source": f"pcsrc/{enc}", "x-amz-copy-source-range": "bytes=10-19"})
        doc = ET.fromstring(resp.body)
        self.assertEqual((resp.status, doc.tag), (200, NS + "CopyPartResult"))
        self.assertEqual([c.tag for c in doc], [NS + "ETag", NS + "LastModified"])
        self.assertEqual(doc.findtext(NS + "ETag"), md5_etag(source[10:20]))
        parts = s3.list_parts(Bucket="pcdst", Key="joined", UploadId=uid)["Parts"]
        self.assertEqual([(p["PartNumber"], p["Size"]) for p in parts],
                         [(1, first), (2, len(source)), (3, 10)])
        # Errors: S3's codes, and nothing written.
        def copy_error(**kw):
            args = dict(Bucket="pcdst", Key="joined", UploadId=uid, PartNumber=4,
                        CopySource={"Bucket": "pcsrc", "Key": src_key})
            args.update(kw)
            with self.assertRaises(ClientError) as raised:
                s3.upload_part_copy(**args)
            e = raised.exception.response
            return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get(
                "Message")
        for bad in ("bytes=0-", "bytes=-5", "0-5", "bytes=5-2", "bytes=a-b", "bytes=0-1,3-4"):
            code, status, message = copy_error(CopySourceRange=bad)
            self.assertEqual((code, status), ("InvalidArgument", 400), bad)
            self.assertIn("must be of the form bytes=first-last", message)
        self.assertEqual(copy_error(CopySourceRange=f"bytes=0-{len(source)}"), (
            "InvalidArgument", 400,
            f"Range specified is not valid for source object of size: {len(source)}"))
        self.assertEqual(copy_error(CopySource="pcsrc/small?versionId=3HL4kqtJlcpXroDTDmJ")[:2],
                         ("InvalidArgument", 400))
        self.assertEqual(copy_error(CopySource="pcsrc/missing")[:2], ("NoSuchKey", 404))
        self.assertEqual(copy_error(CopySource="nosuchbucket/x")[:2], ("NoSuchBucket", 404))
        self.assertEqual(copy_error(CopySource="justabucket")[:2], ("InvalidArgument", 400))
        self.assertEqual(copy_error(UploadId="f" * 32)[:2], ("NoSuchUpload", 404))
        self.assertEqual(copy_error(PartNumber=10001)[:2], ("InvalidArgument", 400))
        # x-amz-copy-source-if-*: 412 PreconditionFailed, S3's pairing rules.
        past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
        for conditions in ({"CopySourceIfMatch": '"0123"'},
                           {"CopySourceIfNoneMatch": src_etag},
                           {"CopySourceIfUnmodifiedSince": past},
                           {"CopySourceIfModifiedSince": future},
                           {"CopySourceIfNoneMatch": src_etag, "CopySourceIfModifiedSince": past}):
            self.assertEqual(copy_error(CopySourceRange="bytes=0-9", **conditions)[:2],
                             ("PreconditionFailed", 412), conditions)
        for conditions in ({"CopySourceIfMatch": src_etag},
                           {"CopySourceIfMatch": src_etag, "CopySourceIfUnmodifiedSince": past},
                           {"CopySourceIfNoneMatch": '"0123"', "CopySourceIfModifiedSince": past},
                           {"CopySourceIfUnmodifiedSince": future}):
            s3.upload_part_copy(Bucket="pcdst", Key="joined", UploadId=uid, PartNumber=4,
                                CopySource={"Bucket": "pcsrc", "Key": src_key},
                                CopySourceRange="bytes=0-9", **conditions)
        self.assertEqual([p["PartNumber"] for p in s3.list_parts(
            Bucket="pcdst", Key="joined", UploadId=uid)["Parts"]], [1, 2, 3, 4])
        done = s3.complete_multipart_upload(
            Bucket="pcdst", Key="joined", UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]}
                                       for p in parts]})
        expected = source[:first] + source + source[10:20]
        self.assertTrue(done["ETag"].endswith('-3"'))
        self.assertEqual(s3.get_object(Bucket="pcdst", Key="joined")["Body"].read(), expected)
        # The source is untouched.
        self.assertEqual(s3.get_object(Bucket="pcsrc", Key=src_key)["Body"].read(), source)

    def test_list_multipart_uploads_paging(self):
        s3 = self.s3
        s3.create_bucket(Bucket="mpl")
        keys = ["a/1", "a/2", "b", "c/x/1", "c/y", "k", "k", "k", "sp ace/ü"]
        ids = [s3.create_multipart_upload(Bucket="mpl", Key=k)["UploadId"] for k in keys]
        full = s3.list_multipart_uploads(Bucket="mpl")
        everything = [(u["Key"], u["UploadId"]) for u in full["Uploads"]]
        self.assertEqual(sorted(everything), sorted(zip(keys, ids)))
        self.assertEqual([k for k, _ in everything], sorted(keys))
        self.assertFalse(full["IsTruncated"])
        self.assertEqual(full["MaxUploads"], 1000)

        def paged(**kw):
            uploads, prefixes = [], []
            for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket="mpl", **kw):
                uploads += [(u["Key"], u["UploadId"]) for u in page.get("Uploads", [])]
                prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
            return uploads, prefixes

        for size in (1, 2, 3, 1000):
            self.assertEqual(paged(PaginationConfig={"PageSize": size}), (everything, []))
        page = s3.list_multipart_uploads(Bucket="mpl", MaxUploads=6)
        self.assertEqual((page["IsTruncated"], page["NextKeyMarker"], page["NextUploadIdMarker"]),
                         (True, "k", everything[5][1]))
        # upload-id-marker resumes inside a key's uploads; key-marker alone skips the key.
        page = s3.list_multipart_uploads(Bucket="mpl", KeyMarker="k",
                                         UploadIdMarker=everything[5][1])
        self.assertEqual([(u["Key"], u["UploadId"]) for u in page["Uploads"]], everything[6:])
        page = s3.list_multipart_uploads(Bucket="mpl", KeyMarker="k")
        self.assertEqual([u["Key"] for u in page["Uploads"]], ["sp ace/ü"])
        self.assertEqual((page["KeyMarker"], page["IsTruncated"]), ("k", False))
        # Delimiter: CommonPrefixes, counted against max-uploads, never repeated across pages.
        want = ([u for u in everything if "/" not in u[0]], ["a/", "c/", "sp ace/"])
        for size in (1, 2, 1000):
            self.assertEqual(paged(Delimiter="/", PaginationConfig={"PageSize": size}), want)
        self.assertEqual(paged(Prefix="c/", Delimiter="/"), ([("c/y", everything[4][1])],
                                                             ["c/x/"]))
        self.assertEqual(paged(Prefix="a/"), (everything[:2], []))
        page = s3.list_multipart_uploads(Bucket="mpl", Delimiter="/", MaxUploads=1)
        self.assertEqual((page.get("Uploads"), [p["Prefix"] for p in page["CommonPrefixes"]],
                          page["NextKeyMarker"], page["Delimiter"]), (None, ["a/"], "a/", "/"))
        # encoding-type=url: keys, prefixes and markers encoded (raw, as boto3 decodes them).
        r = self.raw("GET", "/mpl?uploads&encoding-type=url&prefix=sp%20&key-marker=k")
        doc = ET.fromstring(r.body)
        self.assertEqual((doc.findtext(NS + "EncodingType"), doc.findtext(NS + "Prefix"),
                          doc.findtext(NS + "KeyMarker"),
                          [u.findtext(NS + "Key") for u in doc.iter(NS + "Upload")]),
                         ("url", "sp%20", "k", ["sp%20ace/%C3%BC"]))
        for query in ("max-uploads=x", "max-uploads=-1", "encoding-type=xml"):
            r = self.raw("GET", "/mpl?uploads&" + query)
            self.assertEqual((r.status, ET.fromstring(r.body).findtext("Code")),
                             (400, "InvalidArgument"), query)
        self.assertEqual(s3.list_multipart_uploads(Bucket="mpl", MaxUploads=5000)["MaxUploads"],
                         1000)

    # --------------------------------------------------------------------- virtual hosts

    def test_presigned_urls_without_iam(self):
        # Without iam.enforce, presigned URLs of either signature version just work (their
        # parameters name no sub-resource).
        self.s3.create_bucket(Bucket="open")
        for config in ({}, {"signature_version": "s3v4"}):
            signer = client(self.gw, **config)
            put = signer.generate_presigned_url(
                "put_object", Params={"Bucket": "open", "Key": "p"}, ExpiresIn=60)
            r = request(self.gw.services_port, "PUT",
                        put.split(f":{self.gw.services_port}", 1)[1], body=b"presigned")
            self.assertEqual(r.status, 200, (config, r.body))
            get = signer.generate_presigned_url(
                "get_object", Params={"Bucket": "open", "Key": "p"}, ExpiresIn=60)
            r = request(self.gw.services_port, "GET",
                        get.split(f":{self.gw.services_port}", 1)[1])
            self.assertEqual((r.status, r.body), (200, b"presigned"))

    def test_virtual_hosted_addressing(self):
        for host in ("vhost.s3.localhost", "vhost.localhost"):
            if host.startswith("vhost.s3"):
                self.s3.create_bucket(Bucket="vhost")
            r = self.raw("PUT", "/dir/a%20b.txt", body=b"hosted", host=host,
                         headers={"Content-Type": "text/plain"})
            self.assertEqual(r.status, 200, r.body)
            r = self.raw("GET", "/dir/a%20b.txt", host=host)
            self.assertEqual((r.status, r.body, r.header("Content-Type")),
                             (200, b"hosted", "text/plain"))
            r = self.raw("GET", "/?list-type=2&prefix=dir/", host=host)
            doc = ET.fromstring(r.body)
            self.assertEqual((doc.findtext(NS + "Name"),
                              [c.findtext(NS + "Key") for c in doc.iter(NS + "Contents")]),
                             ("vhost", ["dir/a b.txt"]))
        self.assertEqual(self.s3.get_object(Bucket="vhost", Key="dir/a b.txt")["Body"].read(),
                         b"hosted")
        r = self.raw("PUT", "/", host="newbucket.s3.localhost")
        self.assertEqual(r.status, 200)
        self.assertEqual(self.raw("HEAD", "/", host="newbucket.s3.localhost").status, 200)
        # s3.localhost itself is path-style.
        r = self.raw("GET", "/vhost/dir/a%20b.txt", host="s3.localhost")
        self.assertEqual(r.body, b"hosted")

    # ------------------------------------------------------------------------------ JS SDK

    def test_js_sdk_round_trip(self):
        # @aws-sdk/client-s3 with its default checksums: CRC32 on every upload, and a stream
        # body framed as aws-chunked with the CRC32 in a trailer (tests/e2e/sdk-js/s3.mjs).
        p = subprocess.run(["node", str(SDK_JS_DIR / "s3.mjs"),
                            f"http://127.0.0.1:{self.gw.services_port}"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        text = "hello from the JS SDK ✓".encode()
        binary = bytes((i * 7) % 256 for i in range(100000))
        crc = lambda b: base64.b64encode(zlib.crc32(b).to_bytes(4, "big")).decode()  # noqa: E731
        self.assertEqual(out, {
            "putETag": md5_etag(text), "putChecksum": crc(text),
            "streamETag": md5_etag(binary), "streamChecksum": crc(binary),
            "getText": text.decode(), "getContentType": "text/plain", "getMetadata": {"who": "js"},
            "streamRoundTrip": True, "range": list(binary[10:15]),
            "contentRange": "bytes 10-14/100000", "headLength": 100000,
            "multipartETag": '"' + hashlib.md5(hashlib.md5(b"only part").digest()).hexdigest() +
                             '-1"',
            "multipartText": "only part", "keys": ["multi", "stream.bin"], "prefixes": ["dir/"],
            "afterDelete": "NoSuchKey 404"})
        # The stored object has the SDK's checksum, and no aws-chunked Content-Encoding.
        r = self.raw("HEAD", "/js-bucket/stream.bin", headers={"x-amz-checksum-mode": "ENABLED"})
        self.assertEqual((r.header("x-amz-checksum-crc32"), r.header("Content-Encoding")),
                         (crc(binary), None))

    # ------------------------------------------------------------------------- durability

    def test_objects_survive_a_restart(self):
        s3 = self.s3
        s3.create_bucket(Bucket="keep")
        body = os.urandom(100000)
        s3.put_object(Bucket="keep", Key="data/1.bin", Body=body, Metadata={"a": "b"})
        s3.put_object(Bucket="keep", Key="tagged", Body=b"t", Tagging="a=1")
        s3.put_object_tagging(Bucket="keep", Key="tagged",
                              Tagging={"TagSet": [{"Key": "b", "Value": "2"}]})
        uid = s3.create_multipart_upload(Bucket="keep", Key="later")["UploadId"]
        self.gw.stop()
        self.gw.start()
        s3 = client(self.gw)
        self.assertEqual([b["Name"] for b in s3.list_buckets()["Buckets"]], ["keep"])
        got = s3.get_object(Bucket="keep", Key="data/1.bin")
        self.assertEqual((got["Body"].read(), got["Metadata"]), (body, {"a": "b"}))
        self.assertEqual([o["Key"] for o in s3.list_objects_v2(Bucket="keep")["Contents"]],
                         ["data/1.bin", "tagged"])
        self.assertEqual(s3.get_object_tagging(Bucket="keep", Key="tagged")["TagSet"],
                         [{"Key": "b", "Value": "2"}])
        self.assertEqual([u["UploadId"] for u in s3.list_multipart_uploads(Bucket="keep")[
            "Uploads"]], [uid])
        self.assertTrue((self.gw.dir / "buckets" / "keep").is_dir())



class S3DeclaredBucketsTest(GatewayTestCase):
    def test_declared_buckets_exist_from_the_start(self):
        config = CONFIG.replace("s3: {dataDir: buckets, fsync: false}",
                                "s3: {dataDir: buckets, fsync: false, buckets: [one, two]}")
        gw = self.start_gateway(config)
        s3 = client(gw)
        self.assertEqual([b["Name"] for b in s3.list_buckets()["Buckets"]], ["one", "two"])
        s3.put_object(Bucket="one", Key="k", Body=b"v")
        self.assertEqual(gw.stderr().count("s3: created bucket"), 2, gw.stderr())
        # A restart finds them (and their objects) and creates nothing twice.
        gw.stop()
        gw.start()
        self.assertEqual(client(gw).get_object(Bucket="one", Key="k")["Body"].read(), b"v")
        self.assertNotIn("cannot create bucket", gw.stderr())
        self.assertEqual(gw.stderr().count("s3: created bucket"), 0)


IAM_CONFIG = CONFIG + """\
iam:
  enforce: true
  credentials:
    - accessKeyId: AKIAS3WRITER0000001
      secretAccessKey: writer-secret
      arn: arn:aws:iam::000000000000:user/writer
      policies: [{Version: "2012-10-17", Statement: [
        {Effect: Allow, Action: "s3:*", Resource: ["arn:aws:s3:::secure", "arn:aws:s3:::secure/*"]},
        {Effect: Deny, Action: "s3:DeleteObject", Resource: "arn:aws:s3:::secure/keep/*"}]}]
    - accessKeyId: AKIAS3READER0000001
      secretAccessKey: reader-secret
      arn: arn:aws:iam::000000000000:user/reader
      policies: [{Version: "2012-10-17", Statement: [
        {Effect: Allow, Action: "s3:GetObject", Resource: "arn:aws:s3:::secure/*"}]}]
"""


class S3IamTest(GatewayTestCase):
    def error(self, call, **kw):
        with self.assertRaises(ClientError) as raised:
            call(**kw)
        r = raised.exception.response
        return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]

    def test_iam_enforced(self):
        gw = self.start_gateway(IAM_CONFIG)
        writer = client(gw, "AKIAS3WRITER0000001", "writer-secret")
        reader = client(gw, "AKIAS3READER0000001", "reader-secret")
        writer.create_bucket(Bucket="secure")
        writer.put_object(Bucket="secure", Key="a b/ü.txt", Body=b"secret")
        writer.put_object(Bucket="secure", Key="keep/1", Body=b"kept")
        self.assertEqual(reader.get_object(Bucket="secure", Key="a b/ü.txt")["Body"].read(),
                         b"secret")
        self.assertEqual(self.error(reader.put_object, Bucket="secure", Key="x", Body=b"1"),
                         ("AccessDenied", 403))
        self.assertEqual(self.error(reader.list_objects_v2, Bucket="secure"),
                         ("AccessDenied", 403))
        self.assertEqual(self.error(writer.list_buckets), ("AccessDenied", 403))
        self.assertEqual(self.error(client(gw, "AKIAS3WRITER0000001", "wrong").get_object,
                                    Bucket="secure", Key="a b/ü.txt"),
                         ("SignatureDoesNotMatch", 403))
        self.assertEqual(self.error(client(gw).get_object, Bucket="secure", Key="a b/ü.txt"),
                         ("InvalidAccessKeyId", 403))
        r = request(gw.services_port, "GET", "/secure/a%20b/%C3%BC.txt")
        self.assertEqual(r.status, 403)
        # DeleteObjects: a key the caller may not delete is an AccessDenied entry.
        r = writer.delete_objects(Bucket="secure", Delete={"Objects": [
            {"Key": "a b/ü.txt"}, {"Key": "keep/1"}]})
        self.assertEqual([d["Key"] for d in r.get("Deleted", [])], ["a b/ü.txt"], r)
        self.assertEqual([(e["Key"], e["Code"]) for e in r["Errors"]], [("keep/1", "AccessDenied")])
        self.assertEqual(writer.get_object(Bucket="secure", Key="keep/1")["Body"].read(), b"kept")
        # Object tagging has IAM actions of its own (s3:GetObjectTagging, s3:PutObjectTagging,
        # s3:DeleteObjectTagging): s3:GetObject alone grants none of them.
        writer.put_object_tagging(Bucket="secure", Key="keep/1",
                                  Tagging={"TagSet": [{"Key": "a", "Value": "1"}]})
        self.assertEqual(writer.get_object_tagging(Bucket="secure", Key="keep/1")["TagSet"],
                         [{"Key": "a", "Value": "1"}])
        self.assertEqual(self.error(reader.get_object_tagging, Bucket="secure", Key="keep/1"),
                         ("AccessDenied", 403))
        self.assertEqual(self.error(reader.put_object_tagging, Bucket="secure", Key="keep/1",
                                    Tagging={"TagSet": []}), ("AccessDenied", 403))
        self.assertEqual(self.error(reader.delete_object_tagging, Bucket="secure", Key="keep/1"),
                         ("AccessDenied", 403))
        writer.delete_object_tagging(Bucket="secure", Key="keep/1")
        # CopyObject needs s3:GetObject on the source too.
        self.assertEqual(self.error(reader.copy_object, Bucket="secure", Key="c",
                                    CopySource="secure/keep/1"), ("AccessDenied", 403))

    def test_iam_upload_part_copy_needs_get_object_on_the_source(self):
        copier = """\
    - accessKeyId: AKIAS3COPIER0000001
      secretAccessKey: copier-secret
      arn: arn:aws:iam::000000000000:user/copier
      policies: [{Version: "2012-10-17", Statement: [
        {Effect: Allow, Action: "s3:PutObject", Resource: "arn:aws:s3:::secure/dst/*"},
        {Effect: Allow, Action: "s3:GetObject", Resource: "arn:aws:s3:::secure/pub/*"}]}]
"""
        gw = self.start_gateway(IAM_CONFIG + copier)
        writer = client(gw, "AKIAS3WRITER0000001", "writer-secret")
        c = client(gw, "AKIAS3COPIER0000001", "copier-secret")
        writer.create_bucket(Bucket="secure")
        writer.put_object(Bucket="secure", Key="pub/a", Body=b"public")
        writer.put_object(Bucket="secure", Key="private/b", Body=b"private")
        uid = c.create_multipart_upload(Bucket="secure", Key="dst/x")["UploadId"]
        r = c.upload_part_copy(Bucket="secure", Key="dst/x", UploadId=uid, PartNumber=1,
                               CopySource="secure/pub/a")
        self.assertEqual(r["CopyPartResult"]["ETag"], md5_etag(b"public"))
        self.assertEqual(self.error(c.upload_part_copy, Bucket="secure", Key="dst/x",
                                    UploadId=uid, PartNumber=2, CopySource="secure/private/b"),
                         ("AccessDenied", 403))
        self.assertEqual(self.error(c.upload_part_copy, Bucket="secure", Key="elsewhere",
                                    UploadId=uid, PartNumber=2, CopySource="secure/pub/a"),
                         ("AccessDenied", 403))
        parts = writer.list_parts(Bucket="secure", Key="dst/x", UploadId=uid)["Parts"]
        self.assertEqual([p["PartNumber"] for p in parts], [1])

    def test_presigned_get_and_put(self):
        # Presigned URLs from boto3 used by a plain HTTP client, as a browser would.
        gw = self.start_gateway(IAM_CONFIG)
        writer = client(gw, "AKIAS3WRITER0000001", "writer-secret", signature_version="s3v4")
        reader = client(gw, "AKIAS3READER0000001", "reader-secret", signature_version="s3v4")
        writer.create_bucket(Bucket="secure")
        key = "up loads/ü.bin"
        data = os.urandom(300000)
        put_url = writer.generate_presigned_url(
            "put_object", Params={"Bucket": "secure", "Key": key}, ExpiresIn=300)
        target = put_url.split(f":{gw.services_port}", 1)[1]
        r = request(gw.services_port, "PUT", target, body=data)
        self.assertEqual((r.status, r.header("ETag")), (200, md5_etag(data)), r.body)
        get_url = reader.generate_presigned_url(
            "get_object", Params={"Bucket": "secure", "Key": key}, ExpiresIn=300)
        r = request(gw.services_port, "GET", get_url.split(f":{gw.services_port}", 1)[1])
        self.assertEqual((r.status, r.body), (200, data))
        # The reader's URL signs GetObject only: a PUT to the same kind of URL is denied.
        denied = reader.generate_presigned_url(
            "put_object", Params={"Bucket": "secure", "Key": "nope"}, ExpiresIn=300)
        r = request(gw.services_port, "PUT", denied.split(f":{gw.services_port}", 1)[1],
                    body=b"x")
        self.assertEqual((r.status, ET.fromstring(r.body).findtext("Code")),
                         (403, "AccessDenied"))
        # A changed signature, and an expired URL.
        tampered = get_url.replace("X-Amz-Signature=", "X-Amz-Signature=0")[:-1]
        r = request(gw.services_port, "GET", tampered.split(f":{gw.services_port}", 1)[1])
        self.assertEqual((r.status, ET.fromstring(r.body).findtext("Code")),
                         (403, "SignatureDoesNotMatch"))
        short = reader.generate_presigned_url(
            "get_object", Params={"Bucket": "secure", "Key": key}, ExpiresIn=1)
        time.sleep(2.1)
        r = request(gw.services_port, "GET", short.split(f":{gw.services_port}", 1)[1])
        doc = ET.fromstring(r.body)
        self.assertEqual((r.status, doc.findtext("Code"), doc.findtext("Message")),
                         (403, "AccessDenied", "Request has expired"))
        self.assertEqual(writer.list_objects_v2(Bucket="secure")["KeyCount"], 1)
        # SigV2 presigned URLs (this boto3's default for presigning) are not verified: S3's
        # answer where only SigV4 is taken.
        v2 = client(gw, "AKIAS3READER0000001", "reader-secret").generate_presigned_url(
            "get_object", Params={"Bucket": "secure", "Key": key}, ExpiresIn=300)
        self.assertIn("AWSAccessKeyId=", v2)
        r = request(gw.services_port, "GET", v2.split(f":{gw.services_port}", 1)[1])
        self.assertEqual((r.status, ET.fromstring(r.body).findtext("Code")),
                         (400, "InvalidRequest"))


if __name__ == "__main__":
    unittest.main()
