"""The command line: --version, --help, validate, routes, and `serve` refusing to start.

`validate` must print every problem with file:line:col and the key path, suggest the key the
user meant, and exit 1; `serve` with an invalid config or a busy port exits 2 with a clear
message and never starts listening."""

import os
import re
import shutil
import socket
import tempfile
import unittest
from pathlib import Path

from harness import EXAMPLES_DIR, SOURCE_DIR, Gateway, port_is_closed, run_cli


def project_version() -> str:
    text = (SOURCE_DIR / "CMakeLists.txt").read_text()
    return re.search(r"project\(gatehouse VERSION (\S+)", text).group(1)


BAD_STRUCTURE = """\
version: 1
server:
  listeners:
    - {host: 127.0.0.1, port: 3000, serves: apis}
  limits: {maxBodyByte: 10}
apis:
  - id: Bad_Id
    protocol: SOAP
    routes:
      "GET /x":
        integraton: {type: mock}
      "FETCH /y":
        integration: {type: mock}
"""

BAD_PLUGINS = """\
version: 1
apis:
  - id: a
    routes:
      "GET /x":
        integration: {type: mok}
      "GET /y":
        integration: {type: mock, statusCode: 999, bdy: x}
      "GET /z":
        integration: {type: mock, body: '${env:GH_E2E_UNSET_VAR}'}
"""

# Errors of every kind in one file: a structural one outside the APIs (server.listners), an
# integration type and an integration key only the plugins know (mokc, bodyy), and an API whose
# own structure is broken (Bad_Id), whose integrations are not checked.
MIXED = """\
version: 1
server:
  listners:
    - {host: 127.0.0.1, port: 3000, serves: apis}
apis:
  - id: a
    routes:
      "GET /x":
        integration: {type: mokc}
      "GET /y":
        integration:
          type: mock
          bodyy: hello
  - id: Bad_Id
    routes:
      "GET /z":
        integration: {type: mokc}
"""

ROUTES = """\
version: 1
apis:
  - id: pets
    protocol: HTTP
    routes:
      "GET /pets": {integration: {type: mock, body: a}}
      "POST /pets/{id}": {integration: {type: mock, statusCode: 201}}
  - id: orders
    protocol: REST
    basePath: /orders
    stages: {prod: {}, test: {}}
    routes:
      "ANY /{proxy+}": {integration: {type: mock, statusCode: 204}}
"""


class CliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="gatehouse-cli-"))
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def write(self, name: str, text: str) -> Path:
        path = self.tmp / name
        path.write_text(text)
        return path

    # -- version and help -----------------------------------------------------------------------

    def test_version(self):
        for flag in ("--version", "-v"):
            out = run_cli(flag)
            self.assertEqual(out.returncode, 0)
            self.assertEqual(out.stdout, f"gatehouse {project_version()}\n")
            self.assertEqual(out.stderr, "")

    def test_help(self):
        for flag in ("--help", "-h"):
            out = run_cli(flag)
            self.assertEqual(out.returncode, 0)
            self.assertTrue(out.stdout.startswith(f"gatehouse {project_version()} - "))
            for line in ("gatehouse serve [-c FILE] [options]", "gatehouse validate [FILE]",
                         "gatehouse routes [FILE]", "gatehouse --version | --help",
                         "-c, --config FILE", "--log-level LEVEL", "--log-format FORMAT",
                         "--threads N", "SIGHUP reloads the config"):
                self.assertIn(line, out.stdout)
            self.assertEqual(out.stderr, "")

    def test_bad_arguments_exit_2_with_usage(self):
        cases = {
            ("--bogus",): "gatehouse: unknown option --bogus\n",
            ("frobnicate",):
                "gatehouse: unknown command 'frobnicate' (serve, validate, routes or usage)\n",
            ("serve", "--threads", "many"): "gatehouse: --threads must be a number from 0 to 256\n",
            ("serve", "--log-level", "loud"):
                "gatehouse: --log-level must be trace, debug, info, warn, error or off\n",
            ("serve", "-c"): "gatehouse: -c needs a value\n",
            ("validate", "a.yaml", "b.yaml"): "gatehouse: unexpected argument 'b.yaml'\n",
        }
        for args, first_line in cases.items():
            with self.subTest(args=args):
                out = run_cli(*args)
                self.assertEqual(out.returncode, 2)
                self.assertTrue(out.stderr.startswith(first_line + "\n"), out.stderr)
                self.assertIn("Usage:", out.stderr)
                self.assertEqual(out.stdout, "")

    # -- validate -------------------------------------------------------------------------------

    def test_validate_ok(self):
        path = self.write("ok.yaml", ROUTES)
        out = run_cli("validate", str(path))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout, f"{path}: OK (2 API(s), 3 route(s))\n")
        self.assertEqual(out.stderr, "")

    def test_every_example_validates(self):
        examples = sorted(EXAMPLES_DIR.glob("*.yaml"))
        self.assertGreater(len(examples), 0)
        for path in examples:
            with self.subTest(example=path.name):
                out = run_cli("validate", str(path), env={"GATEHOUSE_TLS_CERT": "x.pem",
                                                          "GATEHOUSE_TLS_KEY": "x.pem"})
                self.assertEqual(out.returncode, 0, out.stderr)
                self.assertRegex(out.stdout, r"OK \(\d+ API\(s\), \d+ route\(s\)\)\n$")

    def test_every_example_is_served_by_an_e2e_test(self):
        tests = "".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
        for path in sorted(EXAMPLES_DIR.glob("*.yaml")):
            with self.subTest(example=path.name):
                self.assertIn(f'EXAMPLES_DIR / "{path.name}"', tests)

    def test_validate_lists_every_structural_error(self):
        path = self.write("bad.yaml", BAD_STRUCTURE)
        out = run_cli("validate", str(path))
        self.assertEqual(out.returncode, 1)
        self.assertEqual(out.stdout, "")
        p = str(path)
        self.assertEqual(out.stderr.splitlines(), [
            f"{p}:5:12: error: server.limits.maxBodyByte: unknown key 'maxBodyByte'; "
            "did you mean 'maxBodyBytes'?",
            f"{p}:7:9: error: apis[0].id: API ids are lower-case letters, digits and '-' "
            "(a DNS label: they appear in {apiId}.execute-api.localhost)",
            f"{p}:8:15: error: apis[0].protocol: must be HTTP, REST or WEBSOCKET, got 'SOAP'",
            f"{p}:11:9: error: apis[0].routes[\"GET /x\"].integration: missing required key "
            "'integration'",
            f"{p}:11:9: error: apis[0].routes[\"GET /x\"].integraton: unknown key 'integraton'; "
            "did you mean 'integration'?",
            f"{p}:12:7: error: apis[0].routes[\"FETCH /y\"]: invalid route key: unknown method "
            "'FETCH' (GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS or ANY)",
            "6 error(s)",
        ])

    def test_validate_lists_plugin_errors(self):
        path = self.write("bad.yaml", BAD_PLUGINS)
        out = run_cli("validate", str(path), env={"GH_E2E_UNSET_VAR": ""})
        # An empty variable is set: only the first three errors.
        self.assertEqual(out.returncode, 1)
        p = str(path)
        expected = [
            f"{p}:6:29: error: apis[0].routes[\"GET /x\"].integration.type: unknown integration "
            "type 'mok'; did you mean 'mock'?",
            f"{p}:8:47: error: apis[0].routes[\"GET /y\"].integration.statusCode: must be "
            "between 100 and 599, got 999",
            f"{p}:8:52: error: apis[0].routes[\"GET /y\"].integration.bdy: unknown key 'bdy'; "
            "did you mean 'body'?",
        ]
        self.assertEqual(out.stderr.splitlines(), expected + ["3 error(s)"])
        out = run_cli("validate", str(path), env={"GH_E2E_UNSET_VAR": None})
        self.assertEqual(out.returncode, 1)
        self.assertEqual(out.stderr.splitlines(), expected + [
            f"{p}:10:41: error: apis[0].routes[\"GET /z\"].integration.body: environment "
            "variable 'GH_E2E_UNSET_VAR' is not set (write ${env:GH_E2E_UNSET_VAR:-default} "
            "to give a default)",
            "4 error(s)"])

    def test_validate_lists_structural_and_plugin_errors_together(self):
        path = self.write("mixed.yaml", MIXED)
        p = str(path)
        expected = [
            f"{p}:3:3: error: server.listners: unknown key 'listners'; did you mean 'listeners'?",
            f"{p}:9:29: error: apis[0].routes[\"GET /x\"].integration.type: unknown integration "
            "type 'mokc'; did you mean 'mock'?",
            f"{p}:13:11: error: apis[0].routes[\"GET /y\"].integration.bodyy: unknown key "
            "'bodyy'; did you mean 'body'?",
            f"{p}:14:9: error: apis[1].id: API ids are lower-case letters, digits and '-' "
            "(a DNS label: they appear in {apiId}.execute-api.localhost)",
            "4 error(s)",
        ]
        out = run_cli("validate", p)
        self.assertEqual(out.returncode, 1)
        self.assertEqual(out.stdout, "")
        self.assertEqual(out.stderr.splitlines(), expected)
        # `routes` and `serve` load the same way.
        out = run_cli("routes", p)
        self.assertEqual(out.returncode, 1)
        self.assertEqual(out.stderr.splitlines(), expected)
        out = run_cli("serve", "-c", p, "--threads", "1")
        self.assertEqual(out.returncode, 2)
        self.assertEqual(out.stderr.splitlines(),
                         expected + [f"gatehouse: {p} is not valid; not starting"])

    def test_validate_yaml_syntax_error(self):
        path = self.write("broken.yaml", "version: 1\napis: [\n")
        out = run_cli("validate", str(path))
        self.assertEqual(out.returncode, 1)
        self.assertRegex(out.stderr, rf"^{re.escape(str(path))}:\d+:\d+: error: YAML syntax error")
        self.assertTrue(out.stderr.endswith("1 error(s)\n"))

    def test_validate_missing_file(self):
        out = run_cli("validate", str(self.tmp / "nope.yaml"))
        self.assertEqual(out.returncode, 1)
        self.assertIn("nope.yaml: error: cannot read file: No such file or directory", out.stderr)

    def test_validate_uses_gatehouse_config_env(self):
        path = self.write("env.yaml", ROUTES)
        out = run_cli("validate", env={"GATEHOUSE_CONFIG": str(path)})
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout, f"{path}: OK (2 API(s), 3 route(s))\n")

    # -- routes ---------------------------------------------------------------------------------

    def test_routes_table(self):
        path = self.write("routes.yaml", ROUTES)
        out = run_cli("routes", str(path))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.splitlines(), [
            "API               PROTOCOL  STAGE     ROUTE            INTEGRATION",
            "pets              HTTP      $default  GET /pets        mock 200",
            "pets              HTTP      $default  POST /pets/{id}  mock 201",
            "orders (/orders)  REST      prod      ANY /{proxy+}    mock 204",
            "orders (/orders)  REST      test      ANY /{proxy+}    mock 204",
        ])

    def test_routes_of_an_invalid_config(self):
        path = self.write("bad.yaml", BAD_STRUCTURE)
        out = run_cli("routes", str(path))
        self.assertEqual(out.returncode, 1)
        self.assertEqual(out.stdout, "")
        self.assertIn("did you mean 'maxBodyBytes'?", out.stderr)

    # -- serve refuses to start -----------------------------------------------------------------

    def test_invalid_config_never_starts(self):
        gw = Gateway(BAD_PLUGINS.replace("version: 1\n", "version: 1\nserver:\n  listeners:\n"
                                         "    - {host: 127.0.0.1, port: 3000, serves: apis}\n"
                                         "    - {host: 127.0.0.1, port: 4566, serves: services}\n"),
                     env={"GH_E2E_UNSET_VAR": "x"})
        self.addCleanup(gw.close)
        gw.start(wait=False)
        rc = gw.wait_exit(10)
        self.assertEqual(rc, 2)
        err = gw.stderr()
        self.assertIn(":10:29: error: apis[0].routes[\"GET /x\"].integration.type: unknown "
                      "integration type 'mok'; did you mean 'mock'?", err)
        self.assertIn("3 error(s)", err)
        self.assertIn(f"gatehouse: {gw.config_path} is not valid; not starting", err)
        self.assertNotIn("listening on", err)
        self.assertEqual(gw.stdout(), "")
        self.assertTrue(port_is_closed(gw.api_port))

    # -- serve options --------------------------------------------------------------------------

    def test_threads_flag_overrides_the_config_and_0_means_one_per_core(self):
        config = """\
version: 1
server:
  threads: 1
  listeners:
    - {host: 127.0.0.1, port: 3000, serves: apis}
    - {host: 127.0.0.1, port: 4566, serves: services}
apis:
  - id: a
    routes:
      "GET /x": {integration: {type: mock, body: ok}}
"""

        def tasks(*args: str) -> int:
            gw = Gateway(config, args=args)
            self.addCleanup(gw.close)
            gw.start()
            self.assertEqual(gw.get("/x").body, b"ok")
            n = len(os.listdir(f"/proc/{gw.proc.pid}/task"))
            gw.stop()
            return n

        configured = tasks()  # server.threads: 1
        self.assertEqual(tasks("--threads", "3") - configured, 2)
        cores = os.cpu_count() or 1
        self.assertEqual(tasks("--threads", "0") - configured, cores - 1)

    def test_missing_config_file_never_starts(self):
        out = run_cli("serve", "-c", str(self.tmp / "missing.yaml"))
        self.assertEqual(out.returncode, 2)
        self.assertIn("missing.yaml: error: cannot read file: No such file or directory",
                      out.stderr)
        self.assertIn("is not valid; not starting", out.stderr)

    def test_port_in_use_exits_2(self):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen(1)
            port = busy.getsockname()[1]
            gw = Gateway(ROUTES.replace("version: 1\n", "version: 1\nserver:\n  listeners:\n"
                                        "    - {host: 127.0.0.1, port: 3000, serves: apis}\n"
                                        "    - {host: 127.0.0.1, port: 4566, serves: services}\n"),
                         fixed_ports={3000: port})
            self.addCleanup(gw.close)
            gw.start(wait=False)
            self.assertEqual(gw.wait_exit(10), 2)
        self.assertIn(f"cannot start: cannot listen on 127.0.0.1:{port}: Address already in use",
                      gw.stderr())

    def test_tls_files_missing_exit_2(self):
        cfg = ROUTES.replace("version: 1\n", "version: 1\nserver:\n  listeners:\n"
                             "    - {host: 127.0.0.1, port: 3000, serves: apis,"
                             " tls: {certFile: /nonexistent/cert.pem,"
                             " keyFile: /nonexistent/key.pem}}\n"
                             "    - {host: 127.0.0.1, port: 4566, serves: services}\n")
        gw = Gateway(cfg)
        self.addCleanup(gw.close)
        gw.start(wait=False)
        self.assertEqual(gw.wait_exit(10), 2)
        self.assertIn("cannot start: TLS certificate /nonexistent/cert.pem", gw.stderr())


if __name__ == "__main__":
    unittest.main()
