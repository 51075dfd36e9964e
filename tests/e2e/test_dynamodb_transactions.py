"""DynamoDB transactions on the embedded store, end to end: TransactWriteItems and
TransactGetItems driven by boto3 (Debian's python3-boto3), raw HTTP for the exact error bodies,
and the AWS SDK for JavaScript v3 (tests/e2e/sdk-js/transactions.mjs).

Covered: writes across two tables (Put, Update, Delete, ConditionCheck) and their consumed
capacity; a failing condition cancelling everything (nothing written, reasons in request order,
ALL_OLD items, ValidationError reasons); the request checks (1..100 actions, one action per
entry, required members, one action per item, unknown tables, client tokens); ClientRequestToken
replays and mismatches; TransactGetItems (missing items, projections, capacity); concurrent
transfers whose total stays constant, read by concurrent TransactGetItems snapshots; IAM
checking each action's own permission.

Like test_dynamodb.py, the file re-runs itself with /usr/bin/python3 when the Python running the
tests lacks boto3."""


import debian_python

debian_python.require("boto3")

import json
import random
import subprocess
import threading
import unittest
import uuid

import boto3
import botocore.config
from botocore.exceptions import ClientError

from harness import SOURCE_DIR, GatewayTestCase, request
from lambda_support import listeners_yaml

SDK_JS_DIR = SOURCE_DIR / "tests" / "e2e" / "sdk-js"

CONFIG = listeners_yaml() + """\
dynamodb: {inMemory: true}
apis:
  - id: web
    protocol: HTTP
    routes: {"GET /": {integration: {type: mock}}}
"""

CANCELLED = "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"
FAILED = {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}


def client(gw, key="test", secret="test", validate=True):
    return boto3.client(
        "dynamodb", endpoint_url=f"http://127.0.0.1:{gw.services_port}", region_name="us-east-1",
        aws_access_key_id=key, aws_secret_access_key=secret,
        config=botocore.config.Config(retries={"total_max_attempts": 1},
                                      parameter_validation=validate))


def create_tables(ddb):
    """accounts (hash key id) and ledger (pk, sk N)."""
    ddb.create_table(TableName="accounts", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    ddb.create_table(TableName="ledger", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "N"}])


def account(ident, balance, **extra):
    return {"id": {"S": ident}, "balance": {"N": str(balance)}, **extra}


def key(name):
    return {"id": {"S": name}}


def transfer(source, target, amount):
    """The two actions of moving `amount` from `source` to `target`, if `source` has it."""
    return [
        {"Update": {"TableName": "accounts", "Key": key(source),
                    "UpdateExpression": "SET balance = balance - :a",
                    "ConditionExpression": "balance >= :a",
                    "ExpressionAttributeValues": {":a": {"N": str(amount)}}}},
        {"Update": {"TableName": "accounts", "Key": key(target),
                    "UpdateExpression": "SET balance = balance + :a",
                    "ExpressionAttributeValues": {":a": {"N": str(amount)}}}},
    ]


class DynamoDbTransactionsTest(GatewayTestCase):
    def setUp(self):
        self.gw = self.start_gateway(CONFIG)
        self.ddb = client(self.gw)
        create_tables(self.ddb)

    def error(self, call, **kw):
        with self.assertRaises(ClientError) as raised:
            call(**kw)
        r = raised.exception.response
        return r["Error"]["Code"], r["Error"]["Message"], r["ResponseMetadata"]["HTTPStatusCode"]

    def raw(self, operation, body):
        """One unsigned request (iam.enforce is off); (status, parsed body)."""
        r = request(self.gw.services_port, "POST", "/", body=json.dumps(body), headers={
            "X-Amz-Target": "DynamoDB_20120810." + operation,
            "Content-Type": "application/x-amz-json-1.0"})
        return r.status, json.loads(r.body)

    def item(self, name):
        return self.ddb.get_item(TableName="accounts", Key=key(name)).get("Item")

    def balances(self):
        items = self.ddb.scan(TableName="accounts")["Items"]
        return {i["id"]["S"]: int(i["balance"]["N"]) for i in items}

    # ---------------------------------------------------------------------------- writes

    def test_writes_across_two_tables_commit_together(self):
        self.ddb.put_item(TableName="accounts", Item=account("bob", 5))
        self.ddb.put_item(TableName="accounts", Item=account("old", 1))
        self.ddb.put_item(TableName="ledger", Item={"pk": {"S": "carol"}, "sk": {"N": "9"}})
        out = self.ddb.transact_write_items(ReturnConsumedCapacity="TOTAL", TransactItems=[
            {"Put": {"TableName": "accounts", "Item": account("ada", 10),
                     "ConditionExpression": "attribute_not_exists(id)"}},
            {"Update": {"TableName": "accounts", "Key": key("bob"),
                        "UpdateExpression": "SET balance = balance + :n, #t = :t",
                        "ExpressionAttributeNames": {"#t": "tag"},
                        "ExpressionAttributeValues": {":n": {"N": "1"}, ":t": {"S": "vip"}}}},
            {"Delete": {"TableName": "accounts", "Key": key("old"),
                        "ConditionExpression": "balance = :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"Put": {"TableName": "ledger",
                     "Item": {"pk": {"S": "ada"}, "sk": {"N": "1.50"}, "note": {"S": "opened"}}}},
            {"ConditionCheck": {"TableName": "ledger",
                                "Key": {"pk": {"S": "carol"}, "sk": {"N": "9"}},
                                "ConditionExpression": "attribute_exists(pk)"}},
        ])
        # Every action costs twice a plain write of its item: 3 on accounts, 2 on ledger.
        self.assertEqual(out["ConsumedCapacity"], [
            {"TableName": "accounts", "CapacityUnits": 6.0},
            {"TableName": "ledger", "CapacityUnits": 4.0}])
        self.assertEqual(self.item("ada"), account("ada", 10))
        self.assertEqual(self.item("bob"), account("bob", 6, tag={"S": "vip"}))
        self.assertIsNone(self.item("old"))
        self.assertEqual(self.ddb.get_item(TableName="ledger", Key={
            "pk": {"S": "ada"}, "sk": {"N": "1.5"}})["Item"]["note"], {"S": "opened"})
        # A ConditionCheck writes nothing.
        self.assertEqual(self.ddb.get_item(TableName="ledger", Key={
            "pk": {"S": "carol"}, "sk": {"N": "9"}})["Item"], {"pk": {"S": "carol"},
                                                              "sk": {"N": "9"}})
        # No capacity unless asked; INDEXES adds the table's own share.
        out = self.ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "accounts", "Item": account("eve", 0)}}])
        self.assertNotIn("ConsumedCapacity", out)
        big = account("big", 1, blob={"S": "x" * 3000})  # a 3 KB item: 3 write units
        out = self.ddb.transact_write_items(ReturnConsumedCapacity="INDEXES", TransactItems=[
            {"Put": {"TableName": "accounts", "Item": big}}],
            ReturnItemCollectionMetrics="SIZE")
        self.assertEqual(out["ConsumedCapacity"], [
            {"TableName": "accounts", "CapacityUnits": 6.0, "Table": {"CapacityUnits": 6.0}}])

    def test_a_failed_condition_cancels_every_action(self):
        self.ddb.put_item(TableName="accounts", Item=account("ada", 10))
        self.ddb.put_item(TableName="accounts", Item=account("bob", 3))
        items = [
            {"Put": {"TableName": "accounts", "Item": account("new", 1)}},
            {"Update": {"TableName": "accounts", "Key": key("ada"),
                        "UpdateExpression": "SET balance = balance - :a",
                        "ConditionExpression": "balance >= :a",
                        "ExpressionAttributeValues": {":a": {"N": "100"}},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
            {"ConditionCheck": {"TableName": "accounts", "Key": key("ghost"),
                                "ConditionExpression": "attribute_exists(id)",
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
            {"Delete": {"TableName": "accounts", "Key": key("bob")}},
            {"Update": {"TableName": "ledger", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
                        "UpdateExpression": "SET n = :n",
                        "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeValues": {":n": {"N": "1"}}}},
        ]
        status, body = self.raw("TransactWriteItems", {"TransactItems": items})
        self.assertEqual(status, 400)
        self.assertEqual(body, {
            "__type": CANCELLED,
            "CancellationReasons": [
                {"Code": "None"},
                {**FAILED, "Item": account("ada", 10)},
                FAILED,  # ALL_OLD of an item that does not exist: no Item
                {"Code": "None"},
                FAILED],
            "Message": "Transaction cancelled, please refer cancellation reasons for specific "
                       "reasons [None, ConditionalCheckFailed, ConditionalCheckFailed, None, "
                       "ConditionalCheckFailed]"})
        self.assertEqual(self.balances(), {"ada": 10, "bob": 3})
        self.assertEqual(self.ddb.scan(TableName="ledger")["Count"], 0)
        # boto3 sees the modeled exception and its message.
        code, message, status = self.error(self.ddb.transact_write_items, TransactItems=items)
        self.assertEqual((code, status), ("TransactionCanceledException", 400))
        self.assertTrue(message.startswith("Transaction cancelled, please refer cancellation "
                                           "reasons for specific reasons [None, "), message)
        self.assertEqual(self.balances(), {"ada": 10, "bob": 3})

    def test_an_update_that_cannot_apply_is_a_validation_reason(self):
        self.ddb.put_item(TableName="accounts", Item=account("ada", 10))
        status, body = self.raw("TransactWriteItems", {"TransactItems": [
            {"Put": {"TableName": "accounts", "Item": account("new", 1)}},
            {"Update": {"TableName": "accounts", "Key": key("ada"),
                        "UpdateExpression": "SET balance = nothere + :n",
                        "ExpressionAttributeValues": {":n": {"N": "1"}}}},
        ]})
        self.assertEqual((status, body), (400, {
            "__type": CANCELLED,
            "CancellationReasons": [
                {"Code": "None"},
                {"Code": "ValidationError",
                 "Message": "The provided expression refers to an attribute that does not "
                            "exist in the item"}],
            "Message": "Transaction cancelled, please refer cancellation reasons for specific "
                       "reasons [None, ValidationError]"}))
        self.assertEqual(self.balances(), {"ada": 10})

    def test_condition_checks_alone(self):
        self.ddb.put_item(TableName="accounts", Item=account("ada", 10))
        check = {"ConditionCheck": {"TableName": "accounts", "Key": key("ada"),
                                    "ConditionExpression": "balance > :b",
                                    "ExpressionAttributeValues": {":b": {"N": "5"}}}}
        self.assertNotIn("ConsumedCapacity", self.ddb.transact_write_items(TransactItems=[check]))
        check["ConditionCheck"]["ExpressionAttributeValues"][":b"]["N"] = "50"
        code, message, _ = self.error(self.ddb.transact_write_items, TransactItems=[check])
        self.assertEqual((code, message), (
            "TransactionCanceledException", "Transaction cancelled, please refer cancellation "
            "reasons for specific reasons [ConditionalCheckFailed]"))
        self.assertEqual(self.balances(), {"ada": 10})

    # --------------------------------------------------------------------------- refusals

    def test_request_validation(self):
        raw = client(self.gw, validate=False)
        self.ddb.put_item(TableName="accounts", Item=account("ada", 10))
        put = {"Put": {"TableName": "accounts", "Item": account("new", 1)}}

        def refused(items, **kw):
            return self.error(raw.transact_write_items, TransactItems=items, **kw)

        self.assertEqual(refused([]), (
            "ValidationException", "1 validation error detected: Value '[]' at 'transactItems' "
            "failed to satisfy constraint: Member must have length greater than or equal to 1",
            400))
        code, message, _ = refused([put] * 101)
        self.assertEqual(code, "ValidationException")
        self.assertRegex(message, r"^1 validation error detected: Value '\[(com\.amazonaws\."
                         r"dynamodb\.v20120810\.TransactWriteItem@[0-9a-f]+, ){100}com\.amazonaws"
                         r"\.dynamodb\.v20120810\.TransactWriteItem@[0-9a-f]+\]' at "
                         r"'transactItems' failed to satisfy constraint: Member must have length "
                         r"less than or equal to 100$")
        self.assertEqual(refused([{"Put": put["Put"], "Delete": {
            "TableName": "accounts", "Key": key("ada")}}])[:2], (
            "ValidationException",
            "TransactItems can only contain one of Check, Put, Update or Delete"))
        self.assertEqual(refused([{}])[1],
                         "TransactItems can only contain one of Check, Put, Update or Delete")
        self.assertEqual(refused([put, {"ConditionCheck": {"TableName": "accounts",
                                                           "Key": key("ada")}}])[:2], (
            "ValidationException", "1 validation error detected: Value null at "
            "'transactItems.2.member.conditionCheck.conditionExpression' failed to satisfy "
            "constraint: Member must not be null"))
        self.assertEqual(refused([{"Update": {"TableName": "accounts", "Key": key("ada")}}])[1],
                         "1 validation error detected: Value null at "
                         "'transactItems.1.member.update.updateExpression' failed to satisfy "
                         "constraint: Member must not be null")
        self.assertEqual(refused([{"Put": {"TableName": "ab", "Item": account("x", 1)}}])[1],
                         "1 validation error detected: Value 'ab' at "
                         "'transactItems.1.member.put.tableName' failed to satisfy constraint: "
                         "Member must have length greater than or equal to 3")
        self.assertEqual(refused([{"Delete": {"TableName": "accounts"}}])[1],
                         "1 validation error detected: Value null at "
                         "'transactItems.1.member.delete.key' failed to satisfy constraint: "
                         "Member must not be null")
        # Two actions on one item, however they are spelled.
        self.assertEqual(refused([
            {"ConditionCheck": {"TableName": "accounts", "Key": key("ada"),
                                "ConditionExpression": "attribute_exists(id)"}},
            {"Update": {"TableName": "accounts", "Key": key("ada"),
                        "UpdateExpression": "REMOVE x"}}]), (
            "ValidationException",
            "Transaction request cannot include multiple operations on one item", 400))
        self.assertEqual(refused([
            put, {"Put": {"TableName": "accounts", "Item": account("new", 2)}}])[1],
            "Transaction request cannot include multiple operations on one item")
        # The service's checks of each part, before anything is written.
        self.assertEqual(refused([put, {"Put": {"TableName": "nosuch", "Item": account("x", 1)}}]),
                         ("ResourceNotFoundException", "Requested resource not found", 400))
        self.assertEqual(refused([put, {"Delete": {"TableName": "accounts",
                                                   "Key": {"id": {"N": "1"}}}}])[:2],
                         ("ValidationException",
                          "The provided key element does not match the schema"))
        self.assertEqual(refused([put, {"Put": {"TableName": "accounts",
                                                "Item": {"balance": {"N": "1"}}}}])[1],
                         "One or more parameter values were invalid: Missing the key id in the "
                         "item")
        code, message, _ = refused([put, {"Update": {"TableName": "accounts", "Key": key("ada"),
                                                     "UpdateExpression": "SET = 1"}}])
        self.assertEqual(code, "ValidationException")
        self.assertTrue(message.startswith("Invalid UpdateExpression: Syntax error"), message)
        self.assertEqual(refused([put, {"Put": {
            "TableName": "accounts", "Item": account("y", 1),
            "ExpressionAttributeValues": {":unused": {"N": "1"}}}}])[1],
            "ExpressionAttributeValues can only be specified when using expressions: "
            "ConditionExpression is null")
        self.assertEqual(refused([put], ClientRequestToken="t" * 37)[1],
                         "1 validation error detected: Value '" + "t" * 37 + "' at "
                         "'clientRequestToken' failed to satisfy constraint: Member must have "
                         "length less than or equal to 36")
        self.assertEqual(refused([put], ClientRequestToken="")[1],
                         "1 validation error detected: Value '' at 'clientRequestToken' failed "
                         "to satisfy constraint: Member must have length greater than or equal "
                         "to 1")
        self.assertEqual(self.balances(), {"ada": 10})  # nothing refused wrote anything
        # 100 actions are fine.
        self.ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "accounts", "Item": account(f"a{i}", i)}} for i in range(100)])
        self.assertEqual(len(self.balances()), 101)

    def test_wire_shape_of_errors(self):
        status, body = self.raw("TransactWriteItems", {"TransactItems": [
            {"Put": {"TableName": "accounts", "Item": account("a", 1)}}],
            "ClientRequestToken": "tok-1"})
        self.assertEqual((status, body), (200, {}))
        status, body = self.raw("TransactWriteItems", {"TransactItems": [
            {"Put": {"TableName": "accounts", "Item": account("a", 2)}}],
            "ClientRequestToken": "tok-1"})
        self.assertEqual(status, 400)
        self.assertEqual(set(body), {"__type", "Message"})
        self.assertEqual(body["__type"],
                         "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException")
        status, body = self.raw("TransactWriteItems", {"TransactItems": "no"})
        self.assertEqual((status, body["__type"]),
                         (400, "com.amazon.coral.service#SerializationException"))
        status, body = self.raw("TransactGetItems", {})
        self.assertEqual((status, body), (400, {
            "__type": "com.amazon.coral.validate#ValidationException",
            "message": "1 validation error detected: Value null at 'transactItems' failed to "
                       "satisfy constraint: Member must not be null"}))

    # ---------------------------------------------------------------------- idempotency

    def test_client_request_token_replays_and_mismatches(self):
        self.ddb.put_item(TableName="accounts", Item=account("ada", 0, blob={"S": "x" * 3000}))
        bump = [{"Update": {"TableName": "accounts", "Key": key("ada"),
                            "UpdateExpression": "ADD balance :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}}}}]
        token = str(uuid.uuid4())
        first = self.ddb.transact_write_items(TransactItems=bump, ClientRequestToken=token,
                                              ReturnConsumedCapacity="TOTAL")
        # The first call writes a 3 KB item; a replay writes nothing and reports reading it.
        self.assertEqual(first["ConsumedCapacity"],
                         [{"TableName": "accounts", "CapacityUnits": 6.0}])
        again = self.ddb.transact_write_items(TransactItems=bump, ClientRequestToken=token,
                                              ReturnConsumedCapacity="TOTAL")
        self.assertEqual(again["ConsumedCapacity"],
                         [{"TableName": "accounts", "CapacityUnits": 2.0}])
        self.ddb.transact_write_items(TransactItems=bump, ClientRequestToken=token)
        self.assertEqual(self.item("ada")["balance"], {"N": "1"})
        # The same request with its members in another order is the same request.
        reordered = [{"Update": dict(reversed(list(bump[0]["Update"].items())))}]
        status, _ = self.raw("TransactWriteItems", {"ClientRequestToken": token,
                                                    "TransactItems": reordered})
        self.assertEqual(status, 200)
        self.assertEqual(self.item("ada")["balance"], {"N": "1"})
        # Another request with that token is refused, and does not run.
        other = [{"Update": {**bump[0]["Update"],
                             "ExpressionAttributeValues": {":one": {"N": "5"}}}}]
        code, message, status = self.error(self.ddb.transact_write_items, TransactItems=other,
                                           ClientRequestToken=token)
        self.assertEqual((code, status), ("IdempotentParameterMismatchException", 400))
        self.assertTrue(message)
        self.assertEqual(self.item("ada")["balance"], {"N": "1"})
        # Without a token (boto3 makes a fresh one each call) every call runs.
        self.ddb.transact_write_items(TransactItems=bump)
        self.ddb.transact_write_items(TransactItems=bump)
        self.assertEqual(self.item("ada")["balance"], {"N": "3"})

    def test_a_cancelled_token_may_run_again(self):
        self.ddb.put_item(TableName="accounts", Item=account("ada", 1))
        self.ddb.put_item(TableName="accounts", Item=account("bob", 0))
        items = transfer("ada", "bob", 5)
        token = "retry-me"
        self.assertEqual(self.error(self.ddb.transact_write_items, TransactItems=items,
                                    ClientRequestToken=token)[0],
                         "TransactionCanceledException")
        self.ddb.put_item(TableName="accounts", Item=account("ada", 7))
        self.ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
        self.ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)  # replay
        self.assertEqual(self.balances(), {"ada": 2, "bob": 5})

    # ----------------------------------------------------------------------------- reads

    def test_transact_get_items(self):
        self.ddb.put_item(TableName="accounts",
                          Item=account("ada", 10, name={"S": "Ada"}, blob={"S": "x" * 5000}))
        self.ddb.put_item(TableName="ledger", Item={"pk": {"S": "ada"}, "sk": {"N": "1"},
                                                    "note": {"S": "opened"}})
        out = self.ddb.transact_get_items(ReturnConsumedCapacity="TOTAL", TransactItems=[
            {"Get": {"TableName": "ledger", "Key": {"pk": {"S": "ada"}, "sk": {"N": "1"}}}},
            {"Get": {"TableName": "accounts", "Key": key("nobody")}},
            {"Get": {"TableName": "accounts", "Key": key("ada"),
                     "ProjectionExpression": "#n, balance",
                     "ExpressionAttributeNames": {"#n": "name"}}},
        ])
        self.assertEqual(out["Responses"], [
            {"Item": {"pk": {"S": "ada"}, "sk": {"N": "1"}, "note": {"S": "opened"}}},
            {},
            {"Item": {"name": {"S": "Ada"}, "balance": {"N": "10"}}}])
        # Two units per 4 KB read: 2 for the missing item, 4 for the 5 KB one; 2 on ledger.
        self.assertEqual(out["ConsumedCapacity"], [
            {"TableName": "accounts", "CapacityUnits": 6.0},
            {"TableName": "ledger", "CapacityUnits": 2.0}])
        self.assertNotIn("ConsumedCapacity", self.ddb.transact_get_items(TransactItems=[
            {"Get": {"TableName": "accounts", "Key": key("ada")}}]))

        raw = client(self.gw, validate=False)
        self.assertEqual(self.error(raw.transact_get_items, TransactItems=[])[1],
                         "1 validation error detected: Value '[]' at 'transactItems' failed to "
                         "satisfy constraint: Member must have length greater than or equal to 1")
        code, message, _ = self.error(raw.transact_get_items, TransactItems=[
            {"Get": {"TableName": "accounts", "Key": key(str(i))}} for i in range(101)])
        self.assertEqual(code, "ValidationException")
        self.assertIn("com.amazonaws.dynamodb.v20120810.TransactGetItem@", message)
        self.assertTrue(message.endswith("Member must have length less than or equal to 100"))
        self.assertEqual(self.error(raw.transact_get_items, TransactItems=[{}])[1],
                         "1 validation error detected: Value null at 'transactItems.1.member.get' "
                         "failed to satisfy constraint: Member must not be null")
        self.assertEqual(self.error(raw.transact_get_items, TransactItems=[
            {"Get": {"TableName": "accounts", "Key": key("ada")}},
            {"Get": {"TableName": "accounts", "Key": key("ada")}}])[1],
            "Transaction request cannot include multiple operations on one item")
        self.assertEqual(self.error(raw.transact_get_items, TransactItems=[
            {"Get": {"TableName": "nosuch", "Key": key("ada")}}])[0],
            "ResourceNotFoundException")
        self.assertEqual(self.error(raw.transact_get_items, TransactItems=[
            {"Get": {"TableName": "accounts", "Key": key("ada"),
                     "ProjectionExpression": "#missing"}}])[1],
            "Invalid ProjectionExpression: An expression attribute name used in the document "
            "path is not defined; attribute name: #missing")

    # ----------------------------------------------------------------------- concurrency

    def test_concurrent_transfers_keep_the_total(self):
        names = [f"acct{i}" for i in range(6)]
        for n in names:
            self.ddb.put_item(TableName="accounts", Item=account(n, 100))
        total = 100 * len(names)
        results = {"committed": 0, "cancelled": 0, "snapshots": 0}
        failures = []
        lock = threading.Lock()
        writers_done = threading.Event()

        def writer(seed):
            ddb = client(self.gw)
            rng = random.Random(seed)
            for _ in range(40):
                source, target = rng.sample(names, 2)
                try:
                    ddb.transact_write_items(
                        TransactItems=transfer(source, target, rng.randint(1, 80)))
                    outcome = "committed"
                except ClientError as e:
                    if e.response["Error"]["Code"] != "TransactionCanceledException":
                        failures.append(repr(e))
                        return
                    outcome = "cancelled"
                with lock:
                    results[outcome] += 1

        def reader():
            # Every TransactGetItems is one consistent snapshot: its total never moves.
            ddb = client(self.gw)
            while not writers_done.is_set():
                got = ddb.transact_get_items(TransactItems=[
                    {"Get": {"TableName": "accounts", "Key": key(n)}} for n in names])
                seen = sum(int(r["Item"]["balance"]["N"]) for r in got["Responses"])
                if seen != total:
                    failures.append(f"a snapshot summed to {seen}")
                    return
                with lock:
                    results["snapshots"] += 1

        writers = [threading.Thread(target=writer, args=(seed,)) for seed in range(6)]
        readers = [threading.Thread(target=reader) for _ in range(2)]
        for t in writers + readers:
            t.start()
        for t in writers:
            t.join(timeout=120)
        writers_done.set()
        for t in readers:
            t.join(timeout=30)
        self.assertEqual(failures, [])
        self.assertEqual(results["committed"] + results["cancelled"], 6 * 40)
        self.assertGreater(results["committed"], 0)
        self.assertGreater(results["snapshots"], 0)
        balances = self.balances()
        self.assertEqual(sum(balances.values()), total, balances)
        self.assertTrue(all(b >= 0 for b in balances.values()), balances)

    # ------------------------------------------------------------------------ JS SDK v3

    def test_js_sdk(self):
        self.ddb.put_item(TableName="accounts", Item=account("ada", 10))
        out = subprocess.run(["node", str(SDK_JS_DIR / "transactions.mjs"),
                              f"http://127.0.0.1:{self.gw.services_port}"],
                             capture_output=True, text=True, timeout=60, cwd=str(SDK_JS_DIR))
        self.assertEqual(out.returncode, 0, out.stderr)
        result = json.loads(out.stdout)
        self.assertEqual(result["cancelled"], {
            "name": "TransactionCanceledException",
            "message": "Transaction cancelled, please refer cancellation reasons for specific "
                       "reasons [None, ConditionalCheckFailed]",
            "reasons": [{"Code": "None"},
                        {**FAILED, "Item": {"id": "ada", "balance": 10}}]})
        self.assertEqual(result["balances"], {"ada": 4, "bob": 6})
        self.assertEqual(result["got"], [{"id": "ada", "balance": 4}, None])
        self.assertEqual(result["mismatch"], "IdempotentParameterMismatchException")


class DynamoDbTransactionsIamTest(GatewayTestCase):
    def test_each_action_needs_its_own_permission(self):
        config = CONFIG + """\
iam:
  enforce: true
  credentials:
    - accessKeyId: AKIADYNAMOTELLER001
      secretAccessKey: teller-secret
      arn: arn:aws:iam::000000000000:user/teller
      policies: [{Version: "2012-10-17", Statement: [
        {Effect: Allow, Action: ["dynamodb:CreateTable", "dynamodb:PutItem", "dynamodb:GetItem"],
         Resource: "arn:aws:dynamodb:us-east-1:000000000000:table/*"},
        {Effect: Allow, Action: "dynamodb:UpdateItem",
         Resource: "arn:aws:dynamodb:us-east-1:000000000000:table/accounts"}]}]
"""
        gw = self.start_gateway(config)
        teller = client(gw, "AKIADYNAMOTELLER001", "teller-secret")
        create_tables(teller)
        teller.transact_write_items(TransactItems=[
            {"Put": {"TableName": "accounts", "Item": account("ada", 1)}},
            {"Update": {"TableName": "accounts", "Key": key("bob"),
                        "UpdateExpression": "SET balance = :b",
                        "ExpressionAttributeValues": {":b": {"N": "2"}}}},
            {"Put": {"TableName": "ledger", "Item": {"pk": {"S": "a"}, "sk": {"N": "1"}}}}])

        def denied(call, action, table, **kw):
            with self.assertRaises(ClientError) as raised:
                call(**kw)
            r = raised.exception.response
            self.assertEqual((r["Error"]["Code"], r["Error"]["Message"]), (
                "AccessDeniedException",
                f"User: arn:aws:iam::000000000000:user/teller is not authorized to perform: "
                f"dynamodb:{action} on resource: arn:aws:dynamodb:us-east-1:000000000000:table/"
                f"{table} because no identity-based policy allows the dynamodb:{action} action"))

        denied(teller.transact_write_items, "ConditionCheckItem", "accounts", TransactItems=[
            {"ConditionCheck": {"TableName": "accounts", "Key": key("ada"),
                                "ConditionExpression": "attribute_exists(id)"}}])
        denied(teller.transact_write_items, "UpdateItem", "ledger", TransactItems=[
            {"Put": {"TableName": "accounts", "Item": account("eve", 1)}},
            {"Update": {"TableName": "ledger", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
                        "UpdateExpression": "REMOVE x"}}])
        denied(teller.transact_write_items, "DeleteItem", "accounts", TransactItems=[
            {"Delete": {"TableName": "accounts", "Key": key("ada")}}])
        got = teller.transact_get_items(TransactItems=[
            {"Get": {"TableName": "accounts", "Key": key("ada")}},
            {"Get": {"TableName": "ledger", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}}}])
        self.assertEqual(got["Responses"][0]["Item"], account("ada", 1))
        self.assertIsNone(teller.get_item(TableName="accounts", Key=key("eve")).get("Item"))
        self.assertEqual(self.error_code(client(gw).transact_get_items, TransactItems=[
            {"Get": {"TableName": "accounts", "Key": key("ada")}}]),
            "UnrecognizedClientException")

    def error_code(self, call, **kw):
        with self.assertRaises(ClientError) as raised:
            call(**kw)
        return raised.exception.response["Error"]["Code"]


if __name__ == "__main__":
    unittest.main()
