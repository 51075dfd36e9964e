"""The README walk-through: config/gatehouse.yaml (what `make run` serves), exactly as documented.

Every curl command in the file's header comment is run as written (ports rewritten to the
test's free ports) and must succeed; then each documented answer is checked byte for byte, with
curl for some requests and http.client for others."""

import json
import re
import time
import unittest

from harness import (CONFIG_DIR, SHORT_ID_RE, UUID_RE, Gateway, check_documented_curls, curl,
                     metric, parse_curl_include, parse_prometheus, request, run_cli)

CONFIG = CONFIG_DIR / "gatehouse.yaml"


class WalkthroughTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(config_file=CONFIG)
        cls.addClassCleanup(cls.gw.close)
        cls.gw.start()
        cls.api = f"localhost:{cls.gw.api_port}"
        cls.services = f"localhost:{cls.gw.services_port}"

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def curl_json(self, *args):
        out = curl(*args)
        self.assertEqual(out.returncode, 0, out.stderr)
        return json.loads(out.stdout)

    def test_validate_accepts_the_config(self):
        out = run_cli("validate", "config/gatehouse.yaml")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout, "config/gatehouse.yaml: OK (4 API(s), 21 route(s))\n")
        self.assertEqual(out.stderr, "")

    def test_every_curl_in_the_header_comment_succeeds(self):
        check_documented_curls(self, self.gw, CONFIG.read_text(), minimum=6)

    def test_list_pets(self):
        out = curl("-i", f"{self.api}/pets")
        self.assertEqual(out.returncode, 0, out.stderr)
        (r,) = parse_curl_include(out.stdout)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(r.body, b'[{"id": 1, "type": "dog"}, {"id": 2, "type": "cat"}]')
        self.assertEqual(r.header("Content-Length"), str(len(r.body)))

    def test_pet_by_id_echoes_the_request_id(self):
        out = curl("-i", f"{self.api}/pets/7")
        self.assertEqual(out.returncode, 0, out.stderr)
        (r,) = parse_curl_include(out.stdout)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Content-Type"), "application/json")
        rid = r.header("apigw-requestid")
        self.assertRegex(rid, SHORT_ID_RE)
        self.assertEqual(r.body, ('{"id": "7", "requestId": "%s"}' % rid).encode())

    def test_create_pet(self):
        r = request(self.gw.api_port, "POST", "/pets", body='{"type": "fish"}',
                    headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 201)
        self.assertEqual(r.header("Location"), "/pets/3")
        self.assertEqual(r.body, b'{"id": 3}')

    def test_any_greedy_route(self):
        body = self.curl_json("-X", "DELETE", f"{self.api}/anything/a/b")
        self.assertEqual(body, {"method": "DELETE", "proxy": "a/b",
                                "routeKey": "ANY /anything/{proxy+}"})
        r = request(self.gw.api_port, "PATCH", "/anything/x", body="1")
        self.assertEqual(r.json(), {"method": "PATCH", "proxy": "x",
                                    "routeKey": "ANY /anything/{proxy+}"})

    def test_store_proxies_to_the_rest_api(self):
        # ANY /store/{proxy+} -> http_proxy -> http://127.0.0.1:3000/inventory/dev/{proxy}
        out = curl("-i", f"{self.api}/store/items/42")
        self.assertEqual(out.returncode, 0, out.stderr)
        (r,) = parse_curl_include(out.stdout)
        self.assertEqual(r.status, 200, out.stdout)
        self.assertEqual(r.body, b'{"id": "42", "stage": "dev", "warehouse": "Berlin"}')
        # An HTTP API answer: its own request id, no REST headers leaking through as such.
        self.assertRegex(r.header("apigw-requestid") or "", SHORT_ID_RE)
        self.assertEqual(self.curl_json(f"{self.api}/store/items"),
                         {"items": [42, 43], "warehouse": "Berlin"})

    def test_store_miss_is_the_rest_apis_403(self):
        r = request(self.gw.api_port, "GET", "/store/nothing/here")
        self.assertEqual(r.status, 403)
        self.assertEqual(r.body, b'{"message":"Missing Authentication Token"}')

    def test_rest_api_with_base_path_and_stage(self):
        self.assertEqual(self.curl_json(f"{self.api}/inventory/dev/items"),
                         {"items": [42, 43], "warehouse": "Berlin"})
        r = request(self.gw.api_port, "GET", "/inventory/dev/items/9")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b'{"id": "9", "stage": "dev", "warehouse": "Berlin"}')
        self.assertRegex(r.header("x-amzn-RequestId"), UUID_RE)
        self.assertRegex(r.header("x-amz-apigw-id"), SHORT_ID_RE)

    def test_rest_miss(self):
        out = curl("-i", f"{self.api}/inventory/dev/nope")
        (r,) = parse_curl_include(out.stdout)
        self.assertEqual(r.status, 403)
        self.assertEqual(r.header("x-amzn-ErrorType"), "MissingAuthenticationTokenException")
        self.assertEqual(r.body, b'{"message":"Missing Authentication Token"}')

    def test_iam_route_needs_a_signature(self):
        url = f"{self.api}/inventory/dev/items/42"
        out = curl("-i", "-X", "DELETE", url)
        (r,) = parse_curl_include(out.stdout)
        self.assertEqual(r.status, 403)
        self.assertEqual(r.header("x-amzn-ErrorType"), "MissingAuthenticationTokenException")
        signed = self.curl_json("-X", "DELETE", "--user",
                                "AKIAGATEHOUSEDEMO:gatehouse-demo-secret", "--aws-sigv4",
                                "aws:amz:us-east-1:execute-api", url)
        self.assertEqual(signed, {"deleted": "42", "by": "arn:aws:iam::000000000000:user/demo"})
        out = curl("-i", "-X", "DELETE", "--user", "AKIAGATEHOUSEDEMO:wrong-secret",
                   "--aws-sigv4", "aws:amz:us-east-1:execute-api", url)
        (r,) = parse_curl_include(out.stdout)
        self.assertEqual(r.status, 403)
        self.assertEqual(r.header("x-amzn-ErrorType"), "InvalidSignatureException")

    def test_throttled_route(self):
        # Burst 2 at 1 request/s: of five requests sent at once, two pass (three if a second
        # went by, which a loaded machine may take). The header-comment test may have taken a
        # token: give the bucket the two seconds it needs to be full again.
        time.sleep(2.05)
        codes = [request(self.gw.api_port, "GET", "/inventory/dev/limited").status
                 for _ in range(5)]
        self.assertIn(codes.count(200), (2, 3), codes)
        self.assertEqual(codes[:2], [200, 200])
        self.assertEqual(codes[-1], 429)
        r = request(self.gw.api_port, "GET", "/inventory/dev/limited")
        if r.status == 429:
            self.assertEqual(r.body, b'{"message":"Too Many Requests"}')
            self.assertEqual(r.header("x-amzn-ErrorType"), "TooManyRequestsException")

    def test_api_key_route(self):
        r = request(self.gw.api_port, "GET", "/inventory/dev/reports")
        self.assertEqual(r.status, 403)
        self.assertEqual(r.body, b'{"message":"Forbidden"}')
        r = request(self.gw.api_port, "GET", "/inventory/dev/reports",
                    headers={"x-api-key": "gatehouse-demo-api-key-0001"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"report": "daily", "apiKeyId": "demo-key"})
        out = run_cli("usage", str(self.gw.config_path), "--plan", "demo-plan")
        self.assertEqual(out.returncode, 0, out.stderr)

    def test_http_api_miss(self):
        out = curl("-i", f"{self.api}/nope")
        (r,) = parse_curl_include(out.stdout)
        self.assertEqual(r.status, 404)
        self.assertEqual(r.body, b'{"message":"Not Found"}')
        self.assertIsNone(r.header("x-amzn-ErrorType"))

    def test_rest_api_by_host(self):
        body = self.curl_json(f"{self.api}/dev/items", "-H",
                              f"Host: inventory.execute-api.localhost:{self.gw.api_port}")
        self.assertEqual(body, {"items": [42, 43], "warehouse": "Berlin"})

    def test_node_lambda_behind_the_http_api(self):
        # GET /hello/{name} -> greet-node (ES module, payload 2.0), a real Node.js process.
        out = curl("-i", f"{self.api}/hello/ada")
        self.assertEqual(out.returncode, 0, out.stderr)
        (r,) = parse_curl_include(out.stdout)
        self.assertEqual(r.status, 200, out.stdout)
        self.assertEqual(r.header("Content-Type"), "application/json")
        body = json.loads(r.body)
        self.assertEqual(body["message"], "hello, ada")
        self.assertTrue(body["runtime"].startswith("node v"), body)
        self.assertRegex(body["requestId"], UUID_RE)
        self.assertTrue(0 < body["remainingMs"] <= 3000, body)  # timeout defaults to 3 s
        # The function's own line, tagged with function and request id, then AWS's REPORT line.
        rid = body["requestId"]
        self.gw.wait_for_stderr(re.escape(f"[lambda greet-node {rid}] REPORT RequestId: {rid}"))
        self.assertRegex(self.gw.stderr(),
                         re.escape(f"[lambda greet-node {rid}] ") + r".*\tINFO\tgreeting ada\n")

    def test_python_lambda_behind_the_rest_api(self):
        # POST /dev/orders -> greet-python (payload 1.0); module state survives between calls.
        first = self.curl_json("-d", '{"item":"tea"}', f"{self.api}/inventory/dev/orders")
        self.assertEqual(first["order"], {"item": "tea"})
        self.assertEqual(first["stage"], "dev")
        self.assertRegex(first["requestId"], UUID_RE)
        second = request(self.gw.api_port, "POST", "/inventory/dev/orders", body='{"item":"milk"}')
        self.assertEqual(second.status, 201)
        self.assertRegex(second.header("x-amzn-RequestId"), UUID_RE)
        self.assertEqual(second.json()["orderNumber"], first["orderNumber"] + 1)
        bad = request(self.gw.api_port, "POST", "/inventory/dev/orders", body="not json")
        self.assertEqual(bad.status, 400)
        self.assertEqual(bad.json(), {"message": "body is not JSON"})

    def test_dynamodb_routes(self):
        # The seeded item, then one written through PUT /todos/{id} (README's lines).
        self.assertEqual(self.curl_json(f"{self.api}/todos/1"),
                         {"id": "1", "title": "try gatehouse", "done": False})
        put = self.curl_json("-X", "PUT", "-d", '{"title": "write docs"}', f"{self.api}/todos/22")
        self.assertEqual(put, {})
        out = curl(f"{self.api}/todos/22")
        self.assertEqual(out.stdout, b'{"id":"22","title":"write docs","done":false}')
        listed = self.curl_json(f"{self.api}/todos")
        self.assertEqual(listed["count"], len(listed["items"]))
        self.assertIn({"id": "22", "title": "write docs", "done": False}, listed["items"])
        out = curl("-i", f"{self.api}/todos/9")
        (r,) = parse_curl_include(out.stdout)
        self.assertEqual(r.status, 404)
        self.assertEqual(r.body, b'{"message":"Not Found"}')

    def test_lambda_invoke_api(self):
        # What `aws lambda invoke` sends: the event goes to the handler as it is.
        r = request(self.gw.services_port, "POST", "/2015-03-31/functions/greet-node/invocations",
                    body='{"pathParameters": {"name": "sdk"}}')
        self.assertEqual(r.status, 200, r.body)
        self.assertIsNone(r.header("X-Amz-Function-Error"))
        result = r.json()
        self.assertEqual(result["statusCode"], 200)
        self.assertEqual(json.loads(result["body"])["message"], "hello, sdk")

    def test_health_and_metrics(self):
        health = self.curl_json(f"{self.services}/_gatehouse/health")
        self.assertEqual(health["status"], "ok")
        self.assertEqual(health["apis"], 4)
        request(self.gw.api_port, "GET", "/inventory/dev/items/1")
        out = curl(f"{self.services}/_gatehouse/metrics")
        self.assertEqual(out.returncode, 0)
        samples = parse_prometheus(out.stdout.decode())
        n = metric(samples, "gatehouse_requests_total", api="inventory", route="GET /items/{id}",
                   status="200")
        self.assertIsNotNone(n)
        self.assertGreaterEqual(n, 1)

    def test_one_access_log_line_per_request_on_stdout(self):
        before = len(self.gw.stdout().splitlines())
        marker = "/anything/access-log-marker"
        request(self.gw.api_port, "GET", marker, headers={"User-Agent": "walkthrough/1"})
        lines = self.gw.wait_for_stdout_lines(before + 1)
        mine = [l for l in lines if marker in l]
        self.assertEqual(len(mine), 1, lines)
        self.assertIn(f'"GET {marker} HTTP/1.1" 200', mine[0])
        self.assertIn('"walkthrough/1"', mine[0])
        # The gateway's own log is on stderr, not mixed into the access log.
        self.assertIn("serving 4 API(s), 21 route(s)", self.gw.stderr())
        self.assertNotIn("serving", self.gw.stdout())


class ContainerListenTest(unittest.TestCase):
    """The Docker image sets GATEHOUSE_HOST=0.0.0.0: the same config then listens on every
    interface, and is still reached on loopback."""

    def test_all_interfaces(self):
        gw = Gateway(config_file=CONFIG, env={"GATEHOUSE_HOST": "0.0.0.0"})
        self.addCleanup(gw.close)
        gw.start()
        self.assertIn("listening on http://0.0.0.0:", gw.stderr())
        r = request(gw.api_port, "GET", "/pets/9")
        self.assertEqual(r.status, 200)
        self.assertEqual(json.loads(r.body)["id"], "9")
        gw.stop()


if __name__ == "__main__":
    unittest.main()
