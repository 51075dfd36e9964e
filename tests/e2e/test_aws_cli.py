"""The services endpoint driven by the real AWS CLI v2 (Debian 12's awscli, /usr/bin/aws), with
nothing but `--endpoint-url` pointing it at the gateway (issues 6 and 7): no addressing-style,
signature or checksum settings, path-style addressing chosen by the CLI itself for an IP
endpoint.

Covered:
  * S3, high level: `aws s3` mb / cp up and down (a small file, and 20 MiB: a multipart upload
    in 8 MiB parts and ranged downloads) / cp and mv between S3 URLs (UploadPartCopy in 8 MiB
    ranges after GetObjectTagging; CopyObject and DeleteObject; tags copied) / ls (buckets, a
    prefix, --recursive) / sync both ways (nested directories, keys with a space, a non-ASCII
    letter and + = & ; %; a second sync that has nothing to do but one --delete) / presign (the
    URL fetched by urllib) / rm --recursive / rb;
  * S3, low level: `aws s3api` put-object (metadata, content type) / head-object / get-object
    --range / list-objects-v2 (delimiter; --page-size with --max-items and --starting-token) /
    copy-object / put-object-tagging / get-object-tagging / delete-objects / a multipart upload
    (create, upload-part, list-parts, complete) / get-object of a missing key (exit code 254,
    NoSuchKey);
  * DynamoDB: create-table with a GSI, wait table-exists, put-item / get-item / update-item with
    an update expression, query on the GSI, scan paged by the CLI, batch-write-item,
    transact-write-items, update-time-to-live / describe-time-to-live, delete-table and wait
    table-not-exists, and a failed condition (ConditionalCheckFailedException, exit code 254);
  * iam.enforce: the right secret works for both services (presigned URL included); a wrong one
    is refused with SignatureDoesNotMatch (S3) and InvalidSignatureException (DynamoDB).

The CLI runs with a scratch HOME, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE (the user's own
AWS settings are never read), credentials from the environment, one attempt per request (a
failure is not hidden by a retry), no pager, JSON output. The CLI is required, not optional:
when /usr/bin/aws is missing the test fails (scripts/install-test-deps.sh installs it). Python
standard library only."""

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

from harness import GatewayTestCase, request
from lambda_support import listeners_yaml

CONFIG = listeners_yaml() + """\
s3: {dataDir: buckets, fsync: false}
dynamodb: {inMemory: true}
apis:
  - id: web
    protocol: HTTP
    routes: {"GET /": {integration: {type: mock}}}
"""

ACCESS_KEY = "AKIAAWSCLIUSER000001"
# '/' and '+' as in real secrets.
SECRET = "aws-cli/Secret+Key0123456789abcdefghijkl"
IAM_CONFIG = CONFIG + f"""\
iam:
  enforce: true
  credentials:
    - accessKeyId: {ACCESS_KEY}
      secretAccessKey: "{SECRET}"
      arn: arn:aws:iam::000000000000:user/aws-cli
      policies: [{{Version: "2012-10-17", Statement: [
        {{Effect: Allow, Action: ["s3:*", "dynamodb:*"], Resource: "*"}}]}}]
"""

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
MIB = 1024 * 1024
# The AWS CLI v2's exit code for a request the service answered with an error (AWS CLI User
# Guide, "Command line return codes in the AWS CLI").
SERVICE_ERROR = 254


def aws_cli() -> str:
    """The Debian package's AWS CLI v2. Another `aws` first on PATH (a pip-installed CLI v1,
    say) is not used: its options and defaults differ."""
    path = "/usr/bin/aws"
    if not os.path.exists(path):
        raise AssertionError("the AWS CLI v2 is not installed (/usr/bin/aws is missing): "
                             "run scripts/install-test-deps.sh (Debian package awscli)")
    return path


class AwsCli:
    """Runs `aws ... --endpoint-url http://127.0.0.1:PORT` with a private configuration."""

    def __init__(self, test: unittest.TestCase, port: int, key: str = "AKIAEXAMPLEDUMMY0001",
                 secret: str = "dummy-secret"):
        self.test = test
        self.port = port
        self.binary = aws_cli()
        self.home = Path(tempfile.mkdtemp(prefix="gatehouse-aws-cli-"))
        test.addCleanup(shutil.rmtree, self.home, True)
        (self.home / "config").write_text(
            "[default]\nregion = us-east-1\noutput = json\nmax_attempts = 1\n")
        (self.home / "credentials").write_text("")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env.update({
            "HOME": str(self.home),
            "AWS_CONFIG_FILE": str(self.home / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.home / "credentials"),
            "AWS_ACCESS_KEY_ID": key,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_DEFAULT_OUTPUT": "json",
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_PAGER": "",
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        self.gateway_log = lambda: ""

    def run(self, *args: str, expect: int = 0) -> subprocess.CompletedProcess:
        argv = [self.binary, *args, "--endpoint-url", f"http://127.0.0.1:{self.port}",
                "--no-cli-pager"]
        if args[0] == "s3" and args[1] in ("cp", "mv", "sync"):
            argv.append("--no-progress")  # only the "upload: A to B" lines
        p = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=self.env,
                           cwd=str(self.home), stdin=subprocess.DEVNULL)
        self.test.assertEqual(
            p.returncode, expect,
            f"aws {' '.join(args)}\n--- stdout:\n{p.stdout}\n--- stderr:\n{p.stderr}\n"
            f"--- gateway log (tail):\n{self.gateway_log()[-3000:]}")
        return p

    def json(self, *args: str):
        out = self.run(*args).stdout
        return json.loads(out) if out.strip() else None


def md5_etag(data: bytes) -> str:
    return '"' + hashlib.md5(data).hexdigest() + '"'


def tree(root: Path) -> dict[str, bytes]:
    """{relative path: content} of the files under `root`."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def ls_names(output: str, buckets: bool = False) -> list[str]:
    """The last column of `aws s3 ls` lines: "DATE TIME BUCKET" with `buckets`, else
    "DATE TIME SIZE KEY" or "PRE PREFIX/"."""
    names = []
    for line in output.splitlines():
        if line.lstrip().startswith("PRE "):
            names.append(line.split("PRE ", 1)[1])
        elif line.strip():
            names.append(line.split(None, 2 if buckets else 3)[-1])
    return names


def cli_error(code: str, operation: str) -> str:
    """A regex for the CLI's message of a service error (with one attempt per request, the
    CLI v2 adds "(reached max retries: 0)")."""
    return (rf"An error occurred \({code}\) when calling the {operation} operation"
            r"( \(reached max retries: 0\))?: ")


class AwsCliTest(GatewayTestCase):
    def setUp(self):
        aws_cli()  # fail before starting anything when the CLI is missing

    def cli(self, gw, **kw) -> AwsCli:
        cli = AwsCli(self, gw.services_port, **kw)
        cli.gateway_log = gw.stderr
        return cli

    def work_dir(self) -> Path:
        d = Path(tempfile.mkdtemp(prefix="gatehouse-aws-cli-files-"))
        self.addCleanup(shutil.rmtree, d, True)
        return d

    @staticmethod
    def s3_raw(gw, method, path, **kw):
        return request(gw.services_port, method, path, **kw)

    def bucket_names(self, gw) -> list[str]:
        r = self.s3_raw(gw, "GET", "/")
        self.assertEqual(r.status, 200, r.text)
        return [e.text for e in ET.fromstring(r.body).iter(f"{NS}Name")]

    def ddb_raw(self, gw, operation: str, body: dict) -> dict:
        r = request(gw.services_port, "POST", "/", body=json.dumps(body), headers={
            "X-Amz-Target": f"DynamoDB_20120810.{operation}",
            "Content-Type": "application/x-amz-json-1.0"})
        self.assertEqual(r.status, 200, r.text)
        return r.json()

    # ------------------------------------------------------------------------- S3, high level

    def test_s3_high_level_commands(self):
        gw = self.start_gateway(CONFIG)
        aws = self.cli(gw)
        files = self.work_dir()
        small = files / "small.txt"
        small.write_bytes(b"hello from the AWS CLI\n")
        big = files / "big.bin"
        big_data = os.urandom(20 * MIB)
        big.write_bytes(big_data)

        self.assertEqual(aws.run("s3", "mb", "s3://cli-high").stdout.strip(),
                         "make_bucket: cli-high")
        self.assertIn("cli-high", self.bucket_names(gw))

        # cp up: a single PutObject, then a multipart upload (20 MiB in the CLI's default 8 MiB
        # parts: 3 parts, so the ETag ends in -3).
        out = aws.run("s3", "cp", str(small), "s3://cli-high/docs/small.txt").stdout
        self.assertIn("upload: ", out)
        out = aws.run("s3", "cp", str(big), "s3://cli-high/blobs/big.bin").stdout
        self.assertIn("upload: ", out)
        head = self.s3_raw(gw, "HEAD", "/cli-high/blobs/big.bin")
        self.assertEqual(head.status, 200)
        self.assertEqual(head.header("Content-Length"), str(len(big_data)))
        self.assertRegex(head.header("ETag"), r'^"[0-9a-f]{32}-3"$')
        # The CLI guesses the content type from the file name.
        self.assertEqual(self.s3_raw(gw, "HEAD", "/cli-high/docs/small.txt")
                         .header("Content-Type"), "text/plain")

        # cp down: the big object in ranged GETs (8 MiB each), the small one to stdout.
        down = files / "down"
        aws.run("s3", "cp", "s3://cli-high/blobs/big.bin", str(down / "big.bin"))
        self.assertEqual(hashlib.sha256((down / "big.bin").read_bytes()).hexdigest(),
                         hashlib.sha256(big_data).hexdigest())
        self.assertEqual(aws.run("s3", "cp", "s3://cli-high/docs/small.txt", "-").stdout,
                         small.read_text())

        # sync up: nested directories, keys with a space, a non-ASCII letter and characters
        # SigV4 encodes (+ = & ; %) in the path and in ListObjectsV2's url-encoded keys. The files
        # are an hour old, so that a second sync finds S3's copies newer and has nothing to do.
        src = files / "site"
        layout = {
            "index.html": b"<h1>home</h1>",
            "css/site.css": b"body {}",
            "img/icons/logo.svg": b"<svg/>",
            "notes/caf\u00e9 menu.txt": "cr\u00e8me br\u00fbl\u00e9e".encode(),
            "notes/a+b=c&d;e.txt": b"signed as %2B, %3D, %26, %3B",
            "notes/100%.txt": b"percent",
        }
        for rel, data in layout.items():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            (src / rel).write_bytes(data)
        for p in src.rglob("*"):
            os.utime(p, (p.stat().st_mtime - 3600,) * 2)
        out = aws.run("s3", "sync", str(src), "s3://cli-high/site/").stdout
        self.assertEqual(sorted(line.split(" to ")[-1] for line in out.splitlines()
                                if line.startswith("upload: ")),
                         sorted(f"s3://cli-high/site/{rel}" for rel in layout), out)

        # ls: buckets, one "directory" level, everything.
        self.assertEqual(ls_names(aws.run("s3", "ls").stdout, buckets=True), ["cli-high"])
        self.assertEqual(ls_names(aws.run("s3", "ls", "s3://cli-high/site/").stdout),
                         ["css/", "img/", "notes/", "index.html"])
        listing = aws.run("s3", "ls", "--recursive", "s3://cli-high").stdout
        self.assertEqual(ls_names(listing), sorted(
            ["blobs/big.bin", "docs/small.txt"] + [f"site/{rel}" for rel in layout]))
        sizes = {line.split(None, 3)[3]: int(line.split()[2]) for line in listing.splitlines()}
        self.assertEqual(sizes["blobs/big.bin"], len(big_data))

        # cp between two S3 URLs copies on the server: UploadPartCopy in 8 MiB ranges for the big
        # object (over the multipart threshold), CopyObject then DeleteObject for an mv. Tags go
        # with them (--copy-props default: the CLI reads the source's with GetObjectTagging for
        # a multipart copy; CopyObject copies them itself).
        tag_set = {"TagSet": [{"Key": "team", "Value": "blue"}, {"Key": "tier", "Value": "2"}]}
        for key in ("blobs/big.bin", "docs/small.txt"):
            aws.run("s3api", "put-object-tagging", "--bucket", "cli-high", "--key", key,
                    "--tagging", json.dumps(tag_set))
        aws.run("s3", "cp", "s3://cli-high/blobs/big.bin", "s3://cli-high/blobs/copy.bin")
        self.assertEqual(aws.json("s3api", "get-object-tagging", "--bucket", "cli-high", "--key",
                                  "blobs/copy.bin"), tag_set)
        r = self.s3_raw(gw, "GET", "/cli-high/blobs/copy.bin")
        self.assertEqual((r.status, hashlib.sha256(r.body).hexdigest()),
                         (200, hashlib.sha256(big_data).hexdigest()))
        self.assertRegex(r.header("ETag"), r'^"[0-9a-f]{32}-3"$')
        out = aws.run("s3", "mv", "s3://cli-high/docs/small.txt",
                      "s3://cli-high/docs/moved.txt").stdout
        self.assertEqual(out.strip(),
                         "move: s3://cli-high/docs/small.txt to s3://cli-high/docs/moved.txt")
        self.assertEqual(self.s3_raw(gw, "HEAD", "/cli-high/docs/small.txt").status, 404)
        r = self.s3_raw(gw, "GET", "/cli-high/docs/moved.txt")
        self.assertEqual((r.body, r.header("Content-Type")), (small.read_bytes(), "text/plain"))
        self.assertEqual(r.header("x-amz-tagging-count"), "2")

        # sync down reproduces the tree; sync up again uploads nothing and deletes one key.
        copy = files / "copy"
        out = aws.run("s3", "sync", "s3://cli-high/site", str(copy)).stdout
        self.assertEqual(out.count("download: "), len(layout), out)
        self.assertEqual(tree(copy), layout)
        (src / "css/site.css").unlink()
        out = aws.run("s3", "sync", "--delete", str(src), "s3://cli-high/site/").stdout
        self.assertEqual(out.strip(), "delete: s3://cli-high/site/css/site.css")

        # presign: a plain HTTP client fetches the object with the URL alone.
        url = aws.run("s3", "presign", "s3://cli-high/docs/moved.txt",
                      "--expires-in", "300").stdout.strip()
        self.assertTrue(url.startswith(f"http://127.0.0.1:{gw.services_port}/cli-high/"), url)
        with urllib.request.urlopen(url, timeout=10) as r:
            self.assertEqual(r.read(), small.read_bytes())

        # rm --recursive empties the bucket, rb removes it.
        out = aws.run("s3", "rm", "--recursive", "s3://cli-high").stdout
        self.assertEqual(out.count("delete: "), 3 + len(layout) - 1, out)
        r = self.s3_raw(gw, "GET", "/cli-high?list-type=2")
        self.assertEqual(list(ET.fromstring(r.body).iter(f"{NS}Contents")), [], r.text)
        self.assertEqual(aws.run("s3", "rb", "s3://cli-high").stdout.strip(),
                         "remove_bucket: cli-high")
        self.assertNotIn("cli-high", self.bucket_names(gw))

    # -------------------------------------------------------------------------- S3, low level

    def test_s3api_commands(self):
        gw = self.start_gateway(CONFIG)
        aws = self.cli(gw)
        files = self.work_dir()
        self.assertEqual(aws.json("s3api", "create-bucket", "--bucket", "cli-low"),
                         {"Location": "/cli-low"})

        body = b"0123456789 the readme"
        (files / "readme.txt").write_bytes(body)
        put = aws.json("s3api", "put-object", "--bucket", "cli-low", "--key", "docs/readme.txt",
                       "--body", str(files / "readme.txt"), "--content-type", "text/markdown",
                       "--metadata", "author=ann,project=gatehouse")
        self.assertEqual(put["ETag"], md5_etag(body))

        head = aws.json("s3api", "head-object", "--bucket", "cli-low", "--key",
                        "docs/readme.txt")
        self.assertEqual((head["ContentLength"], head["ContentType"], head["ETag"],
                          head["Metadata"]),
                         (len(body), "text/markdown", md5_etag(body),
                          {"author": "ann", "project": "gatehouse"}))
        self.assertIn("LastModified", head)

        ranged = aws.json("s3api", "get-object", "--bucket", "cli-low", "--key",
                          "docs/readme.txt", "--range", "bytes=2-5", str(files / "range.out"))
        self.assertEqual((ranged["ContentLength"], ranged["ContentRange"]),
                         (4, f"bytes 2-5/{len(body)}"))
        self.assertEqual((files / "range.out").read_bytes(), body[2:6])

        # Listing: six keys under list/, two of them "directories".
        keys = ["list/a/1.txt", "list/a/2.txt", "list/b/1.txt", "list/c.txt", "list/d.txt",
                "list/e.txt"]
        for key in keys:
            (files / "up" / key).parent.mkdir(parents=True, exist_ok=True)
            (files / "up" / key).write_text(key)
        aws.run("s3", "cp", "--recursive", str(files / "up"), "s3://cli-low/")
        listed = aws.json("s3api", "list-objects-v2", "--bucket", "cli-low", "--prefix", "list/",
                          "--delimiter", "/")
        self.assertEqual([p["Prefix"] for p in listed["CommonPrefixes"]],
                         ["list/a/", "list/b/"])
        self.assertEqual([c["Key"] for c in listed["Contents"]],
                         ["list/c.txt", "list/d.txt", "list/e.txt"])
        # The CLI pages with MaxKeys 2 and continuation tokens; --max-items stops after 3 keys
        # and hands out its own NextToken, which --starting-token resumes from.
        first = aws.json("s3api", "list-objects-v2", "--bucket", "cli-low", "--prefix", "list/",
                         "--page-size", "2", "--max-items", "3")
        self.assertEqual([c["Key"] for c in first["Contents"]], keys[:3])
        self.assertIn("NextToken", first)
        rest = aws.json("s3api", "list-objects-v2", "--bucket", "cli-low", "--prefix", "list/",
                        "--page-size", "2", "--starting-token", first["NextToken"])
        self.assertEqual([c["Key"] for c in rest["Contents"]], keys[3:])
        self.assertNotIn("NextToken", rest)

        copied = aws.json("s3api", "copy-object", "--bucket", "cli-low", "--key",
                          "docs/copy.txt", "--copy-source", "cli-low/docs/readme.txt")
        self.assertEqual(copied["CopyObjectResult"]["ETag"], md5_etag(body))
        r = self.s3_raw(gw, "GET", "/cli-low/docs/copy.txt")
        self.assertEqual((r.status, r.body, r.header("Content-Type"),
                          r.header("x-amz-meta-author")), (200, body, "text/markdown", "ann"))

        # An untagged object's set is empty (the CLI's s3 cp of a big object reads it too).
        self.assertEqual(aws.json("s3api", "get-object-tagging", "--bucket", "cli-low", "--key",
                                  "docs/copy.txt"), {"TagSet": []})
        r = self.s3_raw(gw, "GET", "/cli-low/docs/missing.txt?tagging")
        self.assertEqual((r.status, ET.fromstring(r.body).findtext("Code")), (404, "NoSuchKey"))

        deleted = aws.json("s3api", "delete-objects", "--bucket", "cli-low", "--delete",
                           json.dumps({"Objects": [{"Key": "list/c.txt"}, {"Key": "list/d.txt"},
                                                   {"Key": "list/never-there"}]}))
        self.assertEqual(sorted(d["Key"] for d in deleted["Deleted"]),
                         ["list/c.txt", "list/d.txt", "list/never-there"])
        self.assertNotIn("Errors", deleted)
        self.assertEqual(self.s3_raw(gw, "HEAD", "/cli-low/list/c.txt").status, 404)

        # A multipart upload step by step: a 5 MiB part and a small last one.
        created = aws.json("s3api", "create-multipart-upload", "--bucket", "cli-low", "--key",
                           "mp/joined.bin", "--content-type", "application/x-joined")
        upload_id = created["UploadId"]
        self.assertEqual((created["Bucket"], created["Key"]), ("cli-low", "mp/joined.bin"))
        parts = [os.urandom(5 * MIB), b"the tail"]
        etags = []
        for number, data in enumerate(parts, 1):
            (files / f"part{number}").write_bytes(data)
            out = aws.json("s3api", "upload-part", "--bucket", "cli-low", "--key",
                           "mp/joined.bin", "--upload-id", upload_id, "--part-number",
                           str(number), "--body", str(files / f"part{number}"))
            self.assertEqual(out["ETag"], md5_etag(data))
            etags.append(out["ETag"])
        listed_parts = aws.json("s3api", "list-parts", "--bucket", "cli-low", "--key",
                                "mp/joined.bin", "--upload-id", upload_id)
        self.assertEqual([(p["PartNumber"], p["ETag"], p["Size"]) for p in listed_parts["Parts"]],
                         [(1, etags[0], len(parts[0])), (2, etags[1], len(parts[1]))])
        (files / "parts.json").write_text(json.dumps({"Parts": [
            {"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]}))
        done = aws.json("s3api", "complete-multipart-upload", "--bucket", "cli-low", "--key",
                        "mp/joined.bin", "--upload-id", upload_id, "--multipart-upload",
                        f"file://{files / 'parts.json'}")
        joined_md5 = hashlib.md5(b"".join(bytes.fromhex(e.strip('"')) for e in etags))
        self.assertEqual((done["Key"], done["ETag"]),
                         ("mp/joined.bin", f'"{joined_md5.hexdigest()}-2"'))
        r = self.s3_raw(gw, "GET", "/cli-low/mp/joined.bin")
        self.assertEqual((r.status, r.header("Content-Type")), (200, "application/x-joined"))
        self.assertTrue(r.body == b"".join(parts), "joined object differs from its parts")

        # S3's errors reach the user as the CLI prints them, with its service-error exit code.
        p = aws.run("s3api", "get-object", "--bucket", "cli-low", "--key", "docs/missing.txt",
                    str(files / "missing.out"), expect=SERVICE_ERROR)
        self.assertRegex(p.stderr, cli_error("NoSuchKey", "GetObject"))

    # ------------------------------------------------------------------------------ DynamoDB

    def test_dynamodb_commands(self):
        gw = self.start_gateway(CONFIG)
        aws = self.cli(gw)
        table = "cli-orders"
        created = aws.json(
            "dynamodb", "create-table", "--table-name", table,
            "--attribute-definitions", "AttributeName=pk,AttributeType=S",
            "AttributeName=sk,AttributeType=N", "AttributeName=status,AttributeType=S",
            "--key-schema", "AttributeName=pk,KeyType=HASH", "AttributeName=sk,KeyType=RANGE",
            "--billing-mode", "PAY_PER_REQUEST",
            "--global-secondary-indexes", json.dumps([{
                "IndexName": "by-status",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"},
                              {"AttributeName": "sk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"}}]))["TableDescription"]
        self.assertEqual(created["TableName"], table)
        self.assertEqual([i["IndexName"] for i in created["GlobalSecondaryIndexes"]],
                         ["by-status"])
        aws.run("dynamodb", "wait", "table-exists", "--table-name", table)

        def key(pk, sk):
            return json.dumps({"pk": {"S": pk}, "sk": {"N": str(sk)}})

        item = {"pk": {"S": "o1"}, "sk": {"N": "1"}, "status": {"S": "open"},
                "total": {"N": "10"}, "tags": {"SS": ["a", "b"]}}
        self.assertIsNone(aws.json("dynamodb", "put-item", "--table-name", table,
                                   "--item", json.dumps(item)))
        got = aws.json("dynamodb", "get-item", "--table-name", table, "--key", key("o1", 1),
                       "--consistent-read")
        self.assertEqual(got, {"Item": item})

        updated = aws.json(
            "dynamodb", "update-item", "--table-name", table, "--key", key("o1", 1),
            "--update-expression", "SET #t = #t + :inc, note = :note REMOVE tags",
            "--expression-attribute-names", '{"#t": "total"}',
            "--expression-attribute-values", '{":inc": {"N": "5"}, ":note": {"S": "rush"}}',
            "--return-values", "UPDATED_NEW")
        self.assertEqual(updated, {"Attributes": {"total": {"N": "15"}, "note": {"S": "rush"}}})

        # A failed condition: the CLI's service-error exit code and DynamoDB's error name.
        p = aws.run("dynamodb", "put-item", "--table-name", table, "--item", json.dumps(item),
                    "--condition-expression", "attribute_not_exists(pk)", expect=SERVICE_ERROR)
        self.assertRegex(p.stderr, cli_error("ConditionalCheckFailedException", "PutItem")
                         + "The conditional request failed")

        puts = [{"PutRequest": {"Item": {
            "pk": {"S": f"o{n}"}, "sk": {"N": str(n)},
            "status": {"S": "open" if n % 2 else "shipped"}, "total": {"N": str(n * 10)}}}}
            for n in range(2, 8)]
        self.assertEqual(aws.json("dynamodb", "batch-write-item", "--request-items",
                                  json.dumps({table: puts})), {"UnprocessedItems": {}})

        queried = aws.json(
            "dynamodb", "query", "--table-name", table, "--index-name", "by-status",
            "--key-condition-expression", "#s = :s", "--expression-attribute-names",
            '{"#s": "status"}', "--expression-attribute-values", '{":s": {"S": "open"}}',
            "--no-scan-index-forward")
        self.assertEqual([i["pk"]["S"] for i in queried["Items"]], ["o7", "o5", "o3", "o1"])
        self.assertEqual(queried["Count"], 4)

        # The CLI pages the scan itself (Limit 2, ExclusiveStartKey from LastEvaluatedKey).
        first = aws.json("dynamodb", "scan", "--table-name", table, "--page-size", "2",
                         "--max-items", "5")
        self.assertEqual(len(first["Items"]), 5)
        self.assertIn("NextToken", first)
        rest = aws.json("dynamodb", "scan", "--table-name", table, "--page-size", "2",
                        "--starting-token", first["NextToken"])
        self.assertNotIn("NextToken", rest)
        seen = [i["pk"]["S"] for i in first["Items"] + rest["Items"]]
        self.assertEqual(sorted(seen), [f"o{n}" for n in range(1, 8)])

        aws.run("dynamodb", "transact-write-items", "--transact-items", json.dumps([
            {"Put": {"TableName": table, "Item": {"pk": {"S": "o8"}, "sk": {"N": "8"},
                                                   "status": {"S": "open"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": table, "Key": json.loads(key("o2", 2)),
                        "UpdateExpression": "SET #s = :s",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {":s": {"S": "delivered"}}}},
            {"ConditionCheck": {"TableName": table, "Key": json.loads(key("o1", 1)),
                                # "total" is a reserved word: a name placeholder stands in.
                                "ConditionExpression": "#t = :t",
                                "ExpressionAttributeNames": {"#t": "total"},
                                "ExpressionAttributeValues": {":t": {"N": "15"}}}},
            {"Delete": {"TableName": table, "Key": json.loads(key("o3", 3))}}]))
        scanned = self.ddb_raw(gw, "Scan", {"TableName": table, "ConsistentRead": True})
        by_pk = {i["pk"]["S"]: i for i in scanned["Items"]}
        self.assertEqual(sorted(by_pk), ["o1", "o2", "o4", "o5", "o6", "o7", "o8"])
        self.assertEqual(by_pk["o2"]["status"], {"S": "delivered"})

        ttl = aws.json("dynamodb", "update-time-to-live", "--table-name", table,
                       "--time-to-live-specification", "Enabled=true,AttributeName=expires")
        self.assertEqual(ttl, {"TimeToLiveSpecification": {"Enabled": True,
                                                           "AttributeName": "expires"}})
        self.assertEqual(aws.json("dynamodb", "describe-time-to-live", "--table-name", table),
                         {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED",
                                                    "AttributeName": "expires"}})

        deleted = aws.json("dynamodb", "delete-table", "--table-name", table)
        self.assertEqual(deleted["TableDescription"]["TableName"], table)
        aws.run("dynamodb", "wait", "table-not-exists", "--table-name", table)
        self.assertEqual(self.ddb_raw(gw, "ListTables", {})["TableNames"], [])

    # ----------------------------------------------------------------------------------- IAM

    def test_iam_enforced(self):
        gw = self.start_gateway(IAM_CONFIG)
        aws = self.cli(gw, key=ACCESS_KEY, secret=SECRET)
        wrong = self.cli(gw, key=ACCESS_KEY, secret=SECRET[:-1] + "X")
        files = self.work_dir()
        (files / "note.txt").write_text("signed")

        aws.run("s3", "mb", "s3://cli-iam")
        aws.run("s3", "cp", str(files / "note.txt"), "s3://cli-iam/note.txt")
        self.assertEqual(ls_names(aws.run("s3", "ls", "s3://cli-iam").stdout), ["note.txt"])
        url = aws.run("s3", "presign", "s3://cli-iam/note.txt").stdout.strip()
        with urllib.request.urlopen(url, timeout=10) as r:
            self.assertEqual(r.read(), b"signed")
        # Unsigned, the same object is refused.
        self.assertEqual(self.s3_raw(gw, "GET", "/cli-iam/note.txt").status, 403)

        p = wrong.run("s3", "ls", "s3://cli-iam", expect=SERVICE_ERROR)
        self.assertRegex(p.stderr, cli_error("SignatureDoesNotMatch", "ListObjectsV2"))

        self.assertEqual(aws.json("dynamodb", "list-tables"), {"TableNames": []})
        p = wrong.run("dynamodb", "list-tables", expect=SERVICE_ERROR)
        self.assertRegex(p.stderr, cli_error("InvalidSignatureException", "ListTables"))


if __name__ == "__main__":
    unittest.main()
