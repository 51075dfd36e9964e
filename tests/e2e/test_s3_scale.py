"""The S3 API at size, end to end: a 100 MB object through boto3's multipart transfer (parts of
8 MB, under the services listener's 10 MB body limit), and listings over 2,500 keys paged by
boto3's ListObjects / ListObjectsV2 paginators, with and without a delimiter.

Re-runs itself with /usr/bin/python3 when the running Python lacks boto3 (debian_python.py)."""

import debian_python

debian_python.require("boto3")

import concurrent.futures
import hashlib
import io
import os
import unittest

import boto3.s3.transfer

from harness import GatewayTestCase
from test_s3 import CONFIG, MB, client


class S3ScaleTest(GatewayTestCase):
    def setUp(self):
        self.gw = self.start_gateway(CONFIG)
        self.s3 = client(self.gw)

    def test_multipart_of_a_100_mb_object(self):
        s3 = self.s3
        s3.create_bucket(Bucket="large")
        size, chunk = 100 * MB, 8 * MB
        # Not repetitive, so a misplaced or repeated part changes the digest.
        body = os.urandom(size)
        config = boto3.s3.transfer.TransferConfig(multipart_threshold=chunk,
                                                  multipart_chunksize=chunk, max_concurrency=4)
        s3.upload_fileobj(io.BytesIO(body), "large", "blob.bin", Config=config)
        parts = [body[i:i + chunk] for i in range(0, size, chunk)]
        self.assertEqual(len(parts), 13)
        expected_etag = '"%s-%d"' % (hashlib.md5(b"".join(hashlib.md5(p).digest()
                                                          for p in parts)).hexdigest(), len(parts))
        head = s3.head_object(Bucket="large", Key="blob.bin")
        self.assertEqual((head["ContentLength"], head["ETag"]), (size, expected_etag))
        got = io.BytesIO()
        s3.download_fileobj("large", "blob.bin", got, Config=config)  # ranged GETs in parallel
        self.assertEqual(hashlib.md5(got.getvalue()).hexdigest(), hashlib.md5(body).hexdigest())
        whole = s3.get_object(Bucket="large", Key="blob.bin")
        self.assertEqual(whole["ETag"], expected_etag)
        self.assertEqual(hashlib.md5(whole["Body"].read()).digest(), hashlib.md5(body).digest())
        # The upload is gone once complete, and the listing shows the object once.
        self.assertNotIn("Uploads", s3.list_multipart_uploads(Bucket="large"))
        listed = s3.list_objects_v2(Bucket="large")["Contents"]
        self.assertEqual([(o["Key"], o["Size"], o["ETag"]) for o in listed],
                         [("blob.bin", size, expected_etag)])

    def test_listing_2500_keys_with_delimiters_and_pagination(self):
        s3 = self.s3
        s3.create_bucket(Bucket="many")
        keys = [f"dir{i % 5}/file{i:05d}" for i in range(2000)]
        keys += [f"dir{i % 5}/sub/x{i:04d}" for i in range(250)]
        keys += [f"top{i:04d}" for i in range(240)]
        keys += ["dir0", "dir0/", "dir1/sub", "é/ü", "\U0001F600/k", "a+b c", "z/", "~"]
        keys += [f"deep/{i % 3}/{i % 2}/leaf{i}" for i in range(2)]
        self.assertEqual(len(set(keys)), len(keys))
        self.assertGreaterEqual(len(keys), 2500)

        def put(key):
            s3.put_object(Bucket="many", Key=key, Body=key.encode())

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(put, keys))
        # S3's order is UTF-8 binary order.
        ordered = sorted(keys, key=lambda k: k.encode())

        def paged(version, page_size, **kw):
            name = "list_objects_v2" if version == 2 else "list_objects"
            paginator = s3.get_paginator(name)
            contents, prefixes, pages = [], [], 0
            for page in paginator.paginate(Bucket="many",
                                           PaginationConfig={"PageSize": page_size}, **kw):
                pages += 1
                got = [o["Key"] for o in page.get("Contents", [])]
                got_prefixes = [p["Prefix"] for p in page.get("CommonPrefixes", [])]
                self.assertLessEqual(len(got) + len(got_prefixes), page_size)
                contents += got
                prefixes += got_prefixes
            return contents, prefixes, pages

        def expect(prefix="", delimiter=""):
            contents, prefixes = [], []
            for k in ordered:
                if not k.startswith(prefix):
                    continue
                rest = k[len(prefix):]
                if delimiter and delimiter in rest:
                    p = prefix + rest[:rest.index(delimiter) + len(delimiter)]
                    if not prefixes or prefixes[-1] != p:
                        prefixes.append(p)
                else:
                    contents.append(k)
            return contents, prefixes

        for version in (1, 2):
            with self.subTest(version=version, listing="flat"):
                contents, prefixes, pages = paged(version, 1000)
                self.assertEqual(contents, ordered)  # complete, in order, no duplicates
                self.assertEqual((prefixes, pages), ([], 3))
            with self.subTest(version=version, listing="small pages"):
                contents, _, pages = paged(version, 333, Prefix="dir2/")
                self.assertEqual(contents, expect("dir2/")[0])
                self.assertEqual(pages, -(-len(contents) // 333))
            for prefix, delimiter, size in (("", "/", 7), ("dir3/", "/", 50), ("dir", "/", 2),
                                            ("deep/", "/", 1), ("", "0", 100)):
                with self.subTest(version=version, prefix=prefix, delimiter=delimiter):
                    contents, prefixes, _ = paged(version, size, Prefix=prefix,
                                                  Delimiter=delimiter)
                    want_contents, want_prefixes = expect(prefix, delimiter)
                    self.assertEqual(contents, want_contents)
                    self.assertEqual(prefixes, want_prefixes)
                    self.assertEqual(len(set(contents)), len(contents))
                    self.assertEqual(len(set(prefixes)), len(prefixes))
        # The top level, exactly.
        contents, prefixes = expect("", "/")
        self.assertEqual(prefixes, ["deep/", "dir0/", "dir1/", "dir2/", "dir3/", "dir4/", "z/",
                                    "é/", "\U0001F600/"])
        self.assertEqual(contents[:2], ["a+b c", "dir0"])


if __name__ == "__main__":
    unittest.main()
