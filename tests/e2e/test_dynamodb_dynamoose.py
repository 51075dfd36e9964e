"""Dynamoose (v4, the DynamoDB modelling library for Node.js, pinned in tests/e2e/sdk-js/package.json)
against the embedded DynamoDB store, end to end: tests/e2e/sdk-js/dynamoose.mjs runs one area per
test against a fresh gateway and prints what Dynamoose handed back; this side asserts exact values.

Covered: Dynamoose creating a hash+range table with a GSI and waiting for it to be ACTIVE, and a
TTL model's table (UpdateTimeToLive, then the sweeper deleting the expired item); create with
overwrite false, get, update with $ADD / $SET / $REMOVE, conditional update and delete with
dynamoose.Condition; query on the hash key with a range condition and a filter, descending, on the
GSI, Limit pages followed with startAt(lastKey) (every item exactly once, Limit counting items
before the filter), all(), count(); scan with filters, Limit pages, parallel segments, count();
batchPut / batchGet / batchDelete; transactions that are cancelled by a condition (nothing
written) and that commit, transactional gets and deletes."""

import json
import subprocess
import unittest

from harness import SOURCE_DIR, GatewayTestCase
from lambda_support import listeners_yaml

SDK_JS_DIR = SOURCE_DIR / "tests" / "e2e" / "sdk-js"

CONFIG = listeners_yaml() + """\
dynamodb: {inMemory: true}
apis:
  - id: web
    protocol: HTTP
    routes: {"GET /": {integration: {type: mock}}}
"""

CONDITION_FAILED = {"name": "ConditionalCheckFailedException",
                    "message": "The conditional request failed"}


def cancelled(reasons):
    return {"name": "TransactionCanceledException",
            "message": "Transaction cancelled, please refer cancellation reasons for specific "
                       f"reasons [{', '.join(reasons)}]"}


def seeded():
    """The 30 items dynamoose.mjs seeds for query and scan, as (customer, n, status, total)."""
    ada = [("ada", n, "open" if n % 2 else "shipped", n * 10) for n in range(1, 26)]
    bob = [("bob", n, "shipped", n * 10 + 5) for n in range(1, 6)]
    return ada + bob


class DynamooseTest(GatewayTestCase):
    def run_area(self, area, timeout=60):
        gw = self.start_gateway(CONFIG)
        out = subprocess.run(["node", str(SDK_JS_DIR / "dynamoose.mjs"),
                              f"http://127.0.0.1:{gw.services_port}", area],
                             capture_output=True, text=True, timeout=timeout, cwd=str(SDK_JS_DIR))
        self.assertEqual(out.returncode, 0, out.stderr)
        return json.loads(out.stdout)

    def test_tables_created_by_dynamoose(self):
        r = self.run_area("tables")
        self.assertEqual(r["orders"], {
            "status": "ACTIVE",
            "keySchema": [{"AttributeName": "customer", "KeyType": "HASH"},
                          {"AttributeName": "n", "KeyType": "RANGE"}],
            "attributes": [{"AttributeName": "customer", "AttributeType": "S"},
                           {"AttributeName": "n", "AttributeType": "N"},
                           {"AttributeName": "status", "AttributeType": "S"},
                           {"AttributeName": "total", "AttributeType": "N"}],
            "billing": "PAY_PER_REQUEST",
            "gsis": [{"name": "byStatus",
                      "keySchema": [{"AttributeName": "status", "KeyType": "HASH"},
                                    {"AttributeName": "total", "KeyType": "RANGE"}],
                      "projection": {"ProjectionType": "ALL"}, "status": "ACTIVE"}]})
        self.assertEqual(r["events"], {"status": "ACTIVE", "keySchema": [
            {"AttributeName": "id", "KeyType": "HASH"}]})
        # Dynamoose's setup flow ran DescribeTimeToLive, then UpdateTimeToLive.
        self.assertEqual(r["eventsTtl"], {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"})
        self.assertEqual(r["tables"], ["events", "orders"])

    def test_create_get_update_delete(self):
        r = self.run_area("crud")
        first = {"customer": "ada", "n": 1, "status": "open", "total": 12.5, "visits": 1,
                 "note": "fragile", "tags": ["new"]}
        self.assertEqual(r["created"], first)
        self.assertEqual(r["createAgain"], CONDITION_FAILED)
        self.assertEqual(r["afterCreateAgain"], first)
        self.assertEqual(r["raw"], {
            "customer": {"S": "ada"}, "n": {"N": "1"}, "status": {"S": "open"},
            "total": {"N": "12.5"}, "visits": {"N": "1"}, "note": {"S": "fragile"},
            "tags": {"SS": ["new"]}})
        self.assertIsNone(r["missing"])

        updated = {"customer": "ada", "n": 1, "status": "shipped", "total": 20, "visits": 3,
                   "tags": ["new", "vip"]}
        self.assertEqual(r["updated"], updated)
        self.assertEqual(r["rawUpdated"], {
            "customer": {"S": "ada"}, "n": {"N": "1"}, "status": {"S": "shipped"},
            "total": {"N": "20"}, "visits": {"N": "3"}, "tags": {"SS": ["new", "vip"]}})
        self.assertEqual(r["conditionFailed"], CONDITION_FAILED)
        self.assertEqual(r["afterConditionFailed"], updated)
        self.assertEqual(r["conditionPassed"], {**updated, "status": "closed", "visits": 2})
        self.assertEqual(r["upserted"], {"customer": "bob", "n": 7, "visits": 5})

        self.assertEqual(r["deleteConditionFailed"], CONDITION_FAILED)
        self.assertIsNone(r["afterDelete"])
        self.assertEqual(r["remaining"], [{"customer": "bob", "n": 7, "visits": 5}])

    def test_query(self):
        r = self.run_area("query")
        self.assertEqual(r["rangeAndFilter"], [5, 7, 9, 11, 13, 15])
        self.assertEqual(r["descending"], [3, 2, 1])
        self.assertEqual(r["filterOnly"], [[3, 35], [4, 45], [5, 55]])

        # Limit 4 over ada's 25 items: six full pages, each ending at its last key, then one.
        expected_pages = [list(range(i, min(i + 4, 26))) for i in range(1, 26, 4)]
        self.assertEqual(r["paged"], [
            {"ns": ns, "lastKey": {"customer": "ada", "n": ns[-1]} if len(ns) == 4 else None,
             "count": len(ns)} for ns in expected_pages])
        # With a filter Limit still counts the items read: each page holds the open ones of 4.
        self.assertEqual(r["pagedFiltered"], [
            {"ns": [n for n in ns if n % 2],
             "lastKey": {"customer": "ada", "n": ns[-1]} if len(ns) == 4 else None,
             "count": len([n for n in ns if n % 2])} for ns in expected_pages])
        seen = [n for page in r["pagedFiltered"] for n in page["ns"]]
        self.assertEqual(seen, list(range(1, 26, 2)))

        shipped = sorted(((c, n, t) for c, n, s, t in seeded() if s == "shipped"),
                         key=lambda i: i[2])
        self.assertEqual(r["gsi"], [list(i) for i in shipped if i[2] > 150])
        # GSI pages of 3 in total order; the last key holds the table's and the index's keys.
        gsi_pages = [shipped[i:i + 3] for i in range(0, len(shipped), 3)]
        self.assertEqual(len(gsi_pages), 6)
        self.assertEqual(r["gsiPaged"], [
            {"keys": [list(i) for i in page],
             "lastKey": ({"customer": page[-1][0], "n": page[-1][1], "status": "shipped",
                          "total": page[-1][2]} if len(page) == 3 else None)}
            for page in gsi_pages])
        seen = [tuple(k) for page in r["gsiPaged"] for k in page["keys"]]
        self.assertEqual(sorted(seen), sorted(shipped))
        self.assertEqual(len(set(seen)), len(seen))

        self.assertEqual(r["all"], {"ns": list(range(1, 26)), "times": 7, "lastKey": None})
        self.assertEqual(r["count"], {"count": 25})
        self.assertEqual(r["countFiltered"], {"count": 6})
        self.assertEqual(r["gsiCount"], {"count": 13})

    def test_scan(self):
        r = self.run_area("scan")
        self.assertEqual(r["filtered"], [["ada", n] for n in range(21, 26)])
        self.assertEqual(r["filteredTwo"], [["ada", 4, 40], ["ada", 6, 60], ["bob", 3, 35],
                                            ["bob", 4, 45], ["bob", 5, 55]])
        everything = sorted([c, n] for c, n, _, _ in seeded())
        # Scan order is the store's; the pages' sizes and the union are not.
        self.assertEqual([(p["count"], p["hasLastKey"]) for p in r["paged"]],
                         [(7, True)] * 4 + [(2, False)])
        for page in r["paged"]:
            self.assertEqual(len(page["keys"]), page["count"])
        seen = sorted(k for page in r["paged"] for k in page["keys"])
        self.assertEqual(seen, everything)  # every item exactly once

        self.assertEqual([p["scannedCount"] for p in r["pagedFiltered"]], [7, 7, 7, 7, 2])
        for page in r["pagedFiltered"]:
            self.assertEqual(len(page["keys"]), page["count"])
        seen = sorted(k for page in r["pagedFiltered"] for k in page["keys"])
        self.assertEqual(seen, sorted([c, n] for c, n, s, _ in seeded() if s == "open"))

        self.assertEqual(r["parallel"], {"keys": everything, "times": 3})
        self.assertEqual(r["count"], {"count": 30, "scannedCount": 30})
        self.assertEqual(r["countFiltered"], {"count": 5, "scannedCount": 30})

    def test_batch_operations(self):
        r = self.run_area("batch")
        self.assertEqual(r["put"], {"unprocessedItems": []})
        self.assertEqual(r["got"], [{"customer": "ada", "n": 1, "total": 10, "tags": ["a"]},
                                    {"customer": "ada", "n": 2, "total": 20},
                                    {"customer": "bob", "n": 1, "total": 30, "status": "open"}])
        self.assertEqual(r["unprocessedKeys"], [])
        self.assertEqual(r["gotAttributes"], [{"customer": "ada", "n": 1},
                                              {"customer": "bob", "n": 1, "status": "open"}])
        self.assertEqual(r["deleted"], {"unprocessedItems": []})
        self.assertEqual(r["remaining"], [{"customer": "ada", "n": 2, "total": 20}])

    def test_transactions(self):
        r = self.run_area("transaction")
        before = [{"customer": "ada", "n": 1, "status": "open", "total": 100, "visits": 1},
                  {"customer": "ada", "n": 2, "status": "open", "total": 50}]
        self.assertEqual(r["cancelled"], cancelled(["None", "None", "ConditionalCheckFailed"]))
        self.assertTrue(r["cancelledItemsUnchanged"])
        self.assertEqual(r["afterCancelled"], before)
        self.assertEqual(r["cancelledByCreate"], cancelled(["None", "ConditionalCheckFailed"]))
        self.assertEqual(r["afterCancelledByCreate"], before)

        self.assertIsNone(r["committed"])
        after = [{"customer": "ada", "n": 1, "status": "open", "total": 90, "visits": 2},
                 {"customer": "ada", "n": 2, "status": "open", "total": 50},
                 {"customer": "bob", "n": 1, "total": 1}]
        self.assertEqual(r["afterCommitted"], after)
        self.assertEqual(r["got"], [after[0], after[2]])
        self.assertEqual(r["afterDeletes"], [after[0]])

    def test_ttl_model(self):
        r = self.run_area("ttl")
        self.assertEqual(r["describe"], {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"})
        self.assertEqual(r["rawTypes"], {"id": "S", "what": "S", "ttl": "N"})
        self.assertTrue(r["ttlInRange"], "ttl is not creation time + 1 s in epoch seconds")
        self.assertTrue(r["ttlMatchesModel"])
        self.assertTrue(r["sweptAfterExpiry"], "the expired item was not deleted within 20 s")
        self.assertTrue(r["sweptAtLeastAtTtl"], "the item was deleted before its ttl")


if __name__ == "__main__":
    unittest.main()
