"""DynamoDB secondary indexes on the embedded store: LSIs and GSIs declared by CreateTable or
added and removed by UpdateTable, kept in step with every write path (PutItem, UpdateItem,
DeleteItem, BatchWriteItem, TransactWriteItems), read by Query and Scan with IndexName, with
DynamoDB's projections, sparse membership, ordering, pagination and validation messages."""

from __future__ import annotations


import debian_python

debian_python.require("boto3")

import unittest

from botocore.exceptions import ClientError

from harness import GatewayTestCase
from test_dynamodb import CONFIG, client


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


def create_orders(ddb, name="orders", billing="PAY_PER_REQUEST"):
    """pk (customer) + sk (order id); LSI byTotal (pk, amt N, INCLUDE status); GSI byStatus
    (status, placed N, KEYS_ONLY); GSI byRegion (region, ALL, no range)."""
    extra = {} if billing == "PAY_PER_REQUEST" else {
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}
    gsi_extra = {} if billing == "PAY_PER_REQUEST" else {
        "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 3}}
    return ddb.create_table(
        TableName=name, BillingMode=billing, **extra,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": t} for a, t in
                              (("pk", "S"), ("sk", "S"), ("amt", "N"), ("status", "S"),
                               ("placed", "N"), ("region", "S"))],
        LocalSecondaryIndexes=[{
            "IndexName": "byTotal",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "amt", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["status"]}}],
        GlobalSecondaryIndexes=[
            {"IndexName": "byStatus",
             "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"},
                           {"AttributeName": "placed", "KeyType": "RANGE"}],
             "Projection": {"ProjectionType": "KEYS_ONLY"}, **gsi_extra},
            {"IndexName": "byRegion",
             "KeySchema": [{"AttributeName": "region", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "ALL"}, **gsi_extra}])


def order(pk, sk, total, status=None, placed=None, region=None, note="n"):
    item = {"pk": S(pk), "sk": S(sk), "amt": N(total), "note": S(note)}
    if status is not None:
        item["status"] = S(status)
    if placed is not None:
        item["placed"] = N(placed)
    if region is not None:
        item["region"] = S(region)
    return item


class IndexTest(GatewayTestCase):
    def error(self, call, **kw):
        with self.assertRaises(ClientError) as raised:
            call(**kw)
        r = raised.exception.response
        return r["Error"]["Code"], r["Error"]["Message"]

    def seeded(self):
        gw = self.start_gateway(CONFIG)
        ddb = client(gw)
        created = create_orders(ddb)["TableDescription"]
        self.assertEqual([i["IndexStatus"] for i in created["GlobalSecondaryIndexes"]],
                         ["CREATING", "CREATING"])
        items = [order("ann", "o1", 30, "OPEN", 3, "eu"),
                 order("ann", "o2", 10, "SHIPPED", 1, "us"),
                 order("ann", "o3", 20, "OPEN", 2),            # no region: not in byRegion
                 order("bob", "o1", 5, "OPEN", 1, "eu"),
                 order("bob", "o2", 50)]                       # no status: not in byStatus
        for item in items:
            ddb.put_item(TableName="orders", Item=item)
        return gw, ddb

    def test_describe_shows_the_indexes(self):
        gw, ddb = self.seeded()
        t = ddb.describe_table(TableName="orders")["Table"]
        self.assertEqual(sorted(a["AttributeName"] for a in t["AttributeDefinitions"]),
                         ["amt", "pk", "placed", "region", "sk", "status"])
        lsi = t["LocalSecondaryIndexes"][0]
        self.assertEqual(lsi["IndexName"], "byTotal")
        self.assertEqual(lsi["Projection"], {"ProjectionType": "INCLUDE",
                                             "NonKeyAttributes": ["status"]})
        self.assertEqual(lsi["ItemCount"], 5)
        self.assertTrue(lsi["IndexArn"].endswith(":table/orders/index/byTotal"))
        gsis = {g["IndexName"]: g for g in t["GlobalSecondaryIndexes"]}
        self.assertEqual(gsis["byStatus"]["IndexStatus"], "ACTIVE")
        self.assertEqual(gsis["byStatus"]["ItemCount"], 4)
        self.assertEqual(gsis["byRegion"]["ItemCount"], 3)
        self.assertEqual(gsis["byRegion"]["KeySchema"],
                         [{"AttributeName": "region", "KeyType": "HASH"}])

    def test_query_a_gsi_in_index_order_with_its_projection(self):
        gw, ddb = self.seeded()
        r = ddb.query(TableName="orders", IndexName="byStatus",
                      KeyConditionExpression="#s = :s",
                      ExpressionAttributeNames={"#s": "status"},
                      ExpressionAttributeValues={":s": S("OPEN")})
        # KEYS_ONLY: the table's key and the index's, ordered by the index range key.
        self.assertEqual(r["Items"], [
            {"pk": S("bob"), "sk": S("o1"), "status": S("OPEN"), "placed": N(1)},
            {"pk": S("ann"), "sk": S("o3"), "status": S("OPEN"), "placed": N(2)},
            {"pk": S("ann"), "sk": S("o1"), "status": S("OPEN"), "placed": N(3)}])
        back = ddb.query(TableName="orders", IndexName="byStatus", ScanIndexForward=False,
                         KeyConditionExpression="#s = :s AND placed > :p",
                         ExpressionAttributeNames={"#s": "status"},
                         ExpressionAttributeValues={":s": S("OPEN"), ":p": N(1)})
        self.assertEqual([i["placed"] for i in back["Items"]], [N(3), N(2)])
        # ALL: everything; a hash-only GSI; sparse (ann/o3 has no region).
        eu = ddb.query(TableName="orders", IndexName="byRegion",
                       KeyConditionExpression="#r = :r", ExpressionAttributeNames={"#r": "region"},
                       ExpressionAttributeValues={":r": S("eu")})["Items"]
        self.assertEqual(sorted((i["pk"]["S"], i["sk"]["S"], i["note"]["S"]) for i in eu),
                         [("ann", "o1", "n"), ("bob", "o1", "n")])
        # A projection expression on a KEYS_ONLY GSI sees only what the index holds.
        r = ddb.query(TableName="orders", IndexName="byStatus", ProjectionExpression="sk, note",
                      KeyConditionExpression="#s = :s", ExpressionAttributeNames={"#s": "status"},
                      ExpressionAttributeValues={":s": S("SHIPPED")})
        self.assertEqual(r["Items"], [{"sk": S("o2")}])

    def test_query_an_lsi(self):
        gw, ddb = self.seeded()
        r = ddb.query(TableName="orders", IndexName="byTotal",
                      KeyConditionExpression="pk = :p AND amt BETWEEN :a AND :b",
                      ExpressionAttributeValues={":p": S("ann"), ":a": N(10), ":b": N(25)})
        # INCLUDE status: keys, the index key and status.
        self.assertEqual(r["Items"], [
            {"pk": S("ann"), "sk": S("o2"), "amt": N(10), "status": S("SHIPPED")},
            {"pk": S("ann"), "sk": S("o3"), "amt": N(20), "status": S("OPEN")}])
        # An LSI fetches the rest from the table when asked.
        full = ddb.query(TableName="orders", IndexName="byTotal", Select="ALL_ATTRIBUTES",
                         KeyConditionExpression="pk = :p AND amt > :a",
                         ExpressionAttributeValues={":p": S("ann"), ":a": N(25)})["Items"]
        self.assertEqual(full, [order("ann", "o1", 30, "OPEN", 3, "eu")])
        # A filter on a non-key attribute, on the item as the index shows it.
        f = ddb.query(TableName="orders", IndexName="byTotal", ConsistentRead=True,
                      KeyConditionExpression="pk = :p", FilterExpression="#s = :s",
                      ExpressionAttributeNames={"#s": "status"},
                      ExpressionAttributeValues={":p": S("ann"), ":s": S("OPEN")})
        self.assertEqual([i["amt"] for i in f["Items"]], [N(20), N(30)])
        self.assertEqual((f["Count"], f["ScannedCount"]), (2, 3))

    def test_pages_through_an_index(self):
        gw, ddb = self.seeded()
        for n in range(30):
            ddb.put_item(TableName="orders",
                         Item=order("cat", f"x{n:02}", n, "BULK", n % 3, "ap"))
        seen, start, pages = [], None, 0
        while True:
            kw = {"ExclusiveStartKey": start} if start else {}
            r = ddb.query(TableName="orders", IndexName="byStatus", Limit=7,
                          KeyConditionExpression="#s = :s",
                          ExpressionAttributeNames={"#s": "status"},
                          ExpressionAttributeValues={":s": S("BULK")}, **kw)
            pages += 1
            seen += [(int(i["placed"]["N"]), i["sk"]["S"]) for i in r["Items"]]
            start = r.get("LastEvaluatedKey")
            if not start:
                break
            self.assertEqual(set(start), {"pk", "sk", "status", "placed"})
        # Equal index keys are ordered by the table key; every item exactly once.
        self.assertEqual(seen, sorted((n % 3, f"x{n:02}") for n in range(30)))
        self.assertEqual(pages, 5)
        # Scan an index, in pages too.
        scanned, start = [], None
        while True:
            kw = {"ExclusiveStartKey": start} if start else {}
            r = ddb.scan(TableName="orders", IndexName="byRegion", Limit=4, **kw)
            scanned += [(i["pk"]["S"], i["sk"]["S"]) for i in r["Items"]]
            start = r.get("LastEvaluatedKey")
            if not start:
                break
        self.assertEqual(len(scanned), 33)
        self.assertEqual(len(set(scanned)), 33)
        segments = [ddb.scan(TableName="orders", IndexName="byRegion", Segment=s,
                             TotalSegments=3)["Count"] for s in range(3)]
        self.assertEqual(sum(segments), 33)

    def test_every_write_path_keeps_the_indexes(self):
        gw, ddb = self.seeded()

        def open_orders():
            return sorted((i["pk"]["S"], i["sk"]["S"]) for i in ddb.query(
                TableName="orders", IndexName="byStatus", KeyConditionExpression="#s = :s",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":s": S("OPEN")})["Items"])

        self.assertEqual(open_orders(), [("ann", "o1"), ("ann", "o3"), ("bob", "o1")])
        # A PutItem over an item, with nothing in its answer that needs the old one: the old
        # item's index entry still goes.
        ddb.put_item(TableName="orders", Item=order("ann", "o1", 1, "SHIPPED", 1))
        self.assertEqual(open_orders(), [("ann", "o3"), ("bob", "o1")])
        ddb.update_item(TableName="orders", Key={"pk": S("ann"), "sk": S("o1")},
                        UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
                        ExpressionAttributeValues={":s": S("SHIPPED")})
        ddb.update_item(TableName="orders", Key={"pk": S("bob"), "sk": S("o2")},
                        UpdateExpression="SET #s = :s, placed = :p",
                        ExpressionAttributeNames={"#s": "status"},
                        ExpressionAttributeValues={":s": S("OPEN"), ":p": N(9)})
        self.assertEqual(open_orders(), [("ann", "o3"), ("bob", "o1"), ("bob", "o2")])
        ddb.delete_item(TableName="orders", Key={"pk": S("bob"), "sk": S("o1")})
        ddb.update_item(TableName="orders", Key={"pk": S("ann"), "sk": S("o3")},
                        UpdateExpression="REMOVE placed")  # leaves the index: sparse
        self.assertEqual(open_orders(), [("bob", "o2")])
        ddb.batch_write_item(RequestItems={"orders": [
            {"PutRequest": {"Item": order("dan", "o1", 1, "OPEN", 4)}},
            {"DeleteRequest": {"Key": {"pk": S("bob"), "sk": S("o2")}}}]})
        self.assertEqual(open_orders(), [("dan", "o1")])
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "orders", "Item": order("eve", "o1", 1, "OPEN", 5)}},
            {"Delete": {"TableName": "orders", "Key": {"pk": S("dan"), "sk": S("o1")}}}])
        self.assertEqual(open_orders(), [("eve", "o1")])
        # A cancelled transaction leaves the index as it was.
        with self.assertRaises(ClientError):
            ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": "orders", "Item": order("fay", "o1", 1, "OPEN", 6)}},
                {"ConditionCheck": {"TableName": "orders",
                                    "Key": {"pk": S("eve"), "sk": S("o1")},
                                    "ConditionExpression": "attribute_not_exists(pk)"}}])
        self.assertEqual(open_orders(), [("eve", "o1")])
        # A key of the wrong type is refused and changes nothing.
        code, message = self.error(ddb.put_item, TableName="orders",
                                   Item=order("eve", "o1", 1, "OPEN", None) | {"placed": S("x")})
        self.assertEqual(code, "ValidationException")
        self.assertEqual(message, "One or more parameter values were invalid: Type mismatch for "
                                  "Index Key placed Expected: N Actual: S IndexName: byStatus")
        self.assertEqual(open_orders(), [("eve", "o1")])
        # Items and indexes survive a restart.
        gw.stop()
        gw.start()
        ddb = client(gw)
        self.assertEqual(open_orders(), [("eve", "o1")])
        counts = {g["IndexName"]: g["ItemCount"] for g in
                  ddb.describe_table(TableName="orders")["Table"]["GlobalSecondaryIndexes"]}
        self.assertEqual(counts["byStatus"], 3)  # ann/o1, ann/o2 SHIPPED, eve/o1

    def test_reads_refused_as_dynamodb_refuses_them(self):
        gw, ddb = self.seeded()
        q = {"TableName": "orders", "KeyConditionExpression": "#s = :s",
             "ExpressionAttributeNames": {"#s": "status"},
             "ExpressionAttributeValues": {":s": S("OPEN")}}
        self.assertEqual(self.error(ddb.query, IndexName="nope", **q),
                         ("ValidationException",
                          "The table does not have the specified index: nope"))
        self.assertEqual(self.error(ddb.query, IndexName="byStatus", ConsistentRead=True, **q),
                         ("ValidationException",
                          "Consistent reads are not supported on global secondary indexes"))
        self.assertEqual(
            self.error(ddb.query, IndexName="byStatus", Select="ALL_ATTRIBUTES", **q),
            ("ValidationException", "One or more parameter values were invalid: Select type "
             "ALL_ATTRIBUTES is not supported for global secondary index byStatus because its "
             "projection type is not ALL"))
        # The key condition is the index's.
        code, _ = self.error(ddb.query, TableName="orders", IndexName="byStatus",
                             KeyConditionExpression="pk = :p",
                             ExpressionAttributeValues={":p": S("ann")})
        self.assertEqual(code, "ValidationException")
        self.assertEqual(self.error(ddb.query, TableName="orders", KeyConditionExpression="pk = :p",
                                    ExpressionAttributeValues={":p": S("ann")},
                                    Select="ALL_PROJECTED_ATTRIBUTES"),
                         ("ValidationException", "1 validation error detected: "
                          "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an "
                          "IndexName"))
        code, message = self.error(ddb.query, IndexName="byStatus",
                                   ExclusiveStartKey={"pk": S("ann"), "sk": S("o1")}, **q)
        self.assertEqual((code, message), ("ValidationException",
                                           "The provided starting key is invalid: The provided "
                                           "key element does not match the schema"))

    def test_create_table_validation(self):
        gw = self.start_gateway(CONFIG)
        ddb = client(gw)
        base = {"TableName": "tab1", "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                         {"AttributeName": "x", "AttributeType": "S"}]}
        lsi = {"IndexName": "byX", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                  {"AttributeName": "x", "KeyType": "RANGE"}],
               "Projection": {"ProjectionType": "ALL"}}
        gsi = {"IndexName": "gxx", "KeySchema": [{"AttributeName": "x", "KeyType": "HASH"}],
               "Projection": {"ProjectionType": "ALL"}}
        invalid = "One or more parameter values were invalid: "
        cases = [
            ({"LocalSecondaryIndexes": [lsi]},
             invalid + "Table KeySchema does not have a range key, which is required when "
                       "specifying a LocalSecondaryIndex"),
            ({"GlobalSecondaryIndexes": []},
             invalid + "List of GlobalSecondaryIndexes is empty"),
            ({"GlobalSecondaryIndexes": [gsi, gsi]}, invalid + "Duplicate index name: gxx"),
            ({"GlobalSecondaryIndexes": [gsi | {"Projection": {
                "ProjectionType": "ALL", "NonKeyAttributes": ["a"]}}]},
             invalid + "ProjectionType is ALL, but NonKeyAttributes is specified"),
            ({"GlobalSecondaryIndexes": [gsi | {"KeySchema": [
                {"AttributeName": "y", "KeyType": "HASH"}]}]},
             invalid + "Some index key attributes are not defined in AttributeDefinitions. "
                       "Keys: [y], AttributeDefinitions: [pk, x]"),
            ({"GlobalSecondaryIndexes": [{**gsi, "IndexName": f"g{n:02}"} for n in range(21)]},
             invalid + "GlobalSecondaryIndex count exceeds the per-table limit of 20"),
        ]
        for extra, message in cases:
            with self.subTest(message=message):
                self.assertEqual(self.error(ddb.create_table, **(base | extra)),
                                 ("ValidationException", message))
        ranged = base | {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                       {"AttributeName": "sk", "KeyType": "RANGE"}],
                         "AttributeDefinitions": base["AttributeDefinitions"] + [
                             {"AttributeName": "sk", "AttributeType": "S"}]}
        other_hash = lsi | {"KeySchema": [{"AttributeName": "x", "KeyType": "HASH"},
                                          {"AttributeName": "sk", "KeyType": "RANGE"}]}
        self.assertEqual(
            self.error(ddb.create_table, **(ranged | {"LocalSecondaryIndexes": [other_hash]})),
            ("ValidationException", invalid + "Index KeySchema does not have the same leading "
             "hash key as table KeySchema for index: byX. index hash key: x, table hash key: pk"))
        self.assertEqual(ddb.list_tables()["TableNames"], [])
        # A PROVISIONED table's GSIs carry their own throughput.
        create_orders(ddb, "prov", billing="PROVISIONED")
        gsis = ddb.describe_table(TableName="prov")["Table"]["GlobalSecondaryIndexes"]
        self.assertEqual(gsis[0]["ProvisionedThroughput"]["WriteCapacityUnits"], 3)

    def test_update_table_adds_and_removes_gsis(self):
        gw, ddb = self.seeded()
        r = ddb.update_table(
            TableName="orders",
            AttributeDefinitions=[{"AttributeName": "note", "AttributeType": "S"},
                                  {"AttributeName": "amt", "AttributeType": "N"}],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": "byNote",
                "KeySchema": [{"AttributeName": "note", "KeyType": "HASH"},
                              {"AttributeName": "amt", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["region"]}}}])
        d = r["TableDescription"]
        self.assertEqual(d["TableStatus"], "UPDATING")
        self.assertEqual({g["IndexName"]: g["IndexStatus"] for g in d["GlobalSecondaryIndexes"]},
                         {"byStatus": "ACTIVE", "byRegion": "ACTIVE", "byNote": "CREATING"})
        # Backfilled from the items already there.
        items = ddb.query(TableName="orders", IndexName="byNote",
                          KeyConditionExpression="note = :n AND amt >= :t",
                          ExpressionAttributeValues={":n": S("n"), ":t": N(20)})["Items"]
        self.assertEqual([(i["amt"]["N"], i.get("region", {}).get("S")) for i in items],
                         [("20", None), ("30", "eu"), ("50", None)])
        t = ddb.describe_table(TableName="orders")["Table"]
        self.assertEqual(t["TableStatus"], "ACTIVE")
        self.assertEqual({g["IndexName"]: g["ItemCount"] for g in t["GlobalSecondaryIndexes"]},
                         {"byStatus": 4, "byRegion": 3, "byNote": 5})
        self.assertEqual(self.error(ddb.update_table, TableName="orders",
                                    AttributeDefinitions=[{"AttributeName": "note",
                                                           "AttributeType": "S"}],
                                    GlobalSecondaryIndexUpdates=[{"Create": {
                                        "IndexName": "byNote",
                                        "KeySchema": [{"AttributeName": "note",
                                                       "KeyType": "HASH"}],
                                        "Projection": {"ProjectionType": "ALL"}}}]),
                         ("ValidationException",
                          "Attempting to create an index which already exists"))
        code, _ = self.error(ddb.update_table, TableName="orders",
                             GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byNote"}},
                                                          {"Delete": {"IndexName": "byRegion"}}])
        self.assertEqual(code, "LimitExceededException")
        ddb.update_table(TableName="orders",
                         GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byNote"}}])
        self.assertEqual(self.error(ddb.query, TableName="orders", IndexName="byNote",
                                    KeyConditionExpression="note = :n",
                                    ExpressionAttributeValues={":n": S("n")}),
                         ("ValidationException",
                          "The table does not have the specified index: byNote"))
        # Billing mode switches, the GSIs following.
        d = ddb.update_table(TableName="orders", BillingMode="PROVISIONED",
                             ProvisionedThroughput={"ReadCapacityUnits": 4,
                                                    "WriteCapacityUnits": 6})["TableDescription"]
        self.assertEqual(d["BillingModeSummary"]["BillingMode"], "PROVISIONED")
        self.assertEqual(d["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]
                         ["ReadCapacityUnits"], 4)
        code, _ = self.error(ddb.update_table, TableName="orders")
        self.assertEqual(code, "ValidationException")
        code, _ = self.error(ddb.update_table, TableName="nope", BillingMode="PAY_PER_REQUEST")
        self.assertEqual(code, "ResourceNotFoundException")
        # Deleting the table drops its index entries: a new table of the same name starts empty.
        ddb.delete_table(TableName="orders")
        create_orders(ddb)
        self.assertEqual(ddb.scan(TableName="orders", IndexName="byRegion")["Count"], 0)


if __name__ == "__main__":
    unittest.main()
