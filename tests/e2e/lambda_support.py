"""Helpers shared by the Lambda end-to-end tests (test_lambda_gateway.py, test_lambda_pool.py).

The functions are the fixtures of tests/fixtures/lambda (README.md there lists every handler),
run by the built gateway as child processes. Tests that change code copy a fixture directory to
a temporary directory first; the others use the fixtures in place.

What the tests read back:
  * responses (status, headers, body) through API Gateway routes;
  * the gateway's log (stderr), where every line a function prints, and Lambda's own START /
    END / REPORT lines, are tagged "[lambda <function> <request id>]";
  * /proc, to see which processes the gateway started and whether they are gone.

Python 3.11 standard library only."""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional

from harness import SOURCE_DIR, Gateway, Response, request, wait_until

FIXTURES = SOURCE_DIR / "tests" / "fixtures" / "lambda"
NODE_DIR = FIXTURES / "node"
PYTHON_DIR = FIXTURES / "python"
PROVIDED_DIR = FIXTURES / "provided"

# API Gateway's answers when Lambda fails (aws-behaviour.md §1.4, §3.3, §3.4;
# docs/aws-notes-lambda.md §4). Note the different spacing and capitalisation.
REST_INTERNAL = b'{"message": "Internal server error"}'
REST_TIMEOUT = b'{"message": "Endpoint request timed out"}'
HTTP_INTERNAL = b'{"message":"Internal Server Error"}'
HTTP_UNAVAILABLE = b'{"message":"Service Unavailable"}'

LAMBDA_REQUEST_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"

# REPORT RequestId: <id>\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t
# Max Memory Used: 43 MB\t[Init Duration: 80.12 ms\t] -- a tab after every field, the last too
# (docs/aws-notes-lambda.md §5.1).
REPORT_RE = re.compile(
    r"^REPORT RequestId: (?P<id>" + LAMBDA_REQUEST_ID + r")\t"
    r"Duration: (?P<duration>\d+\.\d\d) ms\t"
    r"Billed Duration: (?P<billed>\d+) ms\t"
    r"Memory Size: (?P<memory>\d+) MB\t"
    r"Max Memory Used: (?P<used>\d+) MB\t"
    r"(?:Init Duration: (?P<init>\d+\.\d\d) ms\t)?$")

# One line of the gateway's log written for a function: "<time> <level> [lambda fn id] text".
_LAMBDA_LINE_RE = re.compile(
    r"^\S+ \w+\s+\[lambda (?P<fn>[A-Za-z0-9_-]+)(?: (?P<id>[^\]]*))?\] (?P<text>.*)$")


def listeners_yaml(extra_server: str = "") -> str:
    """The `version` and `server` sections every Lambda test config starts with."""
    return ("version: 1\n"
            "server:\n"
            "  listeners:\n"
            "    - {host: 127.0.0.1, port: 3000, serves: apis}\n"
            "    - {host: 127.0.0.1, port: 4566, serves: services}\n"
            "  watchConfig: false\n" + extra_server)


def function_yaml(name: str, runtime: str, code: Path, handler: Optional[str] = None,
                  **settings) -> str:
    """One entry of the `functions:` section (flow style). Values are written as JSON, which
    YAML reads as is: `environment={"A": "1"}` becomes `environment: {"A": "1"}`."""
    parts = [f"runtime: {runtime}", f"codeUri: {json.dumps(str(code))}"]
    if handler:
        parts.append(f"handler: {handler}")
    for key, value in settings.items():
        parts.append(f"{key}: {json.dumps(value)}")
    return f"  {name}: {{{', '.join(parts)}}}\n"


def copy_fixture(src: Path, dest: Path) -> Path:
    """A copy of a fixture directory (without byte-code caches) at `dest`; returns `dest`."""
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def replace_file(path: Path, text: str) -> None:
    """Writes `text` to a temporary file beside `path` and renames it over `path`, as editors
    save: a reader sees the old content or the new one, never a half-written file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


# ------------------------------------------------------------------------------------- requests


def call(gw: Gateway, api_id: str, method: str, path: str, *,
         headers: Optional[dict[str, str]] = None, body: Optional[bytes | str] = None,
         timeout: float = 30.0) -> Response:
    """A request to API `api_id`, chosen by its execute-api host name as on AWS
    ({apiId}.execute-api.<domain>)."""
    h = {"Host": f"{api_id}.execute-api.localhost"}
    h.update(headers or {})
    return request(gw.api_port, method, path, headers=h, body=body, timeout=timeout)


def in_parallel(fn: Callable, args: Iterable) -> list:
    """fn(arg) for every arg, each in its own thread at the same time; results in order."""
    args = list(args)
    with concurrent.futures.ThreadPoolExecutor(max(1, len(args))) as pool:
        return list(pool.map(fn, args))


# ------------------------------------------------------------------------------------------ log


@dataclass
class LambdaLine:
    function: str
    request_id: Optional[str]  # None for lines printed outside an invocation (init)
    text: str
    offset: int                # where the line starts in the log, to compare order


def lambda_lines(gw: Gateway, function: Optional[str] = None,
                 request_id: Optional[str] = None) -> list[LambdaLine]:
    """The function lines of the gateway's log, in order, optionally for one function and one
    request id. Lines are split on "\\n" only: runtimes use "\\r" inside one log record."""
    out = []
    offset = 0
    # Read as bytes: text mode would turn the "\r" inside a record into a line break.
    log = gw.stderr_path.read_bytes().decode(errors="replace") if gw.stderr_path.exists() else ""
    for line in log.split("\n"):
        m = _LAMBDA_LINE_RE.match(line)
        if m and (function is None or m["fn"] == function) and \
                (request_id is None or m["id"] == request_id):
            out.append(LambdaLine(m["fn"], m["id"], m["text"], offset))
        offset += len(line) + 1
    return out


def wait_for_lambda_line(gw: Gateway, function: str, pattern: str, timeout: float = 20.0,
                         request_id: Optional[str] = None) -> LambdaLine:
    """Polls the log until a line of `function` matches `pattern` (a regex); returns it."""
    rx = re.compile(pattern)

    def find():
        for line in lambda_lines(gw, function, request_id):
            if rx.search(line.text):
                return line
        return None
    return wait_until(find, timeout, message=f"[lambda {function}] /{pattern}/ in the log")


def invocations(gw: Gateway, function: str) -> list[str]:
    """The request ids of `function`'s invocations that have started (START lines), in order."""
    ids = []
    for line in lambda_lines(gw, function):
        m = re.match(r"^START RequestId: (" + LAMBDA_REQUEST_ID + r") Version: \$LATEST$",
                     line.text)
        if m:
            ids.append(m.group(1))
    return ids


def report_of(gw: Gateway, function: str, request_id: str, timeout: float = 20.0) -> re.Match:
    """The parsed REPORT line of one invocation (waits for it)."""
    line = wait_for_lambda_line(gw, function, r"^REPORT ", timeout, request_id=request_id)
    m = REPORT_RE.match(line.text)
    if not m:
        raise AssertionError(f"REPORT line not in AWS's format: {line.text!r}")
    return m


# ------------------------------------------------------------------------------------ processes


def _stat(pid: int) -> Optional[tuple[str, int]]:
    """(state, parent pid) of a process, or None if it is gone."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    rest = data[data.rindex(")") + 2:].split()
    return rest[0], int(rest[1])


def alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie waiting to be reaped."""
    st = _stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def children(parent: int) -> list[int]:
    """Live processes whose parent is `parent`."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st and st[1] == parent and st[0] not in ("Z", "X"):
                out.append(int(entry))
    return sorted(out)


def environ_of(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    env = {}
    for item in raw.split(b"\0"):
        k, sep, v = item.partition(b"=")
        if sep:
            env[k.decode(errors="replace")] = v.decode(errors="replace")
    return env


def function_processes(gw: Gateway, function: str) -> list[int]:
    """The gateway's child processes that run `function` (by AWS_LAMBDA_FUNCTION_NAME)."""
    assert gw.proc is not None
    return [pid for pid in children(gw.proc.pid)
            if environ_of(pid).get("AWS_LAMBDA_FUNCTION_NAME") == function]


def processes_in(directory: Path) -> list[int]:
    """Live processes (anyone's children) whose working directory is `directory` or below:
    a function's processes run in its code directory (LAMBDA_TASK_ROOT)."""
    root = str(Path(directory).resolve())
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cwd = os.readlink(f"/proc/{entry}/cwd")
        except OSError:
            continue
        if (cwd == root or cwd.startswith(root + "/")) and alive(int(entry)):
            out.append(int(entry))
    return sorted(out)


def wait_gone(pids: Iterable[int], timeout: float = 15.0) -> None:
    pids = list(pids)
    wait_until(lambda: not [p for p in pids if alive(p)], timeout,
               message=f"processes {pids} to be gone")
