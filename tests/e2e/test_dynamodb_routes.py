"""`type: dynamodb` route integrations and tables declared in the YAML, end to end: the built
gateway serving routes that map requests (path, query string, headers, body, $context, stage
variables) into GetItem / PutItem / UpdateItem / DeleteItem / Query / Scan on the embedded
store, driven with http.client; what was stored is read back through the DynamoDB API on the
services listener (raw JSON 1.0 requests), so a mapping bug cannot hide behind its own answer.

Covered: each action; typed values (body JSON types, explicit {N: …}, {SS: …}, YAML
constants); injection attempts stored literally; a condition failure's status; 404 for a missing
item; Query/Scan pages with nextToken (plain) and LastEvaluatedKey (raw); raw vs plain answers;
missing request values and non-JSON bodies (400); a missing table; declared tables created and
seeded once (a restart neither re-seeds nor overwrites a changed item; a reload adds a table);
config errors with line:col from `gatehouse validate`."""

import json
import signal
import unittest
from urllib.parse import quote

from harness import Gateway, GatewayTestCase, request, run_cli
from lambda_support import listeners_yaml

LISTENERS = listeners_yaml()

TABLES = """\
dynamodb:
  dataDir: data
  tables:
    - name: pets
      hashKey: {name: id, type: S}
      seed: seed/pets.json
    - name: events
      hashKey: {name: owner, type: S}
      rangeKey: {name: seq, type: N}
"""

ROUTES = """\
apis:
  - id: web
    protocol: HTTP
    stages:
      $default:
        stageVariables: {env: staging}
    routes:
      "GET /pets/{id}":
        integration: {type: dynamodb, action: GetItem, table: pets, key: {id: $request.path.id},
                      notFound: 404, response: plain}
      "GET /raw/pets/{id}":
        integration: {type: dynamodb, action: GetItem, table: pets, key: {id: $request.path.id}}
      "GET /pets/{id}/name":
        integration: {type: dynamodb, action: GetItem, table: pets, key: {id: $request.path.id},
                      projection: "#n", names: {"#n": name}, response: plain}
      "PUT /pets/{id}":
        integration:
          type: dynamodb
          action: PutItem
          table: pets
          item:
            id: $request.path.id
            name: $request.body.name
            tags: $request.body.tags
            info: $request.body.info
            owner: $context.identity.sourceIp
            source: $request.header.x-source
            kind: $request.querystring.kind
            env: $stageVariables.env
            label: "pet-${request.path.id}"
          condition: attribute_not_exists(id)
          conditionFailed: 409
          response: plain
      "POST /pets/{id}":
        integration:
          type: dynamodb
          action: PutItem
          table: pets
          item: {id: $request.path.id, doc: $request.body}
          returnValues: ALL_OLD
      "PUT /whole":
        integration: {type: dynamodb, action: PutItem, table: pets, item: $request.body}
      "PUT /typed/{id}":
        integration:
          type: dynamodb
          action: PutItem
          table: pets
          item:
            id: $request.path.id
            count: {N: $request.querystring.count}
            flag: {BOOL: $request.header.x-flag}
            labels: {SS: $request.body.labels}
            nums: {NS: [$request.querystring.a, 2]}
            text: {S: $request.body.n}
            seven: 7
            quoted: "7"
            yes: true
            nothing: null
            nested: {a: [1, two, $request.path.id]}
      "PATCH /pets/{id}":
        integration:
          type: dynamodb
          action: UpdateItem
          table: pets
          key: {id: $request.path.id}
          update: "SET #n = :n, visits = if_not_exists(visits, :zero) + :one"
          condition: attribute_exists(id)
          names: {"#n": name}
          values: {":n": $request.body.name, ":zero": 0, ":one": 1}
          returnValues: ALL_NEW
          response: plain
      "DELETE /pets/{id}":
        integration: {type: dynamodb, action: DeleteItem, table: pets, key: {id: $request.path.id},
                      notFound: 404, response: plain}
      "GET /pets":
        integration: {type: dynamodb, action: Scan, table: pets, limit: 2,
                      startKey: $request.querystring.nextToken, response: plain}
      "GET /search":
        integration: {type: dynamodb, action: Scan, table: pets, filter: "#n = :n",
                      names: {"#n": name}, values: {":n": $request.querystring.name},
                      response: plain}
      "POST /owners/{owner}/events/{seq}":
        integration:
          type: dynamodb
          action: PutItem
          table: events
          item: {owner: $request.path.owner, seq: {N: $request.path.seq}, note: $request.body.note}
      "GET /owners/{owner}/events":
        integration: {type: dynamodb, action: Query, table: events, keyCondition: "#o = :o",
                      names: {"#o": owner}, values: {":o": $request.path.owner}, limit: 2,
                      scanForward: false, startKey: $request.querystring.nextToken,
                      response: plain}
      "GET /raw/owners/{owner}/events":
        integration: {type: dynamodb, action: Query, table: events, keyCondition: "#o = :o",
                      names: {"#o": owner}, values: {":o": $request.path.owner}, limit: 2,
                      startKey: $request.header.x-start-key}
      "GET /nosuch/{id}":
        integration: {type: dynamodb, action: GetItem, table: nosuch, key: {id: $request.path.id}}
"""

CONFIG = LISTENERS + TABLES + ROUTES

SEED = [
    {"id": "seed-1", "name": "Rex", "age": 3, "weight": 12.5000000000000000000000000000001,
     "tags": ["dog"]},
    {"id": "seed-2", "name": "Tom", "vaccinated": True, "toys": {"ball": 1}},
]
# The seed file is written as text so the 31-digit weight reaches the gateway exactly.
SEED_TEXT = json.dumps(SEED).replace("12.5", "12.5000000000000000000000000000001")


def start(test, config=CONFIG, seed_text=SEED_TEXT, gw=None):
    gw = gw or Gateway(config)
    test.addCleanup(gw.close)
    (gw.dir / "seed").mkdir(exist_ok=True)
    (gw.dir / "seed" / "pets.json").write_text(seed_text)
    gw.start()
    return gw


def call(port, method, path, body=None, headers=None):
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    return request(port, method, path, body=body, headers=headers or {})


def ddb(gw, operation, payload):
    """A request to the DynamoDB API on the services listener."""
    r = request(gw.services_port, "POST", "/", body=json.dumps(payload),
                headers={"X-Amz-Target": f"DynamoDB_20120810.{operation}",
                         "Content-Type": "application/x-amz-json-1.0"})
    return r.status, r.json()


def stored(gw, table, key):
    status, body = ddb(gw, "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
    assert status == 200, body
    return body.get("Item")


class RouteTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(CONFIG)
        cls.addClassCleanup(cls.gw.close)
        (cls.gw.dir / "seed").mkdir()
        (cls.gw.dir / "seed" / "pets.json").write_text(SEED_TEXT)
        cls.gw.start()
        cls.port = cls.gw.api_port

    def test_seeded_items_plain_and_raw(self):
        r = call(self.port, "GET", "/pets/seed-1")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.header("Content-Type"), "application/json")
        # Plain JSON; the number exactly as the seed file wrote it (no double on the way).
        self.assertIn(b'"weight":12.5000000000000000000000000000001', r.body)
        self.assertEqual(json.loads(r.body)["tags"], ["dog"])
        raw = call(self.port, "GET", "/raw/pets/seed-2")
        self.assertEqual(raw.status, 200)
        self.assertEqual(raw.json(), {"Item": {
            "id": {"S": "seed-2"}, "name": {"S": "Tom"}, "vaccinated": {"BOOL": True},
            "toys": {"M": {"ball": {"N": "1"}}}}})

    def test_missing_item(self):
        r = call(self.port, "GET", "/pets/nobody")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json(), {"message": "Not Found"})
        raw = call(self.port, "GET", "/raw/pets/nobody")  # no notFound: DynamoDB's {}
        self.assertEqual(raw.status, 200)
        self.assertEqual(raw.json(), {})
        r = call(self.port, "DELETE", "/pets/nobody")
        self.assertEqual(r.status, 404)

    def test_put_maps_every_source(self):
        r = call(self.port, "PUT", "/pets/p1?kind=cat",
                 {"name": "Mia", "tags": ["a", 1, None, True], "info": {"age": 2, "x": [{}]}},
                 headers={"X-Source": "unit-test"})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json(), {})
        self.assertEqual(stored(self.gw, "pets", {"id": {"S": "p1"}}), {
            "id": {"S": "p1"},
            "name": {"S": "Mia"},
            "tags": {"L": [{"S": "a"}, {"N": "1"}, {"NULL": True}, {"BOOL": True}]},
            "info": {"M": {"age": {"N": "2"}, "x": {"L": [{"M": {}}]}}},
            "owner": {"S": "127.0.0.1"},
            "source": {"S": "unit-test"},
            "kind": {"S": "cat"},
            "env": {"S": "staging"},
            "label": {"S": "pet-p1"},
        })
        # Values the request lacks are left out of the item.
        r = call(self.port, "PUT", "/pets/p2", {"name": "Bo"})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(stored(self.gw, "pets", {"id": {"S": "p2"}}), {
            "id": {"S": "p2"}, "name": {"S": "Bo"}, "owner": {"S": "127.0.0.1"},
            "env": {"S": "staging"}, "label": {"S": "pet-p2"}})

    def test_condition_failure_status(self):
        self.assertEqual(call(self.port, "PUT", "/pets/cond", {"name": "A"}).status, 200)
        r = call(self.port, "PUT", "/pets/cond", {"name": "B"})
        self.assertEqual(r.status, 409, r.text)
        self.assertEqual(r.json(), {"message": "The conditional request failed",
                                    "type": "ConditionalCheckFailedException"})
        self.assertEqual(stored(self.gw, "pets", {"id": {"S": "cond"}})["name"], {"S": "A"})
        # UpdateItem's condition without conditionFailed: DynamoDB's 400 passed through.
        r = call(self.port, "PATCH", "/pets/never-created", {"name": "X"})
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["type"], "ConditionalCheckFailedException")
        self.assertIsNone(stored(self.gw, "pets", {"id": {"S": "never-created"}}))

    def test_injection_attempts_are_stored_literally(self):
        nasty = ['a" , "admin": {"BOOL": true}', ":n", "#n", "' OR 1=1 --",
                 '{"S": "x"}', "${request.path.id}", "$context.requestId", "a\\u0000b\n"]
        for i, value in enumerate(nasty):
            with self.subTest(value=value):
                pid = f"inj{i}"
                r = call(self.port, "PUT", f"/pets/{pid}", {"name": value},
                         headers={"X-Source": value.replace("\n", "")})
                self.assertEqual(r.status, 200, r.text)
                item = stored(self.gw, "pets", {"id": {"S": pid}})
                self.assertEqual(item["name"], {"S": value})
                self.assertEqual(item["source"], {"S": value.replace("\n", "")})
                self.assertNotIn("admin", item)
                # Through an expression value: an UpdateItem and a filter.
                r = call(self.port, "PATCH", f"/pets/{pid}", {"name": value})
                self.assertEqual(r.status, 200, r.text)
                self.assertEqual(r.json()["name"], value)
                r = call(self.port, "GET", "/search?name=" + quote(value, safe=""))
                self.assertEqual(r.status, 200, r.text)
                self.assertEqual([p["id"] for p in r.json()["items"]], [pid])
        # A body that is a JSON fragment meant to break out of a string is just a value.
        r = call(self.port, "PUT", "/pets/inj-obj",
                 '{"name": {"S": "x"}, "tags": "\\"}, \\"admin\\": true"}')
        self.assertEqual(r.status, 200, r.text)
        item = stored(self.gw, "pets", {"id": {"S": "inj-obj"}})
        self.assertEqual(item["name"], {"M": {"S": {"S": "x"}}})
        self.assertEqual(item["tags"], {"S": '"}, "admin": true'})
        self.assertNotIn("admin", item)
        # A path parameter that looks like an expression or a key.
        r = call(self.port, "GET", "/pets/:n")
        self.assertEqual(r.status, 404)

    def test_typed_values(self):
        r = call(self.port, "PUT", "/typed/t1?count=42.50&a=1", {"labels": ["x", "y"], "n": 5},
                 headers={"X-Flag": "true"})
        self.assertEqual(r.status, 200, r.text)
        item = stored(self.gw, "pets", {"id": {"S": "t1"}})
        self.assertEqual(item["count"], {"N": "42.5"})
        self.assertEqual(item["flag"], {"BOOL": True})
        self.assertEqual(sorted(item["labels"]["SS"]), ["x", "y"])
        self.assertEqual(sorted(item["nums"]["NS"]), ["1", "2"])
        self.assertEqual(item["text"], {"S": "5"})
        self.assertEqual(item["seven"], {"N": "7"})
        self.assertEqual(item["quoted"], {"S": "7"})
        self.assertEqual(item["yes"], {"BOOL": True})
        self.assertEqual(item["nothing"], {"NULL": True})
        self.assertEqual(item["nested"], {"M": {"a": {"L": [{"N": "1"}, {"S": "two"},
                                                             {"S": "t1"}]}}})
        # A value that cannot have its type: DynamoDB's validation (400), nothing written.
        r = call(self.port, "PUT", "/typed/t2?count=many&a=1", {"labels": ["x"]})
        self.assertEqual(r.status, 400, r.text)
        self.assertIn("numeric", r.json()["message"])
        self.assertIsNone(stored(self.gw, "pets", {"id": {"S": "t2"}}))
        r = call(self.port, "PUT", "/typed/t3?count=1&a=1", {"labels": "not-a-list"})
        self.assertEqual(r.status, 400, r.text)
        self.assertIn("$request.body.labels", r.json()["message"])
        r = call(self.port, "PUT", "/typed/t4?count=1&a=1", headers={"X-Flag": "maybe"})
        self.assertEqual(r.status, 400, r.text)

    def test_bad_requests(self):
        r = call(self.port, "PUT", "/pets/badjson", "{not json")
        self.assertEqual(r.status, 400)
        self.assertIn("not valid JSON", r.json()["message"])
        r = call(self.port, "GET", "/search")  # :n has no value
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json(), {"message": "the request has no value for :n "
                                               "($request.querystring.name)"})
        r = call(self.port, "GET", "/pets?nextToken=garbage!")
        self.assertEqual(r.status, 400)
        self.assertIn("page token", r.json()["message"])

    def test_missing_table(self):
        r = call(self.port, "GET", "/nosuch/1")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["__type"],
                         "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException")
        self.assertTrue(self.gw.running())

    def test_update_and_delete(self):
        call(self.port, "PUT", "/pets/u1", {"name": "Old"})
        r = call(self.port, "PATCH", "/pets/u1", {"name": "New"})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["name"], "New")
        self.assertEqual(r.json()["visits"], 1)
        r = call(self.port, "PATCH", "/pets/u1", {"name": "Newer"})
        self.assertEqual(r.json()["visits"], 2)
        r = call(self.port, "DELETE", "/pets/u1")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json(), {})  # no returnValues asked: no attributes shown
        self.assertIsNone(stored(self.gw, "pets", {"id": {"S": "u1"}}))
        self.assertEqual(call(self.port, "DELETE", "/pets/u1").status, 404)

    def test_raw_put_returns_old_item(self):
        r = call(self.port, "POST", "/pets/raw1", {"v": 1})
        self.assertEqual((r.status, r.json()), (200, {}))
        r = call(self.port, "POST", "/pets/raw1", {"v": 2})
        self.assertEqual(r.json(), {"Attributes": {"id": {"S": "raw1"},
                                                   "doc": {"M": {"v": {"N": "1"}}}}})

    def test_whole_body_as_item(self):
        r = call(self.port, "PUT", "/whole", '{"id": "w1", "a": [1, {"b": null}]}')
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(stored(self.gw, "pets", {"id": {"S": "w1"}}), {
            "id": {"S": "w1"}, "a": {"L": [{"N": "1"}, {"M": {"b": {"NULL": True}}}]}})
        r = call(self.port, "PUT", "/whole", "[1]")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json(), {"message": "the item ($request.body) is not an object"})
        r = call(self.port, "PUT", "/whole", '{"name": "no key"}')  # DynamoDB's own check
        self.assertEqual(r.status, 400)
        self.assertIn("Missing the key id", r.json()["message"])
        r = call(self.port, "PUT", "/whole", "[" * 100000)  # too deep: refused, no crash
        self.assertEqual(r.status, 400)
        self.assertIn("not valid JSON", r.json()["message"])

    def test_projection(self):
        r = call(self.port, "GET", "/pets/seed-1/name")
        self.assertEqual(r.json(), {"name": "Rex"})

    def test_query_pages(self):
        for seq in (1, 2, 3, 10, 11):
            r = call(self.port, "POST", f"/owners/ann/events/{seq}", {"note": f"n{seq}"})
            self.assertEqual(r.status, 200, r.text)
        call(self.port, "POST", "/owners/bob/events/1", {"note": "other"})
        seen, token, pages = [], None, 0
        while True:
            path = "/owners/ann/events" + (f"?nextToken={token}" if token else "")
            r = call(self.port, "GET", path)
            self.assertEqual(r.status, 200, r.text)
            page = r.json()
            self.assertLessEqual(page["count"], 2)
            self.assertEqual(page["count"], len(page["items"]))
            seen += [(e["seq"], e["note"]) for e in page["items"]]
            pages += 1
            token = page.get("nextToken")
            if not token:
                break
            self.assertRegex(token, r"^[A-Za-z0-9_-]+$")
        self.assertEqual(seen, [(11, "n11"), (10, "n10"), (3, "n3"), (2, "n2"), (1, "n1")])
        self.assertEqual(pages, 3)
        # Raw: DynamoDB's page, with LastEvaluatedKey, accepted back as JSON.
        r = call(self.port, "GET", "/raw/owners/ann/events")
        first = r.json()
        self.assertEqual([i["seq"]["N"] for i in first["Items"]], ["1", "2"])
        self.assertEqual(first["LastEvaluatedKey"], {"owner": {"S": "ann"}, "seq": {"N": "2"}})
        r = call(self.port, "GET", "/raw/owners/ann/events",
                 headers={"X-Start-Key": json.dumps(first["LastEvaluatedKey"])})
        self.assertEqual([i["seq"]["N"] for i in r.json()["Items"]], ["3", "10"])

    def test_scan_pages(self):
        ids, token = [], None
        for _ in range(100):
            r = call(self.port, "GET", "/pets" + (f"?nextToken={token}" if token else ""))
            self.assertEqual(r.status, 200, r.text)
            ids += [p["id"] for p in r.json()["items"]]
            token = r.json().get("nextToken")
            if not token:
                break
        self.assertEqual(len(ids), len(set(ids)))
        self.assertIn("seed-1", ids)
        self.assertIn("seed-2", ids)


class DeclaredTablesTest(GatewayTestCase):
    def test_seeded_once_and_kept_across_restarts(self):
        gw = start(self)
        r = call(gw.api_port, "GET", "/pets/seed-1")
        self.assertEqual(r.json()["name"], "Rex")
        self.assertRegex(gw.stderr(), r"created table pets with 2 item\(s\) from .*pets\.json")
        # Users change and delete seeded items; a restart must keep that.
        call(gw.api_port, "PATCH", "/pets/seed-1", {"name": "Changed"})
        self.assertEqual(call(gw.api_port, "DELETE", "/pets/seed-2").status, 200)
        gw.stop()
        gw.start()
        self.assertEqual(call(gw.api_port, "GET", "/pets/seed-1").json()["name"], "Changed")
        self.assertEqual(call(gw.api_port, "GET", "/pets/seed-2").status, 404)
        self.assertNotIn("created table", gw.stderr())  # the log of this run only
        # A reload that declares another table creates it (and seeds it).
        status, tables = ddb(gw, "ListTables", {})
        self.assertEqual(tables["TableNames"], ["events", "pets"])
        more = TABLES + """\
    - name: extra
      hashKey: id
      seed: seed/pets.json
"""
        gw.write_config(LISTENERS + more + ROUTES)
        start_log = len(gw.stderr())
        gw.send_signal(signal.SIGHUP)
        gw.wait_for_stderr(r"created table extra with 2 item", start=start_log)
        status, tables = ddb(gw, "ListTables", {})
        self.assertEqual(tables["TableNames"], ["events", "extra", "pets"])
        self.assertEqual(stored(gw, "extra", {"id": {"S": "seed-2"}})["name"], {"S": "Tom"})
        self.assertEqual(stored(gw, "pets", {"id": {"S": "seed-1"}})["name"], {"S": "Changed"})

    def test_dynamodb_json_seed(self):
        seed = json.dumps({"Items": [{"id": {"S": "d1"}, "n": {"N": "1.50"},
                                      "s": {"SS": ["a", "b"]}}]})
        gw = start(self, seed_text=seed)
        self.assertEqual(stored(gw, "pets", {"id": {"S": "d1"}}),
                         {"id": {"S": "d1"}, "n": {"N": "1.5"}, "s": {"SS": ["a", "b"]}})


class ConfigErrorTest(unittest.TestCase):
    """`gatehouse validate` reports each problem with file:line:col."""

    def validate(self, text, seed=SEED_TEXT):
        gw = Gateway(text)
        self.addCleanup(gw.close)
        (gw.dir / "seed").mkdir()
        (gw.dir / "seed" / "pets.json").write_text(seed)
        gw.config_path.write_text(gw.render(text))
        out = run_cli("validate", str(gw.config_path))
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        return out.stdout + out.stderr

    def route(self, integration, tables=TABLES):
        return LISTENERS + tables + """\
apis:
  - id: web
    routes:
      "GET /x/{id}":
        integration: %s
""" % integration

    def assertError(self, text, marker, message):
        """An error on the line of `text` that contains `marker` (the last such line)."""
        line = max(i for i, l in enumerate(text.splitlines(), 1) if marker in l)
        out = self.validate(text)
        self.assertRegex(out, r"gatehouse\.yaml:%d:\d+: error: .*%s" % (line, message), out)

    def test_route_errors(self):
        cases = [
            ("{type: dynamodb, action: GetIt, table: pets, key: {id: $request.path.id}}",
             "unknown action 'GetIt'.*did you mean 'GetItem'"),
            ("{type: dynamodb, action: GetItem, key: {id: $request.path.id}}",
             "table"),
            ("{type: dynamodb, action: GetItem, table: pets}", "key"),
            ("{type: dynamodb, action: GetItem, table: pets, key: {id: x}, item: {id: x}}",
             "'item' does not apply to GetItem"),
            ("{type: dynamodb, action: GetItem, table: pets, key: {idx: $request.path.id}}",
             "no value for the key attribute id of table pets"),
            ("{type: dynamodb, action: PutItem, table: pets, item: {id: x}, condition: 'a = = b'}",
             "Invalid ConditionExpression: Syntax error"),
            ("{type: dynamodb, action: PutItem, table: pets, item: {id: x}, condition: 'a = :v'}",
             "ConditionExpression: An expression attribute value used in expression is not "
             "defined; attribute value: :v"),
            ("{type: dynamodb, action: Scan, table: pets, values: {':v': 1}}",
             "ExpressionAttributeValues"),
            ("{type: dynamodb, action: Query, table: events, keyCondition: 'nope = :o', "
             "values: {':o': x}}", "keyCondition: Query condition missed key schema element: owner"),
            ("{type: dynamodb, action: PutItem, table: pets, item: {id: $request.bodyx.a}}",
             "whole value"),
            ("{type: dynamodb, action: PutItem, table: pets, item: {id: \"$request.body['a\"}}",
             "invalid body path"),
            ("{type: dynamodb, action: PutItem, table: pets, item: {id: 'x-$request.body.a'}}",
             "whole value"),
            ("{type: dynamodb, action: PutItem, table: pets, item: {id: x, n: {N: abc}}}",
             "numeric"),
            ("{type: dynamodb, action: GetItem, table: pets, key: {id: $context.nope}}",
             "unknown variable"),
            ("{type: dynamodb, action: Scan, table: pets, response: fancy}", "raw .* or plain"),
            ("{type: dynamodb, action: PutItem, table: pets, item: {S: x}}",
             "the item is a mapping"),
            ("{type: dynamodb, action: GetItem, table: events, key: {owner: x, seq: y}}",
             "seq of table events is of type N.*write \\{N: ...\\}"),
            ("{type: dynamodb, action: GetItem, table: 'a b', key: {id: x}}", "tableName"),
            ("{type: dynamodb, action: GetItem, table: pets, key: {id: x}, notFoundd: 404}",
             "notFound"),
        ]
        for integration, message in cases:
            with self.subTest(integration=integration):
                self.assertError(self.route(integration), "integration:", message)

    def test_table_errors(self):
        bad_type = TABLES.replace("{name: seq, type: N}", "{name: seq, type: X}")
        self.assertError(self.route("{type: mock}", bad_type), "{name: seq, type: X}",
                         "unknown key type 'X' \\(S, N or B\\)")
        no_range = TABLES + ("    - {name: solo, hashKey: id, "
                             "localSecondaryIndexes: [{name: l, rangeKey: r}]}\n")
        self.assertError(self.route("{type: mock}", no_range), "{name: solo",
                         "localSecondaryIndexes: CreateTable refuses this table: .*does not have a "
                         "range key")
        dup = TABLES + "    - {name: pets, hashKey: id}\n"
        self.assertError(self.route("{type: mock}", dup), "{name: pets", "declared twice")
        missing_seed = TABLES.replace("seed/pets.json", "seed/nope.json")
        self.assertError(self.route("{type: mock}", missing_seed), "seed:",
                         "seed file .*nope.json")

    def test_bad_seed_files(self):
        for seed, message in [("[{\"id\": 1}]", "item 1: .*key"),
                              ("{\"x\": 1}", "array of items"),
                              ("[1]", "item 1 is not a JSON object"),
                              ("[{\"id\": \"a\", \"n\": 1e999}]", "item 1: .*"),
                              ("not json", "not JSON")]:
            with self.subTest(seed=seed):
                text = self.route("{type: mock}")
                line = text.splitlines().index("      seed: seed/pets.json") + 1
                out = self.validate(text, seed=seed)
                self.assertRegex(out, r"gatehouse\.yaml:%d:\d+: error: .*seed file .*pets\.json: .*"
                                 % line + message, out)

    def test_valid_config_validates(self):
        gw = Gateway(CONFIG)
        self.addCleanup(gw.close)
        (gw.dir / "seed").mkdir()
        (gw.dir / "seed" / "pets.json").write_text(SEED_TEXT)
        gw.config_path.write_text(gw.render(CONFIG))
        out = run_cli("validate", str(gw.config_path))
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertFalse((gw.dir / "data").exists(), "validate must not create the store")
        routes = run_cli("routes", str(gw.config_path))
        self.assertIn("dynamodb GetItem pets (plain, embedded store)", routes.stdout)


if __name__ == "__main__":
    unittest.main()
