"""The S3 store's promises, end to end against the built gateway.

- Crashes (kill -9) during uploads: a PutObject of a new key, an overwrite of an existing key
  and a multipart part, each cut off with only half of its body sent, and PutObjects killed
  right after their whole body was sent (the write may be in the store). After a restart on the
  same data directory every key is absent or its old content, or (when the whole body arrived)
  exactly the new content; never a mix, and never a temp file listed as an object. A multipart
  upload outlives the crash with the parts that were complete: it can be completed (the cut-off
  part uploaded again) or aborted.
- Keys that look like paths ("../x", "a/../../b", "/etc/passwd", "..", "%2e%2e/x"), unicode and
  1,024-byte keys: exact round trips, and no file is created outside the data directory.

Uses fsync (the default): a kill -9 loses no page cache, so this checks the write protocol
(temp file, rename) rather than the disk's. Re-runs itself with /usr/bin/python3 when the running
Python lacks boto3 (debian_python.py)."""

import debian_python

debian_python.require("boto3")

import hashlib
import os
import socket
import time
import unittest
from pathlib import Path

from botocore.exceptions import ClientError

from harness import GatewayTestCase, request
from lambda_support import listeners_yaml
from test_s3 import MB, client

CONFIG = listeners_yaml("  limits: {maxBodyBytes: 33554432}\n") + """\
s3: {dataDir: buckets}
apis:
  - id: web
    protocol: HTTP
    routes: {"GET /": {integration: {type: mock}}}
"""


def start_put(port: int, path: str, body: bytes, send: int) -> socket.socket:
    """A PUT announcing len(body) bytes, of which only the first `send` are sent."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = (f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Length: {len(body)}\r\nContent-Type: application/octet-stream\r\n\r\n")
    sock.sendall(head.encode() + body[:send])
    return sock


def files_under(root: Path) -> set:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


class S3CrashTest(GatewayTestCase):
    def setUp(self):
        self.gw = self.start_gateway(CONFIG)
        self.s3 = client(self.gw)

    def crash_and_restart(self, *sockets):
        time.sleep(0.3)  # the gateway has read what was sent
        self.gw.kill()  # SIGKILL
        for s in sockets:
            s.close()
        self.gw.start()
        self.s3 = client(self.gw)

    def body_of(self, bucket, key):
        try:
            return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as e:
            self.assertEqual(e.response["Error"]["Code"], "NoSuchKey")
            return None

    def assert_listing_consistent(self, bucket, expected: dict):
        """The listing is exactly the keys that exist, with their sizes and ETags, and no
        in-flight file is left in the bucket's tmp/ directory."""
        listed = self.s3.list_objects_v2(Bucket=bucket).get("Contents", [])
        self.assertEqual({o["Key"]: (o["Size"], o["ETag"]) for o in listed},
                         {k: (len(v), self.s3.head_object(Bucket=bucket, Key=k)["ETag"])
                          for k, v in expected.items()})
        for key, data in expected.items():
            self.assertEqual(self.body_of(bucket, key), data, key)
        self.assertEqual(list((self.gw.dir / "buckets" / bucket / "tmp").iterdir()), [])

    def test_put_cut_off_by_kill(self):
        s3 = self.s3
        s3.create_bucket(Bucket="crash")
        old = os.urandom(3 * MB)
        s3.put_object(Bucket="crash", Key="existing", Body=old)
        s3.put_object(Bucket="crash", Key="other", Body=b"untouched")
        new = os.urandom(16 * MB)
        port = self.gw.services_port
        sockets = [start_put(port, "/crash/fresh", new, len(new) // 2),
                   start_put(port, "/crash/existing", new, len(new) // 2)]
        self.crash_and_restart(*sockets)
        self.assertIsNone(self.body_of("crash", "fresh"))
        self.assert_listing_consistent("crash", {"existing": old, "other": b"untouched"})
        # The keys are usable afterwards.
        self.assertEqual(self.s3.head_object(Bucket="crash", Key="existing")["ETag"],
                         '"%s"' % hashlib.md5(old).hexdigest())
        self.s3.put_object(Bucket="crash", Key="fresh", Body=b"now")
        self.assertEqual(self.body_of("crash", "fresh"), b"now")

    def test_put_with_whole_body_killed_in_flight(self):
        s3 = self.s3
        s3.create_bucket(Bucket="race")
        old = os.urandom(2 * MB)
        news = {}
        for i in range(6):
            s3.put_object(Bucket="race", Key=f"over{i}", Body=old)
        port = self.gw.services_port
        # Several writes racing the kill at different points: each ends up old-or-absent or
        # exactly new, whichever side of the rename the kill fell.
        for i, delay in enumerate((0.0, 0.002, 0.01, 0.03, 0.06, 0.12)):
            new = os.urandom(12 * MB)
            news[i] = new
            sockets = [start_put(port, f"/race/fresh{i}", new, len(new)),
                       start_put(port, f"/race/over{i}", new, len(new))]
            time.sleep(delay)
            self.gw.kill()
            for s in sockets:
                s.close()
            self.gw.start()
            port = self.gw.services_port
        self.s3 = client(self.gw)
        expected = {}
        for i, new in news.items():
            fresh = self.body_of("race", f"fresh{i}")
            self.assertIn(fresh, (None, new), f"fresh{i} is a mix")
            if fresh is not None:
                expected[f"fresh{i}"] = new
            over = self.body_of("race", f"over{i}")
            self.assertIn(over, (old, new), f"over{i} is neither the old nor the new body")
            expected[f"over{i}"] = over
        self.assert_listing_consistent("race", expected)

    def test_multipart_part_cut_off_by_kill(self):
        s3 = self.s3
        s3.create_bucket(Bucket="mpc")
        part1 = os.urandom(5 * MB)
        uid = s3.create_multipart_upload(Bucket="mpc", Key="obj")["UploadId"]
        e1 = s3.upload_part(Bucket="mpc", Key="obj", UploadId=uid, PartNumber=1,
                            Body=part1)["ETag"]
        doomed = s3.create_multipart_upload(Bucket="mpc", Key="doomed")["UploadId"]
        s3.upload_part(Bucket="mpc", Key="doomed", UploadId=doomed, PartNumber=1, Body=b"d" * 100)
        part2 = os.urandom(6 * MB)
        port = self.gw.services_port
        sockets = [
            start_put(port, f"/mpc/obj?partNumber=2&uploadId={uid}", part2, len(part2) // 2),
            # A part that replaces a complete one: the complete one survives.
            start_put(port, f"/mpc/obj?partNumber=1&uploadId={uid}", part2, len(part2) // 3),
            start_put(port, f"/mpc/doomed?partNumber=2&uploadId={doomed}", part2, 1000)]
        self.crash_and_restart(*sockets)
        s3 = self.s3
        # The uploads survive with their complete parts only; nothing became an object.
        uploads = s3.list_multipart_uploads(Bucket="mpc")["Uploads"]
        self.assertEqual(sorted((u["Key"], u["UploadId"]) for u in uploads),
                         sorted([("obj", uid), ("doomed", doomed)]))
        parts = s3.list_parts(Bucket="mpc", Key="obj", UploadId=uid).get("Parts", [])
        self.assertEqual([(p["PartNumber"], p["Size"], p["ETag"]) for p in parts],
                         [(1, len(part1), e1)])
        self.assertNotIn("Contents", s3.list_objects_v2(Bucket="mpc"))
        # Completing with the cut-off part sent again gives exactly the intended object.
        e2 = s3.upload_part(Bucket="mpc", Key="obj", UploadId=uid, PartNumber=2,
                            Body=part2)["ETag"]
        s3.complete_multipart_upload(Bucket="mpc", Key="obj", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
        self.assertEqual(hashlib.md5(self.body_of("mpc", "obj")).digest(),
                         hashlib.md5(part1 + part2).digest())
        # Aborting the other one removes it and its parts from disk.
        s3.abort_multipart_upload(Bucket="mpc", Key="doomed", UploadId=doomed)
        self.assertNotIn("Uploads", s3.list_multipart_uploads(Bucket="mpc"))
        self.assertEqual(list((self.gw.dir / "buckets" / "mpc" / "uploads").iterdir()), [])
        self.assert_listing_consistent("mpc", {"obj": part1 + part2})


class S3KeyTraversalTest(GatewayTestCase):
    def setUp(self):
        self.gw = self.start_gateway(CONFIG)
        self.s3 = client(self.gw)

    def raw(self, method, path, body=None):
        return request(self.gw.services_port, method, path, body=body)

    def test_path_like_keys_stay_inside_the_data_dir(self):
        gw = self.gw
        outside = gw.dir.parent
        before_outside = {p.name for p in outside.iterdir()}
        passwd = Path("/etc/passwd").read_bytes()
        self.s3.create_bucket(Bucket="trav")
        before_dir = files_under(gw.dir) - {"stdout.log", "stderr.log"}
        # Raw request paths (no client-side normalisation) and the key each one names.
        raw_keys = [
            ("/trav/../x", "../x"),
            ("/trav/a/../../b", "a/../../b"),
            ("/trav//etc/passwd", "/etc/passwd"),
            ("/trav/..", ".."),
            ("/trav/%2e%2e/y", "../y"),
            ("/trav/%2E%2E%2F%2E%2E%2Fw", "../../w"),
            ("/trav/./z", "./z"),
            ("/trav/...", "..."),
            ("/trav/a%5C..%5C..%5Cc", "a\\..\\..\\c"),
            ("/trav/%2Fabs", "/abs"),
        ]
        for path, key in raw_keys:
            with self.subTest(path=path):
                body = f"body of {key}".encode()
                r = self.raw("PUT", path, body)
                self.assertEqual(r.status, 200, r.body)
                r = self.raw("GET", path)
                self.assertEqual((r.status, r.body), (200, body))
                # The same key through the SDK (which percent-encodes it).
                got = self.s3.get_object(Bucket="trav", Key=key)["Body"].read()
                self.assertEqual(got, body)
        # The SDK's own encoding of odd keys, including literal percent signs.
        sdk_keys = ["%2e%2e/x", "%2F", "..%2f..%2fq", "ü/ñ/日本", "\U0001F600" * 256,
                    "ü" * 512, "a" * 1024, "tab\tkey", "sp ace+plus", "?&=#"]
        for key in sdk_keys:
            with self.subTest(key=key[:40]):
                self.assertLessEqual(len(key.encode()), 1024)
                data = key.encode() * 3
                self.s3.put_object(Bucket="trav", Key=key, Body=data)
                self.assertEqual(self.s3.get_object(Bucket="trav", Key=key)["Body"].read(), data)
        with self.assertRaises(ClientError) as raised:
            self.s3.put_object(Bucket="trav", Key="a" * 1025, Body=b"")
        self.assertEqual(raised.exception.response["Error"]["Code"], "KeyTooLongError")
        with self.assertRaises(ClientError):
            self.s3.put_object(Bucket="trav", Key="é" * 513, Body=b"")  # 1,026 bytes

        all_keys = sorted({k for _, k in raw_keys} | set(sdk_keys), key=str.encode)
        listed = [o["Key"] for o in self.s3.get_paginator("list_objects_v2").paginate(
            Bucket="trav", PaginationConfig={"PageSize": 4}).search("Contents")]
        self.assertEqual(listed, all_keys)
        listed_v1 = [o["Key"] for o in self.s3.list_objects(Bucket="trav")["Contents"]]
        self.assertEqual(listed_v1, all_keys)

        # Nothing outside the data directory: not beside the gateway's directory, not in it
        # outside buckets/, not /etc/passwd.
        self.assertEqual({p.name for p in outside.iterdir()} - before_outside -
                         {p.name for p in outside.iterdir() if p.name.startswith("gatehouse-")},
                         set())
        after_dir = files_under(gw.dir) - {"stdout.log", "stderr.log"}
        self.assertEqual({f for f in after_dir - before_dir if not f.startswith("buckets/")},
                         set())
        self.assertEqual(Path("/etc/passwd").read_bytes(), passwd)
        # Inside the bucket, objects are only files at objects/<2 hex>/<hash>.
        objects = gw.dir / "buckets" / "trav" / "objects"
        files = [p for p in objects.rglob("*") if p.is_file()]
        self.assertEqual(len(files), len(all_keys))
        for f in files:
            rel = f.relative_to(objects).parts
            self.assertEqual(len(rel), 2, f)
            self.assertRegex(rel[0], r"^[0-9a-f]{2}$")
            self.assertRegex(rel[1], r"^[0-9a-f]+$")
        # Deletes by the same odd names remove exactly those objects.
        for path, key in raw_keys:
            self.assertEqual(self.raw("DELETE", path).status, 204)
        left = [o["Key"] for o in self.s3.list_objects_v2(Bucket="trav")["Contents"]]
        self.assertEqual(left, sorted(sdk_keys, key=str.encode))


if __name__ == "__main__":
    unittest.main()
