"""DynamoDB remote mode, end to end: `dynamodb.endpoint` sends route integrations and the services
endpoint's DynamoDB API to a real DynamoDB-compatible endpoint, SigV4-signed (service dynamodb).

The remotes are dynalite (npm, pinned in bench/dynamodb, on a free loopback port) and a second
Gatehouse with its embedded store and `iam.enforce: true`, which checks the signature. What the
front gateway wrote is read back from the remote directly with boto3, so a proxy that kept data
to itself cannot pass.

Covered: declared tables created on the remote (and the embedded store never opened); route
writes and reads through to dynalite; the services endpoint proxying (boto3 against Gatehouse
sees dynalite's tables and items); a conditional failure passing through (routes and SDK);
a dead endpoint and a silent one (timeout) giving a clear 500 naming the endpoint;
`servicesEndpoint: local`; right credentials accepted by a signature-checking remote and wrong
ones refused with its UnrecognizedClientException / InvalidSignatureException; config errors
with line:col."""


import debian_python

debian_python.require("boto3")

import json
import socket
import subprocess
import threading
import time
import unittest

import boto3
import botocore.config
import botocore.exceptions
from botocore.exceptions import ClientError

from harness import (SOURCE_DIR, Gateway, free_port, make_self_signed_cert, request, run_cli,
                     wait_until)
from lambda_support import listeners_yaml

DYNALITE_DIR = SOURCE_DIR / "bench" / "dynamodb"
DYNALITE_CLI = DYNALITE_DIR / "node_modules" / "dynalite" / "cli.js"

LISTENERS = listeners_yaml()

ROUTES = """\
apis:
  - id: web
    protocol: HTTP
    routes:
      "GET /pets/{id}":
        integration: {type: dynamodb, action: GetItem, table: pets, key: {id: $request.path.id},
                      notFound: 404, response: plain}
      "GET /raw/pets/{id}":
        integration: {type: dynamodb, action: GetItem, table: pets, key: {id: $request.path.id}}
      "PUT /pets/{id}":
        integration:
          type: dynamodb
          action: PutItem
          table: pets
          item: {id: $request.path.id, name: $request.body.name, age: $request.body.age}
          condition: attribute_not_exists(id)
          conditionFailed: 409
          response: plain
"""


def remote_section(endpoint, key="AKIAREMOTEDYNAMO01", secret="remote-secret", extra=""):
    return f"""\
dynamodb:
  dataDir: data
  endpoint: {endpoint}
  region: us-east-1
  credentials: {{accessKeyId: "{key}", secretAccessKey: "{secret}"}}
{extra}  tables:
    - name: pets
      hashKey: id
"""


def ddb(endpoint, key="AKIAREMOTEDYNAMO01", secret="remote-secret"):
    return boto3.client(
        "dynamodb", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id=key, aws_secret_access_key=secret,
        config=botocore.config.Config(retries={"total_max_attempts": 1}))


def client_error(call, **kw):
    try:
        call(**kw)
    except ClientError as e:
        err = e.response["Error"]
        return err["Code"], err.get("Message", ""), e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("expected a ClientError")


class Dynalite:
    """dynalite (in memory) on a free loopback port, for one test class."""

    def __init__(self):
        if not DYNALITE_CLI.exists():
            # As bench/dynamodb/run.sh installs it: the pinned lock file.
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                           cwd=DYNALITE_DIR, check=True, timeout=300)
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["node", str(DYNALITE_CLI), "--port", str(self.port), "--host", "127.0.0.1",
             "--createTableMs", "0"],  # tables ACTIVE at once, as the tests expect
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.client = ddb(self.endpoint)
        def answering():
            try:
                return self.client.list_tables() is not None
            except botocore.exceptions.EndpointConnectionError:
                return False
        wait_until(answering, timeout=30, message="dynalite answering")

    def close(self):
        self.proc.kill()
        self.proc.wait(timeout=10)


class CountingProxy:
    """A TCP relay to `port` that counts the connections it accepts (keep-alive reuse)."""

    def __init__(self, port):
        self.target = port
        self.accepted = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            upstream = socket.create_connection(("127.0.0.1", self.target))
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self):
        self.sock.close()


def call(port, method, path, body=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    return request(port, method, path, body=json.dumps(body) if body is not None else None,
                   headers=headers)


class DynaliteRemoteTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dynalite = Dynalite()
        cls.addClassCleanup(cls.dynalite.close)
        cls.remote = cls.dynalite.client
        # The gateway reaches dynalite through a relay that counts connections. One worker
        # thread, so one connection pool.
        cls.proxy = CountingProxy(cls.dynalite.port)
        cls.addClassCleanup(cls.proxy.close)
        cls.gw = Gateway(LISTENERS + "  threads: 1\n" +
                         remote_section(f"http://127.0.0.1:{cls.proxy.port}") + ROUTES)
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()
        cls.port = cls.gw.api_port
        cls.front = ddb(f"http://127.0.0.1:{cls.gw.services_port}")

    def test_declared_table_created_on_remote_and_store_never_opened(self):
        table = self.remote.describe_table(TableName="pets")["Table"]
        self.assertEqual(table["KeySchema"], [{"AttributeName": "id", "KeyType": "HASH"}])
        self.assertFalse((self.gw.dir / "data").exists(), list(self.gw.dir.iterdir()))

    def test_route_writes_and_reads_through_to_dynalite(self):
        r = call(self.port, "PUT", "/pets/rex", {"name": "Rex", "age": 3})
        self.assertEqual(r.status, 200, r.text)
        item = self.remote.get_item(TableName="pets", Key={"id": {"S": "rex"}})["Item"]
        self.assertEqual(item, {"id": {"S": "rex"}, "name": {"S": "Rex"}, "age": {"N": "3"}})
        # Written on the remote directly, read through the route.
        self.remote.put_item(TableName="pets",
                             Item={"id": {"S": "tom"}, "name": {"S": "Tom"}, "age": {"N": "7"}})
        r = call(self.port, "GET", "/pets/tom")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json(), {"id": "tom", "name": "Tom", "age": 7})
        self.assertEqual(call(self.port, "GET", "/pets/nobody").status, 404)

    def test_keep_alive_connections_are_reused(self):
        self.assertEqual(call(self.port, "GET", "/pets/warm").status, 404)
        before = self.proxy.accepted
        for i in range(10):
            self.assertEqual(call(self.port, "GET", f"/pets/k{i}").status, 404)
            self.front.describe_table(TableName="pets")
        self.assertEqual(self.proxy.accepted, before)

    def test_conditional_failure_passes_through(self):
        self.assertEqual(call(self.port, "PUT", "/pets/dup", {"name": "A"}).status, 200)
        r = call(self.port, "PUT", "/pets/dup", {"name": "B"})
        self.assertEqual(r.status, 409, r.text)
        self.assertEqual(r.json(), {"message": "The conditional request failed",
                                    "type": "ConditionalCheckFailedException"})
        item = self.remote.get_item(TableName="pets", Key={"id": {"S": "dup"}})["Item"]
        self.assertEqual(item["name"], {"S": "A"})
        # The SDK through the services endpoint sees the remote's error as is.
        code, message, status = client_error(
            self.front.put_item, TableName="pets", Item={"id": {"S": "dup"}},
            ConditionExpression="attribute_not_exists(id)")
        self.assertEqual((code, message, status),
                         ("ConditionalCheckFailedException", "The conditional request failed", 400))

    def test_remote_errors_keep_type_message_and_status(self):
        for op, kw in (("describe_table", {"TableName": "no-such"}),
                       ("get_item", {"TableName": "pets", "Key": {"nope": {"S": "x"}}})):
            through = client_error(getattr(self.front, op), **kw)
            direct = client_error(getattr(self.remote, op), **kw)
            self.assertEqual(through, direct)
        self.assertEqual(through[0], "ValidationException")
        r = call(self.port, "GET", "/raw/pets/x")  # no item: DynamoDB's empty answer, raw
        self.assertEqual((r.status, r.json()), (200, {}))

    def test_services_endpoint_proxies_to_dynalite(self):
        # A table created on dynalite is visible through Gatehouse, and the other way round.
        self.remote.create_table(
            TableName="direct", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST")
        wait_until(lambda: self.remote.describe_table(TableName="direct")["Table"]["TableStatus"]
                   == "ACTIVE", message="table ACTIVE on dynalite")
        self.assertIn("direct", self.front.list_tables()["TableNames"])
        self.front.put_item(TableName="direct", Item={"k": {"S": "1"}, "v": {"N": "42"}})
        self.assertEqual(self.remote.get_item(TableName="direct", Key={"k": {"S": "1"}})["Item"],
                         {"k": {"S": "1"}, "v": {"N": "42"}})
        # boto3 checks x-amz-crc32; the raw response keeps Gatehouse's envelope too.
        raw = request(self.gw.services_port, "POST", "/", body=json.dumps({"TableName": "direct"}),
                      headers={"X-Amz-Target": "DynamoDB_20120810.DescribeTable",
                               "Content-Type": "application/x-amz-json-1.0"})
        self.assertEqual(raw.status, 200, raw.text)
        self.assertEqual(raw.json()["Table"]["TableName"], "direct")
        self.assertTrue(raw.header("x-amz-crc32"))
        self.assertEqual(len(raw.header("x-amzn-RequestId")), 52)


class SilentServer:
    """Accepts TCP connections and never answers: a remote that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


class DeadRemoteTest(unittest.TestCase):
    def start(self, endpoint, extra=""):
        # No declared tables: provisioning against a dead remote would only log.
        text = LISTENERS + remote_section(endpoint, extra=extra).split("  tables:")[0] + ROUTES
        gw = Gateway(text)
        self.addCleanup(gw.close)
        gw.start()
        return gw

    def test_dead_endpoint_is_a_clear_500(self):
        dead = free_port()
        endpoint = f"http://127.0.0.1:{dead}"
        gw = self.start(endpoint)
        r = call(gw.api_port, "GET", "/raw/pets/x")
        self.assertEqual(r.status, 500, r.text)
        body = r.json()
        self.assertEqual(body["__type"], "com.amazonaws.dynamodb.v20120810#InternalServerError")
        self.assertIn(f"remote DynamoDB endpoint {endpoint} failed (connect)", body["message"])
        self.assertNotIn("remote-secret", r.text)
        front = ddb(f"http://127.0.0.1:{gw.services_port}")
        code, message, status = client_error(front.list_tables)
        self.assertEqual((code, status), ("InternalServerError", 500))
        self.assertIn(endpoint, message)

    def test_silent_endpoint_times_out(self):
        silent = SilentServer()
        self.addCleanup(silent.close)
        endpoint = f"http://127.0.0.1:{silent.port}"
        gw = self.start(endpoint, extra="  timeoutInMillis: 1500\n")
        answers = []
        waiting = threading.Thread(
            target=lambda: answers.append(call(gw.api_port, "GET", "/pets/x")))
        started = time.monotonic()
        waiting.start()
        # While that request waits for the remote, the gateway answers others at once.
        self.assertIsInstance(gw.health(), dict)
        self.assertEqual(request(gw.api_port, "GET", "/nowhere").status, 404)
        self.assertLess(time.monotonic() - started, 1.2)
        waiting.join(10)
        r = answers[0]
        self.assertGreaterEqual(time.monotonic() - started, 1.4)
        self.assertEqual(r.status, 500, r.text)
        self.assertEqual(r.json()["type"], "InternalServerError")
        self.assertIn(f"remote DynamoDB endpoint {endpoint} failed (timeout)", r.json()["message"])

    def test_services_endpoint_local(self):
        gw = self.start(f"http://127.0.0.1:{free_port()}", extra="  servicesEndpoint: local\n")
        front = ddb(f"http://127.0.0.1:{gw.services_port}")
        front.create_table(
            TableName="here", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST")
        self.assertEqual(front.list_tables()["TableNames"], ["here"])
        self.assertTrue((gw.dir / "data" / "dynamodb.sqlite3").exists())
        # Routes still go to the (dead) remote.
        self.assertEqual(call(gw.api_port, "GET", "/pets/x").status, 500)


REMOTE_GATEHOUSE = LISTENERS.replace("  watchConfig", """\
    - {host: 127.0.0.1, port: 4443, serves: services, tls: {certFile: cert.pem, keyFile: key.pem}}
  watchConfig""") + """\
dynamodb: {inMemory: true}
iam:
  enforce: true
  credentials:
    - accessKeyId: AKIAREMOTEDYNAMO01
      secretAccessKey: remote-secret
      arn: arn:aws:iam::000000000000:user/front
      policies: [{Version: "2012-10-17", Statement: [{Effect: Allow, Action: "dynamodb:*",
        Resource: "*"}]}]
apis:
  - id: none
    protocol: HTTP
    routes: {"GET /": {integration: {type: mock}}}
"""


class SignedRemoteTest(unittest.TestCase):
    """A second Gatehouse (embedded store, iam.enforce) as the remote checks the signature."""

    @classmethod
    def setUpClass(cls):
        cls.remote_gw = Gateway(REMOTE_GATEHOUSE)
        cls.addClassCleanup(cls.remote_gw.close)
        cls.cert, _ = make_self_signed_cert(cls.remote_gw.dir)
        cls.remote_gw.start()
        cls.https_endpoint = f"https://127.0.0.1:{cls.remote_gw.port(4443)}"
        cls.endpoint = f"http://127.0.0.1:{cls.remote_gw.services_port}"
        cls.remote = ddb(cls.endpoint)

    def front(self, key="AKIAREMOTEDYNAMO01", secret="remote-secret", tables=True, env=None,
              endpoint=None, extra=""):
        section = remote_section(endpoint or self.endpoint, key=key, secret=secret, extra=extra)
        if not tables:
            section = section.split("  tables:")[0]
        gw = Gateway(LISTENERS + section + ROUTES, env=env)
        self.addCleanup(gw.close)
        gw.start()
        return gw

    def test_right_credentials_work(self):
        # The secret from the environment, as users keep it (${env:…}).
        gw = self.front(secret="${env:GH_TEST_REMOTE_SECRET}",
                        env={"GH_TEST_REMOTE_SECRET": "remote-secret"})
        # The declared table was created on the remote with a signed CreateTable.
        self.assertIn("pets", self.remote.list_tables()["TableNames"])
        self.assertEqual(call(gw.api_port, "PUT", "/pets/signed", {"name": "S"}).status, 200)
        self.assertEqual(self.remote.get_item(TableName="pets",
                                              Key={"id": {"S": "signed"}})["Item"],
                         {"id": {"S": "signed"}, "name": {"S": "S"}})
        self.assertEqual(call(gw.api_port, "GET", "/pets/signed").json(),
                         {"id": "signed", "name": "S"})
        # The SDK against the front: Gatehouse re-signs with its own credentials.
        front = ddb(f"http://127.0.0.1:{gw.services_port}", "ANYKEYATALL12345", "whatever")
        self.assertIn("pets", front.list_tables()["TableNames"])

    def test_https_verifies_certificates(self):
        # Trusted through tls.caFile: the declared table is provisioned and routes work.
        gw = self.front(endpoint=self.https_endpoint, extra=f"  tls: {{caFile: {self.cert}}}\n")
        self.assertEqual(call(gw.api_port, "PUT", "/pets/over-tls", {"name": "T"}).status, 200)
        self.assertEqual(self.remote.get_item(TableName="pets",
                                              Key={"id": {"S": "over-tls"}})["Item"]["name"],
                         {"S": "T"})
        # The system trust store does not know the self-signed certificate: refused.
        gw = self.front(endpoint=self.https_endpoint, tables=False)
        r = call(gw.api_port, "GET", "/pets/over-tls")
        self.assertEqual(r.status, 500, r.text)
        self.assertIn(f"remote DynamoDB endpoint {self.https_endpoint} failed (tls)",
                      r.json()["message"])
        # verify: false, for self-signed test clusters.
        gw = self.front(endpoint=self.https_endpoint, tables=False,
                        extra="  tls: {verify: false}\n")
        r = call(gw.api_port, "GET", "/pets/over-tls")
        self.assertEqual((r.status, r.json()), (200, {"id": "over-tls", "name": "T"}))

    def test_wrong_secret_is_invalid_signature(self):
        gw = self.front(secret="not-the-secret", tables=False)
        r = call(gw.api_port, "GET", "/raw/pets/x")
        self.assertEqual(r.status, 400, r.text)
        self.assertEqual(r.json()["__type"], "com.amazon.coral.service#InvalidSignatureException")
        code, _, status = client_error(ddb(f"http://127.0.0.1:{gw.services_port}").list_tables)
        self.assertEqual((code, status), ("InvalidSignatureException", 400))

    def test_unknown_key_is_unrecognized_client(self):
        gw = self.front(key="AKIAUNKNOWNKEY0001", tables=False)
        r = call(gw.api_port, "GET", "/pets/x")
        self.assertEqual(r.status, 400, r.text)
        self.assertEqual(r.json(), {
            "message": "The security token included in the request is invalid.",
            "type": "UnrecognizedClientException"})


class ConfigErrorTest(unittest.TestCase):
    def validate(self, dynamodb_section):
        gw = Gateway(LISTENERS + dynamodb_section + ROUTES)
        self.addCleanup(gw.close)
        gw.config_path.write_text(gw.render(LISTENERS + dynamodb_section + ROUTES))
        out = run_cli("validate", str(gw.config_path))
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        return out.stdout + out.stderr

    def test_errors_with_line_and_col(self):
        out = self.validate("dynamodb:\n  region: eu-west-1\n")
        self.assertRegex(out, r":8:11: .*dynamodb\.region.*only meaningful with dynamodb.endpoint")
        out = self.validate("dynamodb:\n  endpoint: ftp://x\n"
                            "  credentials: {accessKeyId: a, secretAccessKey: b}\n")
        self.assertRegex(out, r":8:13: .*invalid endpoint 'ftp://x': the scheme must be http")
        out = self.validate("dynamodb:\n  endpoint: http://127.0.0.1:1\n")
        self.assertRegex(out, r":8:13: .*needs dynamodb.credentials")
        out = self.validate("dynamodb:\n  endpoint: http://127.0.0.1:1\n"
                            "  credentials: {accessKeyId: a, secretAccessKey: b}\n"
                            "  servicesEndpoint: both\n")
        self.assertRegex(out, r":10:21: .*expected remote .* or local .*got 'both'")


if __name__ == "__main__":
    unittest.main()
