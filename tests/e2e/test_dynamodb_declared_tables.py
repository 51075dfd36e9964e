"""Tables declared in the YAML with the full AWS::DynamoDB::Table definition, end to end: the
built gateway started on a config whose table declares a GSI (INCLUDE projection), an LSI, Time
to Live and tags, and seeds items; boto3 then sees them in DescribeTable, DescribeTimeToLive and
ListTagsOfResource, queries both indexes over the seeded items, and watches a seeded item whose
TTL has passed disappear. A restart with a GSI added to the YAML adds it to the existing table
(built over its items), reports what it cannot change, and never re-seeds. `gatehouse validate`
reports declaration mistakes with line:col.

Re-runs itself with /usr/bin/python3 when the Python running the tests lacks boto3."""


import debian_python

debian_python.require("boto3")

import json
import time
import unittest

from harness import Gateway, GatewayTestCase, run_cli, wait_until
from lambda_support import listeners_yaml
from test_dynamodb import client

TABLES = """\
dynamodb:
  dataDir: data
  tables:
    - name: orders
      hashKey: {name: pk, type: S}
      rangeKey: {name: sk, type: S}
      globalSecondaryIndexes:
        - name: byCustomer
          hashKey: {name: customer, type: S}
          rangeKey: {name: placed, type: N}
          projection: {projectionType: INCLUDE, nonKeyAttributes: [total]}
      localSecondaryIndexes:
        - name: byPlaced
          rangeKey: placed
          projection: KEYS_ONLY
      timeToLiveSpecification: {attributeName: expiresAt}
      tags: {team: shop}
      seed: seed/orders.json
"""

API = """\
apis:
  - id: web
    protocol: HTTP
    routes: {"GET /": {integration: {type: mock}}}
"""

CONFIG = listeners_yaml() + TABLES + API

# A GSI more, and an LSI that cannot be added to an existing table.
MORE = TABLES.replace("""      localSecondaryIndexes:""", """        - name: byStatus
          hashKey: status
          projection: KEYS_ONLY
      localSecondaryIndexes:
        - name: byTotal
          rangeKey: {name: total, type: N}""")


def seed_items(now):
    return [
        {"pk": "c#ada", "sk": "o1", "customer": "ada", "placed": 3, "total": 12, "status": "new",
         "note": "not projected"},
        {"pk": "c#ada", "sk": "o2", "customer": "ada", "placed": 1, "total": 5, "status": "paid",
         "expiresAt": now + 24 * 3600},
        {"pk": "c#bob", "sk": "o3", "customer": "bob", "placed": 2, "total": 7, "status": "new",
         "expiresAt": now - 60},  # expired: the TTL sweeper deletes it
    ]


def start(test, config=CONFIG):
    gw = Gateway(config)
    test.addCleanup(gw.close)
    (gw.dir / "seed").mkdir()
    (gw.dir / "seed" / "orders.json").write_text(json.dumps(seed_items(int(time.time()))))
    gw.start()
    return gw


def sort_keys(answer):
    return [i["sk"]["S"] for i in answer["Items"]]


class DeclaredTableDefinitionTest(GatewayTestCase):
    def test_indexes_ttl_and_tags_from_the_yaml(self):
        gw = start(self)
        ddb = client(gw)
        table = ddb.describe_table(TableName="orders")["Table"]
        self.assertEqual(table["KeySchema"], [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "sk", "KeyType": "RANGE"}])
        self.assertEqual(
            sorted((d["AttributeName"], d["AttributeType"]) for d in table["AttributeDefinitions"]),
            [("customer", "S"), ("pk", "S"), ("placed", "N"), ("sk", "S")])
        self.assertEqual(table["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
        [gsi] = table["GlobalSecondaryIndexes"]
        self.assertEqual(gsi["IndexName"], "byCustomer")
        self.assertEqual(gsi["KeySchema"], [{"AttributeName": "customer", "KeyType": "HASH"},
                                            {"AttributeName": "placed", "KeyType": "RANGE"}])
        self.assertEqual(gsi["Projection"],
                         {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total"]})
        self.assertEqual(gsi["IndexStatus"], "ACTIVE")
        [lsi] = table["LocalSecondaryIndexes"]
        self.assertEqual(lsi["IndexName"], "byPlaced")
        self.assertEqual(lsi["KeySchema"], [{"AttributeName": "pk", "KeyType": "HASH"},
                                            {"AttributeName": "placed", "KeyType": "RANGE"}])
        self.assertEqual(lsi["Projection"], {"ProjectionType": "KEYS_ONLY"})
        self.assertEqual(ddb.describe_time_to_live(TableName="orders")["TimeToLiveDescription"],
                         {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"})
        self.assertEqual(ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"],
                         [{"Key": "team", "Value": "shop"}])
        self.assertRegex(gw.stderr(), r"created table orders with 3 item\(s\) from .*orders\.json")

        # The GSI over the seeded items, newest first, with its INCLUDE projection.
        by_customer = ddb.query(TableName="orders", IndexName="byCustomer",
                                KeyConditionExpression="customer = :c",
                                ExpressionAttributeValues={":c": {"S": "ada"}},
                                ScanIndexForward=False)
        self.assertEqual(sort_keys(by_customer), ["o1", "o2"])
        self.assertEqual(set(by_customer["Items"][0]),
                         {"pk", "sk", "customer", "placed", "total"})
        # The LSI: one customer's orders by time placed, keys only.
        by_placed = ddb.query(TableName="orders", IndexName="byPlaced",
                              KeyConditionExpression="pk = :p AND placed > :t",
                              ExpressionAttributeValues={":p": {"S": "c#ada"}, ":t": {"N": "0"}})
        self.assertEqual(sort_keys(by_placed), ["o2", "o1"])
        self.assertEqual(set(by_placed["Items"][0]), {"pk", "sk", "placed"})

        # The expired seed item disappears (from the table and its indexes); the others stay.
        def gone():
            return "Item" not in ddb.get_item(TableName="orders", ConsistentRead=True,
                                              Key={"pk": {"S": "c#bob"}, "sk": {"S": "o3"}})
        wait_until(gone, timeout=10, message="the expired seed item to be deleted")
        self.assertEqual(ddb.query(TableName="orders", IndexName="byCustomer",
                                   KeyConditionExpression="customer = :c",
                                   ExpressionAttributeValues={":c": {"S": "bob"}})["Count"], 0)
        self.assertEqual(ddb.scan(TableName="orders", ConsistentRead=True)["Count"], 2)

    def test_a_restart_adds_a_declared_gsi_to_the_existing_table(self):
        gw = start(self)
        ddb = client(gw)
        ddb.delete_item(TableName="orders", Key={"pk": {"S": "c#ada"}, "sk": {"S": "o1"}})
        gw.stop()
        gw.template = listeners_yaml() + MORE + API  # what start() writes
        gw.start()
        ddb = client(gw)  # a restart listens on fresh ports
        table = ddb.describe_table(TableName="orders")["Table"]
        self.assertEqual([i["IndexName"] for i in table["GlobalSecondaryIndexes"]],
                         ["byCustomer", "byStatus"])
        self.assertEqual([i["IndexName"] for i in table["LocalSecondaryIndexes"]], ["byPlaced"])
        log = gw.stderr()
        self.assertIn("table orders: added the declared global secondary index byStatus", log)
        self.assertRegex(log, r"table orders exists and differs from its declaration .*local "
                              r"secondary index byTotal is missing")
        self.assertNotIn("created table", log)
        # Built over the items already there; the deleted seed item is not written again.
        by_status = ddb.query(TableName="orders", IndexName="byStatus",
                              KeyConditionExpression="#s = :s",
                              ExpressionAttributeNames={"#s": "status"},
                              ExpressionAttributeValues={":s": {"S": "paid"}})
        self.assertEqual(sort_keys(by_status), ["o2"])
        self.assertNotIn("Item", ddb.get_item(TableName="orders", ConsistentRead=True,
                                              Key={"pk": {"S": "c#ada"}, "sk": {"S": "o1"}}))

    def test_validate_reports_declaration_mistakes(self):
        bad = (TABLES.replace("      tags: {team: shop}\n", "      tag: {team: shop}\n")
                     .replace("rangeKey: placed", "rangeKey: {name: placed, type: S}"))
        gw = Gateway(listeners_yaml() + bad + API)
        self.addCleanup(gw.close)
        (gw.dir / "seed").mkdir()
        (gw.dir / "seed" / "orders.json").write_text("[]")
        gw.config_path.write_text(gw.render(gw.template))
        out = run_cli("validate", str(gw.config_path))
        text = out.stdout + out.stderr
        self.assertEqual(out.returncode, 1, text)
        lines = gw.config_path.read_text().splitlines()
        tag_line = lines.index("      tag: {team: shop}") + 1
        type_line = lines.index("          rangeKey: {name: placed, type: S}") + 1
        self.assertRegex(text, r"gatehouse\.yaml:%d:\d+: error: dynamodb\.tables\[0\]\.tag: "
                               r"unknown key 'tag'; did you mean 'tags'\?" % tag_line)
        self.assertRegex(text, r"gatehouse\.yaml:%d:\d+: error: .*localSecondaryIndexes\[0\]\."
                               r"rangeKey: key attribute 'placed' is of type S here, but of type "
                               r"N at line \d+:\d+" % type_line)


if __name__ == "__main__":
    unittest.main()
