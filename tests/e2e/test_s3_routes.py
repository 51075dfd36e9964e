"""`type: s3` route integrations (API Gateway's S3 proxy), end to end: the built gateway serving
HTTP and REST API routes that upload, download, list and delete objects in local buckets,
driven with http.client; what was stored is read back with boto3 through the S3 API on the
services listener, so a mapping bug cannot hide behind its own answer.

Covered: PUT/GET of binary bodies byte for byte (Content-Type, ETag, Last-Modified kept), Range
(206 + Content-Range), HEAD, DELETE, listings as JSON (prefix, delimiter, pages) and as S3's
XML, a missing key as 404 {"message":"Not Found"}, S3's other errors as JSON or XML, a key the
request lacks (400), `{name}` placeholders, keys with slashes and escapes through a greedy
parameter, dot-segment traversal refused, stage variables choosing the bucket, REST
binaryMediaTypes (bytes untouched when declared, UTF-8 text otherwise, as AWS), an ANY route
acting by method, `gatehouse routes`, and config errors with line:col from `gatehouse validate`.

Like test_s3.py, the file re-runs itself with /usr/bin/python3 when the Python running the
tests lacks boto3 (debian_python.py)."""

import debian_python

debian_python.require("boto3")

import hashlib
import json
import unittest
import xml.etree.ElementTree as ET

import boto3
import botocore.config

from harness import Gateway, RawClient, request, run_cli
from lambda_support import listeners_yaml

LISTENERS = listeners_yaml()

ROUTES = """\
s3: {dataDir: buckets, fsync: false}
apis:
  - id: web
    protocol: HTTP
    stages:
      $default:
        stageVariables: {bucket: files}
    routes:
      "GET /files":
        integration: {type: s3, bucket: files}
      "GET /xml/files":
        integration: {type: s3, bucket: files, response: xml}
      "ANY /files/{key+}":
        integration: {type: s3, bucket: $stageVariables.bucket}
      "GET /xml/files/{key+}":
        integration: {type: s3, bucket: files, response: xml}
      "GET /docs/{folder}/{name}":
        integration: {type: s3, bucket: files, key: "{folder}/{name}"}
      "GET /by-query":
        integration: {type: s3, bucket: files, action: GetObject, key: $request.querystring.name}
      "GET /folders/{folder}":
        integration: {type: s3, bucket: files, action: ListObjectsV2, prefix: "{folder}/"}
      "GET /albums/{album}":
        integration: {type: s3, bucket: files, prefix: "{album}/"}
      "POST /upload/{name}":
        integration: {type: s3, bucket: files, action: PutObject, key: "uploads/${request.path.name}"}
      "GET /nobucket/{key}":
        integration: {type: s3, bucket: no-such-bucket}
  - id: rest
    protocol: REST
    basePath: /rest
    binaryMediaTypes: [image/png, application/octet-stream]
    stages:
      dev: {stageVariables: {bucket: files}}
      prod: {stageVariables: {bucket: prod-files}}
    routes:
      "GET /objects/{key+}":
        integration: {type: s3, bucket: "${stageVariables.bucket}"}
      "PUT /objects/{key+}":
        integration: {type: s3, bucket: "${stageVariables.bucket}"}
"""

CONFIG = LISTENERS + ROUTES

PNG = bytes(range(256)) * 40 + b"\x89PNG\r\n\x1a\n\x00\xff\xfe"


def etag(data: bytes) -> str:
    return '"' + hashlib.md5(data).hexdigest() + '"'


class S3RouteTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(CONFIG)
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()
        cls.port = cls.gw.api_port
        cls.s3 = boto3.client(
            "s3", endpoint_url=f"http://127.0.0.1:{cls.gw.services_port}",
            region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
            config=botocore.config.Config(s3={"addressing_style": "path"},
                                          retries={"total_max_attempts": 1}))
        for bucket in ("files", "prod-files", "other"):
            cls.s3.create_bucket(Bucket=bucket)
        cls.s3.put_object(Bucket="other", Key="secret", Body=b"top secret")

    def call(self, method, path, body=None, headers=None):
        return request(self.port, method, path, body=body, headers=headers or {})

    def stored(self, key, bucket="files"):
        return self.s3.get_object(Bucket=bucket, Key=key)

    def keys(self, bucket="files", prefix=""):
        out = self.s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
        return [o["Key"] for o in out.get("Contents", [])]

    # ------------------------------------------------------------------------ objects

    def test_upload_and_download_binary(self):
        r = self.call("PUT", "/files/photos/cat.png", PNG,
                      {"Content-Type": "image/png", "x-amz-meta-owner": "ada"})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.header("ETag"), etag(PNG))
        self.assertIsNone(r.header("x-amz-request-id"))  # S3's ids stay behind
        obj = self.stored("photos/cat.png")
        self.assertEqual(obj["Body"].read(), PNG)
        self.assertEqual(obj["ContentType"], "image/png")
        self.assertEqual(obj["Metadata"], {"owner": "ada"})

        r = self.call("GET", "/files/photos/cat.png")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, PNG)
        self.assertEqual(r.header("Content-Type"), "image/png")
        self.assertEqual(r.header("ETag"), etag(PNG))
        self.assertEqual(r.header("Content-Length"), str(len(PNG)))
        self.assertTrue(r.header("Last-Modified"))
        self.assertEqual(r.header("x-amz-meta-owner"), "ada")

    def test_range_conditional_and_head(self):
        data = b"0123456789abcdefghij"
        self.assertEqual(self.call("PUT", "/files/range.txt", data,
                                   {"Content-Type": "text/plain"}).status, 200)
        r = self.call("GET", "/files/range.txt", headers={"Range": "bytes=5-9"})
        self.assertEqual(r.status, 206, r.text)
        self.assertEqual(r.body, b"56789")
        self.assertEqual(r.header("Content-Range"), "bytes 5-9/20")
        r = self.call("GET", "/files/range.txt", headers={"Range": "bytes=50-60"})
        self.assertEqual(r.status, 416)
        self.assertEqual(r.json()["code"], "InvalidRange")
        r = self.call("GET", "/files/range.txt", headers={"If-None-Match": etag(data)})
        self.assertEqual((r.status, r.body), (304, b""))
        r = self.call("HEAD", "/files/range.txt")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"")
        self.assertEqual(r.header("ETag"), etag(data))
        self.assertEqual(r.header("Content-Type"), "text/plain")
        r = self.call("HEAD", "/files/nothing-here")
        self.assertEqual((r.status, r.body), (404, b""))

    def test_delete_then_not_found(self):
        self.call("PUT", "/files/gone.txt", b"bye")
        self.assertIn("gone.txt", self.keys())
        r = self.call("DELETE", "/files/gone.txt")
        self.assertEqual(r.status, 204, r.text)
        self.assertNotIn("gone.txt", self.keys())
        r = self.call("GET", "/files/gone.txt")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(r.json(), {"message": "Not Found"})
        # S3's other errors keep S3's status, worded as JSON; `response: xml` passes S3's XML.
        r = self.call("GET", "/nobucket/x")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json(), {"message": "The specified bucket does not exist",
                                    "code": "NoSuchBucket"})
        r = self.call("GET", "/xml/files/gone.txt")
        self.assertEqual(r.status, 404)
        self.assertEqual(ET.fromstring(r.body).findtext("Code"), "NoSuchKey")
        # A method an ANY route has no action for.
        r = self.call("POST", "/files/x")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.json(), {"message": "Method Not Allowed"})

    def test_keys_from_placeholders_query_and_escapes(self):
        self.s3.put_object(Bucket="files", Key="reports/2026.txt", Body=b"annual")
        r = self.call("GET", "/docs/reports/2026.txt")
        self.assertEqual((r.status, r.body), (200, b"annual"))
        r = self.call("GET", "/by-query?name=reports%2F2026.txt")
        self.assertEqual((r.status, r.body), (200, b"annual"))
        r = self.call("GET", "/by-query")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json(), {
            "message": "the request has no value for the key ($request.querystring.name)"})
        r = self.call("POST", "/upload/new.bin", b"\x00\x01")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(self.stored("uploads/new.bin")["Body"].read(), b"\x00\x01")
        # A greedy parameter keeps slashes; escapes are decoded into the key.
        r = self.call("PUT", "/files/deep/a/b/c%20d%2B%C3%A9.txt", b"deep")
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("deep/a/b/c d+é.txt", self.keys(prefix="deep/"))
        r = self.call("GET", "/files/deep/a/b/c%20d%2B%C3%A9.txt")
        self.assertEqual((r.status, r.body), (200, b"deep"))

    def test_traversal_stays_in_the_bucket(self):
        attempts = ["/files/../other/secret", "/files/..%2Fother%2Fsecret",
                    "/files/a/%2e%2e/%2e%2e/other/secret", "/files/./secret",
                    "/docs/..%2F..%2Fother/secret"]
        for path in attempts:
            with self.subTest(path=path):
                client = RawClient(self.port)
                self.addCleanup(client.sock.close)
                r = client.request("GET", path)
                self.assertIn(r.status, (400, 404), r.body)
                self.assertNotIn(b"top secret", r.body)
                r = client.request("PUT", path, body=b"overwritten")
                self.assertIn(r.status, (400, 404), r.body)
        self.assertEqual(self.s3.get_object(Bucket="other", Key="secret")["Body"].read(),
                         b"top secret")
        self.assertEqual([k for k in self.keys() if "secret" in k], [])

    # ------------------------------------------------------------------------ listings

    def test_list_as_json(self):
        for key in ("list/a.txt", "list/dir/b.txt", "list/dir/c.txt"):
            self.s3.put_object(Bucket="files", Key=key, Body=key.encode())
        r = self.call("GET", "/files?prefix=list/")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.header("Content-Type"), "application/json")
        body = r.json()
        self.assertEqual([o["key"] for o in body["objects"]],
                         ["list/a.txt", "list/dir/b.txt", "list/dir/c.txt"])
        self.assertEqual(body["objects"][0]["size"], len(b"list/a.txt"))
        self.assertEqual(body["objects"][0]["etag"], etag(b"list/a.txt"))
        self.assertRegex(body["objects"][0]["lastModified"], r"^\d{4}-\d\d-\d\dT")
        self.assertEqual((body["prefixes"], body["count"]), ([], 3))
        self.assertNotIn("nextToken", body)
        r = self.call("GET", "/files?prefix=list/&delimiter=/")
        self.assertEqual(r.json()["prefixes"], ["list/dir/"])
        self.assertEqual([o["key"] for o in r.json()["objects"]], ["list/a.txt"])
        # Pages: maxKeys, then nextToken back.
        first = self.call("GET", "/files?prefix=list/&maxKeys=2").json()
        self.assertEqual(first["count"], 2)
        token = first["nextToken"]
        second = self.call("GET", "/files?prefix=list/&maxKeys=2&nextToken=" +
                           __import__("urllib.parse").parse.quote(token, safe="")).json()
        self.assertEqual([o["key"] for o in second["objects"]], ["list/dir/c.txt"])
        self.assertNotIn("nextToken", second)
        # A prefix from the path.
        r = self.call("GET", "/folders/list")
        self.assertEqual(r.json()["count"], 3)

    def test_prefix_route_lists_without_action(self):
        # A GET route that sets a prefix and no key lists (ListObjectsV2) without naming the
        # action; its path parameter feeds the prefix instead of becoming a key.
        for key in ("album/one.jpg", "album/two.jpg", "albums.txt"):
            self.s3.put_object(Bucket="files", Key=key, Body=b"x")
        r = self.call("GET", "/albums/album")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual([o["key"] for o in r.json()["objects"]],
                         ["album/one.jpg", "album/two.jpg"])
        out = run_cli("routes", str(self.gw.config_path))
        self.assertRegex(out.stdout, r"GET /albums/\{album\}\s.*s3 ListObjectsV2 files prefix "
                                     r"\$\{request\.path\.album\}/")

    def test_list_as_xml(self):
        self.s3.put_object(Bucket="files", Key="xml/one", Body=b"1")
        r = self.call("GET", "/xml/files?prefix=xml/")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.header("Content-Type"), "application/xml")
        ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
        doc = ET.fromstring(r.body)
        self.assertEqual(doc.tag, ns + "ListBucketResult")
        self.assertEqual([c.findtext(ns + "Key") for c in doc.findall(ns + "Contents")],
                         ["xml/one"])

    # ------------------------------------------------------------------------ REST

    def test_stage_variables_choose_the_bucket(self):
        for stage, bucket in (("dev", "files"), ("prod", "prod-files")):
            r = self.call("PUT", f"/rest/{stage}/objects/staged.bin", PNG,
                          {"Content-Type": "application/octet-stream"})
            self.assertEqual(r.status, 200, r.text)
            self.assertEqual(self.stored("staged.bin", bucket)["Body"].read(), PNG)
            r = self.call("GET", f"/rest/{stage}/objects/staged.bin",
                          headers={"Accept": "application/octet-stream"})
            self.assertEqual((r.status, r.body), (200, PNG))
        self.s3.delete_object(Bucket="prod-files", Key="staged.bin")
        r = self.call("GET", "/rest/prod/objects/staged.bin")
        self.assertEqual((r.status, r.json()), (404, {"message": "Not Found"}))

    def test_rest_binary_media_types(self):
        # Not a binary media type: API Gateway handles the payload as UTF-8 text, so bytes
        # that are not UTF-8 become U+FFFD, both ways (as on AWS; declare the type to keep them).
        r = self.call("PUT", "/rest/dev/objects/text.bin", b"ok\xff\xfe!",
                      {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(self.stored("text.bin")["Body"].read(), "ok\ufffd\ufffd!".encode())
        self.s3.put_object(Bucket="files", Key="raw.png", Body=PNG, ContentType="image/png")
        r = self.call("GET", "/rest/dev/objects/raw.png", headers={"Accept": "image/png"})
        self.assertEqual((r.status, r.body), (200, PNG))
        r = self.call("GET", "/rest/dev/objects/raw.png", headers={"Accept": "application/json"})
        self.assertEqual(r.status, 200)
        self.assertNotEqual(r.body, PNG)
        self.assertEqual(r.body, PNG.decode("utf-8", "replace").encode())

    # ------------------------------------------------------------------------ CLI

    def test_routes_describes_the_integrations(self):
        out = run_cli("routes", str(self.gw.config_path))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertRegex(out.stdout, r"GET /files\s.*s3 ListObjectsV2 files prefix "
                                     r"\$request\.querystring\.prefix \(json, local buckets in ")
        self.assertIn("s3 GetObject files key ${request.path.folder}/${request.path.name}",
                      out.stdout)
        self.assertIn("s3 GetObject prod-files key ${request.path.key}", out.stdout)
        self.assertIn("s3 GET/HEAD/PUT/DELETE files key ${request.path.key}", out.stdout)


class S3RouteConfigTest(unittest.TestCase):
    """`gatehouse validate` reports each problem with file:line:col."""

    def route(self, integration, route_key="GET /x/{id}"):
        return LISTENERS + """\
apis:
  - id: web
    routes:
      "%s":
        integration: %s
""" % (route_key, integration)

    def assertError(self, text, marker, message):
        line = max(i for i, l in enumerate(text.splitlines(), 1) if marker in l)
        gw = Gateway(text)
        self.addCleanup(gw.close)
        gw.config_path.write_text(gw.render(text))
        out = run_cli("validate", str(gw.config_path))
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertRegex(out.stdout + out.stderr,
                         r"gatehouse\.yaml:%d:\d+: error: .*%s" % (line, message),
                         out.stdout + out.stderr)

    def test_route_errors(self):
        cases = [
            ("{type: s3, bucket: files, action: GetObjects}",
             "unknown action 'GetObjects'.*did you mean 'GetObject'"),
            ("{type: s3, bucket: files, key: $request.path.name}",
             r"the route GET /x/\{id\} has no path parameter 'name'"),
            ("{type: s3, bucket: files, key: \"{ide}\"}",
             "no path parameter 'ide'; did you mean 'id'"),
            ("{type: s3, bucket: files, action: ListObjectsV2, key: $request.path.id}",
             "'key' does not apply to ListObjectsV2"),
            ("{type: s3, bucket: Bad_Bucket}", "'Bad_Bucket' is not a valid S3 bucket name"),
            ("{type: s3, bucket: files, response: yaml}", "response is json"),
            ("{type: s3, bucket: files, region: x}", "unknown key 'region'"),
            ("{type: s3, key: $request.path.id}", "bucket"),
        ]
        for integration, message in cases:
            with self.subTest(integration=integration):
                self.assertError(self.route(integration), "integration:", message)

    def test_method_without_action(self):
        text = self.route("{type: s3, bucket: files}", "POST /x/{id}")
        self.assertError(text, "integration:", "POST implies no S3 action: set action")
        text = self.route("{type: s3, bucket: files}", "PUT /x")
        self.assertError(text, "integration:", "PutObject needs a key")


if __name__ == "__main__":
    unittest.main()
