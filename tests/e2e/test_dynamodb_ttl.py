"""DynamoDB Time to Live, end to end: UpdateTimeToLive / DescribeTimeToLive with DynamoDB's
answers and errors (boto3, and raw HTTP for what botocore refuses to send), and the sweeper
really deleting expired items (Number in the past, at most five years old) while everything
else stays: in memory, on disk, across a restart, and no longer once TTL is disabled.

Re-runs itself with /usr/bin/python3 when the Python running the tests lacks boto3."""


import debian_python

debian_python.require("boto3")

import json
import time
import unittest

from botocore.exceptions import ClientError

from harness import GatewayTestCase, request, wait_until
from test_dynamodb import CONFIG, client

IN_MEMORY_CONFIG = CONFIG.replace("dynamodb: {dataDir: data}", "dynamodb: {inMemory: true}")
FIVE_YEARS = 5 * 365 * 24 * 3600


def create_table(ddb, name):
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")


def enable(ddb, table, attribute, enabled=True):
    return ddb.update_time_to_live(
        TableName=table,
        TimeToLiveSpecification={"Enabled": enabled, "AttributeName": attribute})


def put(ddb, table, item_id, **attributes):
    ddb.put_item(TableName=table, Item={"id": {"S": item_id}, **attributes})


def exists(ddb, table, item_id):
    return "Item" in ddb.get_item(TableName=table, Key={"id": {"S": item_id}},
                                  ConsistentRead=True)


def ids(ddb, table):
    return sorted(i["id"]["S"] for i in ddb.scan(TableName=table, ConsistentRead=True)["Items"])


def number(value):
    return {"N": str(value)}


class DynamoDbTtlTest(GatewayTestCase):
    def error(self, call, **kw):
        with self.assertRaises(ClientError) as raised:
            call(**kw)
        r = raised.exception.response
        return r["Error"]["Code"], r["Error"]["Message"], r["ResponseMetadata"]["HTTPStatusCode"]

    def raw(self, gw, target, body):
        """(status, __type, message) of a request botocore would refuse to send."""
        r = request(gw.services_port, "POST", "/", body=json.dumps(body), headers={
            "X-Amz-Target": f"DynamoDB_20120810.{target}",
            "Content-Type": "application/x-amz-json-1.0"})
        answer = json.loads(r.body)
        return r.status, answer.get("__type"), answer.get("message")

    def wait_for_a_full_sweep(self, ddb):
        """Returns once a whole sweeper pass ran after the call: a witness table's item expires,
        then a second one put after the first was gone (so a later pass, which visited every
        table, deleted it)."""
        create_table(ddb, "witness")
        enable(ddb, "witness", "ttl")
        for n in range(2):
            put(ddb, "witness", f"w{n}", ttl=number(int(time.time()) - 1))
            wait_until(lambda: not exists(ddb, "witness", f"w{n}"), timeout=10,
                       message=f"witness w{n} to expire")

    # -------------------------------------------------------------------------------- API

    def test_update_and_describe_round_trip(self):
        gw = self.start_gateway(IN_MEMORY_CONFIG)
        ddb = client(gw)
        create_table(ddb, "sessions")
        self.assertEqual(ddb.describe_time_to_live(TableName="sessions")["TimeToLiveDescription"],
                         {"TimeToLiveStatus": "DISABLED"})

        answer = enable(ddb, "sessions", "expires")
        self.assertEqual(answer["TimeToLiveSpecification"],
                         {"Enabled": True, "AttributeName": "expires"})
        # Immediately ENABLED (real DynamoDB shows ENABLING for up to an hour).
        self.assertEqual(ddb.describe_time_to_live(TableName="sessions")["TimeToLiveDescription"],
                         {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"})

        self.assertEqual(self.error(enable, ddb=ddb, table="sessions", attribute="expires"),
                         ("ValidationException", "TimeToLive is already enabled", 400))
        different = ("ValidationException", "TimeToLive is active on a different AttributeName: "
                     "current AttributeName is expires", 400)
        self.assertEqual(self.error(enable, ddb=ddb, table="sessions", attribute="other"),
                         different)
        self.assertEqual(self.error(enable, ddb=ddb, table="sessions", attribute="other",
                                    enabled=False), different)
        self.assertEqual(ddb.describe_time_to_live(TableName="sessions")["TimeToLiveDescription"],
                         {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"})

        answer = enable(ddb, "sessions", "expires", enabled=False)
        self.assertEqual(answer["TimeToLiveSpecification"],
                         {"Enabled": False, "AttributeName": "expires"})
        self.assertEqual(ddb.describe_time_to_live(TableName="sessions")["TimeToLiveDescription"],
                         {"TimeToLiveStatus": "DISABLED"})
        self.assertEqual(self.error(enable, ddb=ddb, table="sessions", attribute="expires",
                                    enabled=False),
                         ("ValidationException", "TimeToLive is already disabled", 400))
        # Another attribute once disabled, at once (no hour-long cool-down).
        enable(ddb, "sessions", "ttl")
        self.assertEqual(ddb.describe_time_to_live(TableName="sessions")["TimeToLiveDescription"],
                         {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"})

        missing = ("ResourceNotFoundException", "Requested resource not found: Table: nope not found",
                   400)
        self.assertEqual(self.error(enable, ddb=ddb, table="nope", attribute="ttl"), missing)
        self.assertEqual(self.error(ddb.describe_time_to_live, TableName="nope"), missing)
        # Deleting the table deletes its TTL setting with it.
        ddb.delete_table(TableName="sessions")
        create_table(ddb, "sessions")
        self.assertEqual(ddb.describe_time_to_live(TableName="sessions")["TimeToLiveDescription"],
                         {"TimeToLiveStatus": "DISABLED"})

    def test_validation_errors(self):
        gw = self.start_gateway(IN_MEMORY_CONFIG)
        ddb = client(gw)
        create_table(ddb, "sessions")
        validation = "com.amazon.coral.validate#ValidationException"
        serialization = "com.amazon.coral.service#SerializationException"

        def null(member):
            return (f"Value null at '{member}' failed to satisfy constraint: Member must not be "
                    "null")

        cases = [
            ({"TableName": "sessions"},
             "1 validation error detected: " + null("timeToLiveSpecification")),
            ({"TableName": "sessions", "TimeToLiveSpecification": {}},
             "2 validation errors detected: " + null("timeToLiveSpecification.enabled") + "; " +
             null("timeToLiveSpecification.attributeName")),
            ({"TableName": "sessions",
              "TimeToLiveSpecification": {"Enabled": None, "AttributeName": "ttl"}},
             "1 validation error detected: " + null("timeToLiveSpecification.enabled")),
            ({"TimeToLiveSpecification": {"Enabled": True}},
             "2 validation errors detected: " + null("tableName") + "; " +
             null("timeToLiveSpecification.attributeName")),
            ({"TableName": "a;", "TimeToLiveSpecification": {"Enabled": True,
                                                             "AttributeName": "ttl"}},
             "1 validation error detected: Value 'a;' at 'tableName' failed to satisfy "
             "constraint: Member must have length greater than or equal to 3"),
            ({"TableName": "sessions",
              "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "a" * 256}},
             "1 validation error detected: Value '" + "a" * 256 + "' at "
             "'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must "
             "have length less than or equal to 255"),
            ({"TableName": "sessions",
              "TimeToLiveSpecification": {"Enabled": True, "AttributeName": ""}},
             "TimeToLiveSpecification.AttributeName must be non empty"),
            # The specification is checked before the table is looked up.
            ({"TableName": "nope", "TimeToLiveSpecification": {"Enabled": False,
                                                               "AttributeName": ""}},
             "TimeToLiveSpecification.AttributeName must be non empty"),
        ]
        for body, message in cases:
            with self.subTest(body=json.dumps(body)[:80]):
                self.assertEqual(self.raw(gw, "UpdateTimeToLive", body),
                                 (400, validation, message))
        for body in ({"TableName": "sessions", "TimeToLiveSpecification": []},
                     {"TableName": "sessions",
                      "TimeToLiveSpecification": {"Enabled": "yes", "AttributeName": "ttl"}},
                     {"TableName": "sessions",
                      "TimeToLiveSpecification": {"Enabled": True, "AttributeName": 5}},
                     {"TableName": 7, "TimeToLiveSpecification": {}}):
            with self.subTest(body=body):
                self.assertEqual(self.raw(gw, "UpdateTimeToLive", body),
                                 (400, serialization, "Unexpected value type in payload"))
        self.assertEqual(self.raw(gw, "DescribeTimeToLive", {}),
                         (400, validation, "1 validation error detected: " + null("tableName")))
        # Nothing of the above changed the table; the gateway is still up.
        self.assertEqual(ddb.describe_time_to_live(TableName="sessions")["TimeToLiveDescription"],
                         {"TimeToLiveStatus": "DISABLED"})

    # ------------------------------------------------------------------------------ expiry

    def test_expired_items_are_deleted_and_the_others_stay(self):
        gw = self.start_gateway(IN_MEMORY_CONFIG)  # expiry works without a file too
        ddb = client(gw)
        create_table(ddb, "sessions")
        enable(ddb, "sessions", "expires")
        now = int(time.time())
        put(ddb, "sessions", "past", expires=number(now - 10))
        put(ddb, "sessions", "fraction", expires={"N": f"{now - 1}.5"})
        put(ddb, "sessions", "soon", expires=number(now + 2))
        put(ddb, "sessions", "future", expires=number(now + 3600))
        put(ddb, "sessions", "string", expires={"S": str(now - 10)})
        put(ddb, "sessions", "no-ttl", other=number(now - 10))
        put(ddb, "sessions", "nested", m={"M": {"expires": number(now - 10)}})
        put(ddb, "sessions", "too-old", expires=number(now - FIVE_YEARS - 86400))
        put(ddb, "sessions", "other-attribute", ttl=number(now - 10))
        self.assertTrue(exists(ddb, "sessions", "soon"))

        wait_until(lambda: not exists(ddb, "sessions", "past")
                   and not exists(ddb, "sessions", "fraction"),
                   timeout=10, message="the expired items to be deleted")
        wait_until(lambda: not exists(ddb, "sessions", "soon"), timeout=15,
                   message="the item expiring two seconds later to be deleted")
        self.wait_for_a_full_sweep(ddb)
        self.assertEqual(ids(ddb, "sessions"),
                         ["future", "nested", "no-ttl", "other-attribute", "string", "too-old"])

    def test_disabling_stops_expiry(self):
        gw = self.start_gateway(IN_MEMORY_CONFIG)
        ddb = client(gw)
        create_table(ddb, "sessions")
        enable(ddb, "sessions", "expires")
        put(ddb, "sessions", "first", expires=number(int(time.time()) - 10))
        wait_until(lambda: not exists(ddb, "sessions", "first"), timeout=10,
                   message="expiry while enabled")
        enable(ddb, "sessions", "expires", enabled=False)
        put(ddb, "sessions", "second", expires=number(int(time.time()) - 10))
        self.wait_for_a_full_sweep(ddb)
        self.assertTrue(exists(ddb, "sessions", "second"))

    def test_ttl_survives_a_restart(self):
        gw = self.start_gateway(CONFIG)
        ddb = client(gw)
        create_table(ddb, "sessions")
        enable(ddb, "sessions", "expires")
        put(ddb, "sessions", "later", expires=number(int(time.time()) + 3))
        put(ddb, "sessions", "kept", expires=number(int(time.time()) + 3600))
        gw.stop()
        gw.start()
        ddb = client(gw)
        self.assertEqual(ddb.describe_time_to_live(TableName="sessions")["TimeToLiveDescription"],
                         {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"})
        wait_until(lambda: not exists(ddb, "sessions", "later"), timeout=15,
                   message="the item to expire after the restart")
        self.assertEqual(ids(ddb, "sessions"), ["kept"])
        self.assertTrue((gw.dir / "data" / "dynamodb.sqlite3").exists())


if __name__ == "__main__":
    unittest.main()
