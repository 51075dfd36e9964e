"""Shared helpers for the end-to-end tests.

Every e2e test starts the *built* binary (GATEHOUSE_BIN) the way a user would -- `gatehouse serve
-c FILE` -- and talks to it over loopback with real clients: curl, openssl, http.client and raw
sockets. Python 3.11 standard library only.

Rules the helpers enforce, so the test files can run in parallel with each other:
  * no fixed ports: a config's `port:` keys (and the same ports inside URIs such as
    http://127.0.0.1:3000/...) are rewritten to free ports before the gateway starts;
  * files live in a fresh temporary directory per gateway;
  * no sleeping for time: readiness, log lines and state changes are polled with deadlines;
  * the gateway is always killed when a test ends, whatever happened.
"""

from __future__ import annotations

import hashlib
import http.client
import http.server
import json
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional

# ----------------------------------------------------------------------------------- locations

SOURCE_DIR = Path(os.environ.get("GATEHOUSE_SOURCE_DIR") or Path(__file__).resolve().parents[2])


def _find_binary() -> str:
    env = os.environ.get("GATEHOUSE_BIN")
    if env:
        return os.path.abspath(env)
    # Running a file by hand: take the newest build under build/.
    candidates = sorted(SOURCE_DIR.glob("build/*/gatehouse"), key=lambda p: p.stat().st_mtime)
    if not candidates:
        raise RuntimeError("set GATEHOUSE_BIN to the built gatehouse binary")
    return str(candidates[-1])


BIN = _find_binary()
CONFIG_DIR = SOURCE_DIR / "config"
EXAMPLES_DIR = CONFIG_DIR / "examples"

# Request-id shapes (docs/aws-notes-core.md section 7).
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
SHORT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{15}=$")

DEFAULT_TIMEOUT = 10.0

# ------------------------------------------------------------------------------------- polling


def wait_until(predicate: Callable[[], object], timeout: float = DEFAULT_TIMEOUT,
               interval: float = 0.02, message: str = "condition") -> object:
    """Polls `predicate` until it returns something truthy; returns that value.

    Raises AssertionError (a test failure, not an error) when the deadline passes."""
    deadline = time.monotonic() + timeout
    last_exc: Optional[BaseException] = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except (OSError, http.client.HTTPException, ValueError) as exc:
            last_exc = exc
        if time.monotonic() >= deadline:
            extra = f" (last error: {last_exc!r})" if last_exc else ""
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {message}{extra}")
        time.sleep(interval)


def free_port() -> int:
    """A port that was free a moment ago (the kernel picks it; we release it at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_closed(port: int, host: str = "127.0.0.1") -> bool:
    """True when a TCP connect to host:port is refused (nobody listens)."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return False
    except ConnectionRefusedError:
        return True


# ---------------------------------------------------------------------------- config rewriting

_PORT_KEY_RE = re.compile(r"(\bport:\s*)(\d+)\b")
_URI_PORT_RE = re.compile(r"(\b[a-z][a-z0-9+.-]*://(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):)(\d+)\b")


def rewrite_ports(text: str, fixed: Optional[dict[int, int]] = None) -> tuple[str, dict[int, int]]:
    """Gives every `port: N` of a config a free port and rewrites the same port in URIs.

    `fixed` maps ports to chosen values (e.g. an upstream's 8080 to the test's upstream port);
    ports that appear only in URIs and are not in `fixed` are left alone. Returns the new text
    and the mapping old -> new."""
    mapping: dict[int, int] = dict(fixed or {})
    # The sockets stay bound until every port is chosen: released one by one, the kernel may hand
    # the same ephemeral port out twice (a CI run once got "two listeners on 127.0.0.1:51703").
    held: list[socket.socket] = []
    try:
        for m in _PORT_KEY_RE.finditer(text):
            port = int(m.group(2))
            if port != 0 and port not in mapping:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                held.append(s)
                s.bind(("127.0.0.1", 0))
                mapping[port] = s.getsockname()[1]
    finally:
        for s in held:
            s.close()

    def sub(m: re.Match) -> str:
        port = int(m.group(2))
        return m.group(1) + str(mapping.get(port, port))

    text = _PORT_KEY_RE.sub(sub, text)
    text = _URI_PORT_RE.sub(sub, text)
    return text, mapping


# ------------------------------------------------------------------------------------ the gateway


class Gateway:
    """One `gatehouse serve -c FILE` process with its config rewritten to free ports.

    stdout (the access log, by default) and stderr (the gateway's log) go to files in the
    gateway's temporary directory. By convention the configs use 3000 for the APIs listener and
    4566 for the services listener; `port(3000)` gives the real port. Readiness is /_gatehouse/
    health on the services listener answering 200."""

    def __init__(self, config_text: Optional[str] = None, *, config_file: Optional[Path] = None,
                 fixed_ports: Optional[dict[int, int]] = None, args: Iterable[str] = (),
                 env: Optional[dict[str, str]] = None, services_port: int = 4566,
                 config_name: str = "gatehouse.yaml", tmpdir: Optional[Path] = None,
                 expect_ready_line: bool = True):
        if config_text is None:
            if config_file is None:
                raise ValueError("config_text or config_file")
            config_text = Path(config_file).read_text()
        self.template = config_text
        self.fixed_ports = dict(fixed_ports or {})
        self.args = list(args)
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.services_original_port = services_port
        self.expect_ready_line = expect_ready_line
        self._own_tmp = tmpdir is None
        self.dir = Path(tmpdir) if tmpdir else Path(tempfile.mkdtemp(prefix="gatehouse-e2e-"))
        self.config_path = self.dir / config_name
        if config_file is not None:
            self._copy_config_neighbours(Path(config_file))
        self.stdout_path = self.dir / "stdout.log"
        self.stderr_path = self.dir / "stderr.log"
        self.proc: Optional[subprocess.Popen] = None
        self.ports: dict[int, int] = {}
        self.returncode: Optional[int] = None

    def _copy_config_neighbours(self, config_file: Path) -> None:
        """Copies the directories beside a config file (e.g. config/functions) into the
        gateway's directory: paths in a config (codeUri, certificates) are relative to the file,
        and the copy keeps tests that edit code from touching the source tree."""
        for entry in config_file.resolve().parent.iterdir():
            target = self.dir / entry.name
            if entry.is_dir() and not target.exists():
                shutil.copytree(entry, target,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules"))

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self, wait: bool = True, timeout: float = DEFAULT_TIMEOUT) -> "Gateway":
        """Writes the config and starts the process; with `wait`, returns once it is healthy.

        If a chosen port was taken in between by someone else (the gateway exits 2 with
        'cannot listen'), it retries with fresh ports."""
        for attempt in range(4):
            text, self.ports = rewrite_ports(self.template, self.fixed_ports)
            self.config_path.write_text(text)
            self._spawn()
            if not wait:
                return self
            try:
                self.wait_ready(timeout)
                return self
            except GatewayExited:
                if attempt < 3 and "cannot listen" in self.stderr() and self.returncode == 2:
                    continue
                raise
        raise AssertionError("unreachable")

    def _spawn(self) -> None:
        self.returncode = None
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                [BIN, "serve", "-c", str(self.config_path), *self.args],
                stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=str(self.dir), env=self.env,
                start_new_session=True)

    def wait_ready(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        port = self.port(self.services_original_port)

        def healthy() -> bool:
            self._check_alive()
            try:
                status, _, _ = simple_get(port, "/_gatehouse/health", timeout=1.0)
            except OSError:
                return False
            return status == 200

        wait_until(healthy, timeout, message=f"gatehouse health on port {port}")
        if self.expect_ready_line:
            # Logged after the signal handlers are installed: a signal sent from now on is
            # handled by the gateway, not by the default action.
            def ready_line() -> bool:
                self._check_alive()
                return "gatehouse " in self.stderr() and " serving " in self.stderr()
            wait_until(ready_line, timeout, message="the 'serving' log line")

    def _check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            self.returncode = self.proc.returncode
            raise GatewayExited(f"gatehouse exited with {self.returncode}:\n{self.stderr()}")

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        assert self.proc is not None
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"gatehouse did not exit within {timeout}s\n{self.stderr()}")
        return self.returncode

    def stop(self, sig: int = signal.SIGTERM, expect: Optional[int] = 0,
             timeout: float = DEFAULT_TIMEOUT) -> int:
        """Sends `sig`, waits for the exit and (by default) asserts exit code 0."""
        if self.proc is None or self.proc.poll() is not None:
            rc = self.proc.returncode if self.proc else None
        else:
            self.send_signal(sig)
            rc = self.wait_exit(timeout)
        if expect is not None and rc != expect:
            raise AssertionError(f"gatehouse exited with {rc}, expected {expect}\n{self.stderr()}")
        return rc

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def close(self) -> None:
        """Kills the process if it still runs and removes the temporary directory."""
        self.kill()
        if self._own_tmp and not os.environ.get("GATEHOUSE_E2E_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "Gateway":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- ports and config -----------------------------------------------------------------------

    def port(self, original: int) -> int:
        return self.ports.get(original, original)

    @property
    def api_port(self) -> int:
        return self.port(3000)

    @property
    def services_port(self) -> int:
        return self.port(self.services_original_port)

    def render(self, template: str) -> str:
        """`template` with this gateway's port mapping applied (new ports get free ones)."""
        text, self.ports = rewrite_ports(template, self.ports)
        return text

    def write_config(self, template: str) -> None:
        """Replaces the config file (same port mapping), as an editor would save it."""
        self.config_path.write_text(self.render(template))

    # -- output ---------------------------------------------------------------------------------

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def wait_for_stderr(self, pattern: str, timeout: float = DEFAULT_TIMEOUT,
                        start: int = 0) -> re.Match:
        """Polls the log (stderr) until `pattern` (a regex) matches after offset `start`."""
        rx = re.compile(pattern)
        return wait_until(lambda: rx.search(self.stderr(), start), timeout,
                          message=f"/{pattern}/ in stderr") # type: ignore[return-value]

    def wait_for_stdout_lines(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> list[str]:
        """Polls stdout until it holds at least `count` lines; returns them all."""
        def lines() -> Optional[list[str]]:
            got = self.stdout().splitlines()
            return got if len(got) >= count else None
        return wait_until(lines, timeout, message=f"{count} line(s) on stdout")  # type: ignore

    # -- requests -------------------------------------------------------------------------------

    def request(self, method: str, path: str, **kw) -> "Response":
        return request(self.api_port, method, path, **kw)

    def get(self, path: str, **kw) -> "Response":
        return request(self.api_port, "GET", path, **kw)

    def health(self) -> dict:
        r = request(self.services_port, "GET", "/_gatehouse/health")
        return json.loads(r.body)

    def metrics(self) -> str:
        return request(self.services_port, "GET", "/_gatehouse/metrics").text


class GatewayExited(AssertionError):
    pass


def run_cli(*args: str, timeout: float = 30, cwd: Optional[Path] = None,
            env: Optional[dict[str, Optional[str]]] = None) -> subprocess.CompletedProcess:
    """Runs `gatehouse ARGS...` to completion (validate, routes, --version ...).

    `env` adds variables to the environment; a None value removes one."""
    full_env = dict(os.environ)
    for k, v in (env or {}).items():
        if v is None:
            full_env.pop(k, None)
        else:
            full_env[k] = v
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=str(cwd or SOURCE_DIR), env=full_env, stdin=subprocess.DEVNULL)


# ------------------------------------------------------------------------------- HTTP (client)


@dataclass
class Response:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    version: str = "HTTP/1.1"

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """First value of header `name` (case-insensitive)."""
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def header_all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def has_header(self, name: str) -> bool:
        return any(k.lower() == name.lower() for k, _ in self.headers)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)


def request(port: int, method: str, path: str, *, body: Optional[bytes | str] = None,
            headers: Optional[dict[str, str]] = None, host: str = "127.0.0.1",
            timeout: float = DEFAULT_TIMEOUT,
            tls_context: Optional[ssl.SSLContext] = None) -> Response:
    """One request on a fresh http.client connection (HTTPS with `tls_context`)."""
    if tls_context is not None:
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, port, timeout=timeout, context=tls_context)
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        if isinstance(body, str):
            body = body.encode()
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, r.reason, list(r.getheaders()), data,
                        "HTTP/1.0" if r.version == 10 else "HTTP/1.1")
    finally:
        conn.close()


def simple_get(port: int, path: str, timeout: float = 2.0) -> tuple[int, dict, bytes]:
    r = request(port, "GET", path, timeout=timeout)
    return r.status, {k.lower(): v for k, v in r.headers}, r.body


def curl(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    """Runs the curl command (bytes output) with a deadline and no config file."""
    return subprocess.run(["curl", "-q", "--silent", "--show-error",
                           "--max-time", str(int(timeout)),
                           *args], capture_output=True, timeout=timeout + 5,
                          stdin=subprocess.DEVNULL)


def header_curls(config_text: str) -> list[tuple[str, str]]:
    """(command, description) for each `#   curl ...   description` line in a config's header
    comment (the comment block before the first non-comment line)."""
    out = []
    for line in config_text.splitlines():
        if not line.startswith("#"):
            break
        m = re.match(r"^#\s+(curl .*?)(?:\s{2,}(\S.*))?$", line)
        if m:
            out.append((m.group(1).strip(), (m.group(2) or "").strip()))
    return out


def check_documented_curls(test: unittest.TestCase, gw: "Gateway", config_text: str,
                           cwd: Optional[Path] = None, minimum: int = 1) -> None:
    """Runs every curl of a config's header comment against `gw` (ports rewritten).

    A command whose description names a 4xx/5xx status must answer exactly that status; any
    other must answer 2xx."""
    commands = header_curls(config_text)
    test.assertGreaterEqual(len(commands), minimum, commands)
    for command, description in commands:
        with test.subTest(command=command):
            command = re.sub(r"\blocalhost:(\d+)\b",
                             lambda m: f"localhost:{gw.port(int(m.group(1)))}", command)
            argv = shlex.split(command)
            test.assertEqual(argv[0], "curl")
            out = subprocess.run(["curl", "-q", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                                  "--max-time", "10", *argv[1:]],
                                 capture_output=True, text=True, timeout=20,
                                 cwd=str(cwd or gw.dir), stdin=subprocess.DEVNULL)
            test.assertEqual(out.returncode, 0, f"{command}: {out.stderr}")
            code = int(out.stdout)
            m = re.search(r"\b([45]\d\d)\b", description)
            if m:
                test.assertEqual(code, int(m.group(1)), f"{command}  ({description})")
            else:
                test.assertTrue(200 <= code < 300, f"{command} answered {code} ({description})")


def parse_curl_include(output: bytes) -> list[Response]:
    """Splits `curl -i` output into responses (interim 100 Continue included)."""
    responses: list[Response] = []
    rest = output
    while rest.startswith(b"HTTP/"):
        head, sep, rest = rest.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        version, status, *reason = lines[0].split(" ", 2)
        headers = []
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers.append((k.strip(), v.strip()))
        responses.append(Response(int(status), reason[0] if reason else "", headers, b"", version))
    if responses:
        responses[-1].body = rest
    return responses


# --------------------------------------------------------------------------------- raw sockets


class PeerClosed(Exception):
    """The server closed the connection before a complete response."""


class RawClient:
    """A raw TCP (or TLS) client for byte-precise HTTP: pipelining, slow and broken clients.

    Responses are parsed by hand (status line, headers, Content-Length or chunked body) so the
    test sees exactly what went over the wire."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = DEFAULT_TIMEOUT,
                 tls_context: Optional[ssl.SSLContext] = None,
                 server_hostname: Optional[str] = None):
        sock = socket.create_connection((host, port), timeout=timeout)
        if tls_context is not None:
            sock = tls_context.wrap_socket(sock, server_hostname=server_hostname or host)
        self.sock = sock
        self.buf = b""
        self.timeout = timeout

    def send(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def _fill(self) -> bool:
        """Reads more bytes; False when the peer closed (EOF or reset)."""
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError):
            return False
        if not chunk:
            return False
        self.buf += chunk
        return True

    def _take_until(self, marker: bytes) -> bytes:
        while marker not in self.buf:
            if not self._fill():
                raise PeerClosed(f"closed while waiting for {marker!r}; got {self.buf!r}")
        head, _, self.buf = self.buf.partition(marker)
        return head

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise PeerClosed(f"closed with {len(self.buf)} of {n} body bytes")
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_response(self, head_request: bool = False) -> Response:
        """Reads one response (an interim 1xx response counts as one)."""
        head = self._take_until(b"\r\n\r\n").decode("latin-1")
        lines = head.split("\r\n")
        version, status, *reason = lines[0].split(" ", 2)
        headers = []
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers.append((k.strip(), v.strip()))
        r = Response(int(status), reason[0] if reason else "", headers, b"", version)
        if head_request or r.status < 200 or r.status in (204, 304):
            return r
        te = (r.header("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            body = b""
            while True:
                size = int(self._take_until(b"\r\n").split(b";")[0], 16)
                if size == 0:
                    self._take_until(b"\r\n")  # no trailers expected
                    break
                body += self._take(size)
                self._take(2)
            r.body = body
        elif r.header("Content-Length") is not None:
            r.body = self._take(int(r.header("Content-Length")))
        else:
            while self._fill():
                pass
            r.body, self.buf = self.buf, b""
        return r

    def request(self, method: str, path: str, headers: Optional[dict[str, str]] = None,
                body: bytes = b"", version: str = "HTTP/1.1") -> Response:
        self.send(build_request(method, path, headers, body, version))
        return self.read_response(head_request=method == "HEAD")

    def wait_closed(self, timeout: float = DEFAULT_TIMEOUT) -> bytes:
        """Waits until the server closes the connection; returns any bytes it sent before.

        Fails (AssertionError) if the connection is still open after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"connection still open after {timeout}s")
            self.sock.settimeout(remaining)
            try:
                if not self._fill():
                    data, self.buf = self.buf, b""
                    return data
            except socket.timeout:
                raise AssertionError(f"connection still open after {timeout}s; got {self.buf!r}")
            finally:
                self.sock.settimeout(self.timeout)

    def is_open_after(self, seconds: float) -> bool:
        """True unless the server closes the connection within `seconds` (a bounded wait)."""
        self.sock.settimeout(seconds)
        try:
            return self._fill()
        except socket.timeout:
            return True
        finally:
            self.sock.settimeout(self.timeout)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> "RawClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def build_request(method: str, path: str, headers: Optional[dict[str, str]] = None,
                  body: bytes = b"", version: str = "HTTP/1.1") -> bytes:
    hdrs = {"Host": "127.0.0.1"}
    hdrs.update(headers or {})
    if body and not any(k.lower() in ("content-length", "transfer-encoding") for k in hdrs):
        hdrs["Content-Length"] = str(len(body))
    head = f"{method} {path} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
    return head.encode("latin-1") + b"\r\n" + body


# ---------------------------------------------------------------------------------- upstreams


@dataclass
class UpstreamRequest:
    method: str
    path: str          # without the query
    query: str         # raw, without '?'
    headers: list[tuple[str, str]]
    body: bytes
    client: tuple[str, int]

    def header(self, name: str) -> Optional[str]:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


class EchoUpstream:
    """An HTTP/1.1 keep-alive upstream (ThreadingHTTPServer on a free port).

    What it does depends on the path's segments:
      .../hold/...      answers only once `release()` is called (or the upstream stops);
      .../mirror/...    answers with the request body as is (application/octet-stream);
      .../status/N/...  answers with status N and the echo body;
      anything else     answers 200 with JSON: method, path, query, headers, body, bodyLength.
    Every answer carries `Server: echo-upstream`, `X-Amzn-RequestId: upstream-request-id` and
    `X-Upstream: yes`. `requests` records what arrived (client address included, to see
    connection reuse); `held` is set when a /hold request arrives."""

    def __init__(self) -> None:
        self.requests: list[UpstreamRequest] = []
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.held = threading.Event()
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "echo-upstream"
            sys_version = ""

            def log_message(self, *args) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
                    body = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            self.rfile.readline()
                            break
                        body += self.rfile.read(size)
                        self.rfile.readline()
                else:
                    body = self.rfile.read(length) if length else b""
                path, _, query = self.path.partition("?")
                rec = UpstreamRequest(self.command, path, query, list(self.headers.items()), body,
                                      self.client_address)
                with upstream.lock:
                    upstream.requests.append(rec)
                status = 200
                ctype = "application/json"
                segments = path.split("/")
                if "hold" in segments:
                    upstream.held.set()
                    upstream.released.wait(30)
                if "mirror" in segments:
                    payload = body
                    ctype = "application/octet-stream"
                else:
                    if "status" in segments[:-1]:
                        status = int(segments[segments.index("status") + 1])
                    payload = json.dumps({
                        "method": self.command, "path": path, "query": query,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body.decode("utf-8", "replace") if len(body) < 4096 else None,
                        "bodyLength": len(body),
                        "bodySha256": hashlib.sha256(body).hexdigest(),
                    }).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(payload)))
                    self.send_header("X-Amzn-RequestId", "upstream-request-id")
                    self.send_header("X-Upstream", "yes")
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "EchoUpstream":
        self.thread.start()
        return self

    def release(self) -> None:
        self.released.set()

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()

    def last(self) -> UpstreamRequest:
        with self.lock:
            assert self.requests, "the upstream received no request"
            return self.requests[-1]

    def __enter__(self) -> "EchoUpstream":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# ------------------------------------------------------------------------------------------ TLS


def make_self_signed_cert(directory: Path, common_name: str = "localhost") -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 (openssl CLI); returns cert, key."""
    cert = Path(directory) / "cert.pem"
    key = Path(directory) / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", f"/CN={common_name}",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=30)
    return cert, key


# ------------------------------------------------------------------------------------- metrics


def parse_prometheus(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """{(metric name, sorted label pairs): value} from Prometheus text format."""
    out = {}
    line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$')
    label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = line_re.match(line)
        if not m:
            raise ValueError(f"not a Prometheus sample: {line!r}")
        labels = tuple(sorted(label_re.findall(m.group(2) or "")))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def metric(samples: dict, name: str, **labels: str) -> Optional[float]:
    return samples.get((name, tuple(sorted(labels.items()))))


class GatewayTestCase(unittest.TestCase):
    """Small conveniences: a gateway started per test (`start_gateway`) and killed afterwards."""

    def start_gateway(self, config_text: Optional[str] = None, **kw) -> Gateway:
        gw = Gateway(config_text, **kw)
        self.addCleanup(gw.close)
        gw.start()
        return gw

    def assertJsonBody(self, response: Response, expected) -> None:
        self.assertEqual(response.json(), expected, response.text)
