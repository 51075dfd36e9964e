"""The Docker image's copy of the example config (docker/Dockerfile), without Docker.

The image bakes config/gatehouse.yaml into /etc/gatehouse with the COPY lines of its runtime
stage, so `docker run gatehouse` serves it without a mount. These tests rebuild that layout in a
temporary directory from the Dockerfile itself (its COPY lines from config/, the build
context's .dockerignore, and the stage's ENV with the image's absolute paths moved under the
temporary root) and check that:
  * `gatehouse validate` accepts the copied config: a file the config references (a function's
    codeUri, a seed file, ...) that the COPY lines miss fails here, not in `docker run`;
  * served from there, the DynamoDB and S3 routes work and keep their state under
    GATEHOUSE_STATE_DIR (the image's writable volume), never beside the config, which the image
    may mount read-only;
  * the runtime stage installs the interpreters the example's functions run on (python3, not
    python3-minimal, which lacks json and http.client)."""

import json
import os
import re
import shlex
import shutil
import tempfile
import unittest
from pathlib import Path

from harness import CONFIG_DIR, SOURCE_DIR, Gateway, curl, run_cli

DOCKERFILE = SOURCE_DIR / "docker" / "Dockerfile"
DOCKERIGNORE = SOURCE_DIR / ".dockerignore"
IMAGE_CONFIG = "/etc/gatehouse/gatehouse.yaml"


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) for each instruction, continuation lines joined, comments out."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        text = pending + stripped
        pending = ""
        if text:
            word, _, rest = text.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def runtime_stage() -> list[tuple[str, str]]:
    """The instructions of the last stage (the image that runs)."""
    steps = instructions(DOCKERFILE)
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def copy_args(args: str) -> list[str]:
    """A COPY's sources and destination (shell or JSON form), its --flags dropped."""
    if args.startswith("["):
        words = json.loads(args)
    else:
        words = shlex.split(args)
    return [w for w in words if not w.startswith("--")]


def glob_regex(pattern: str) -> re.Pattern:
    """A .dockerignore pattern (relative to the context; `*` and `?` within a path segment, `**`
    for any number of segments) as a regex."""
    parts = []
    for part in pattern.strip("/").split("/"):
        if part == "**":
            parts.append("(?:[^/]+/)*")
        else:
            parts.append("".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c)
                                 for c in part) + "/")
    text = "".join(parts)
    return re.compile((text[:-1] if text.endswith("/") else text + "[^/]*") + r"\Z")


def ignore_patterns() -> list[tuple[bool, re.Pattern]]:
    """.dockerignore as (excludes, regex) in file order; the last pattern that matches wins."""
    out = []
    if DOCKERIGNORE.exists():
        for line in DOCKERIGNORE.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                out.append((not line.startswith("!"), glob_regex(line.lstrip("!"))))
    return out


def ignored(rel: str, patterns: list[tuple[bool, re.Pattern]]) -> bool:
    """Whether the build context leaves out `rel` (a path relative to it) or a directory above."""
    pieces = rel.split("/")
    prefixes = ["/".join(pieces[:n]) for n in range(1, len(pieces) + 1)]
    result = False
    for excludes, regex in patterns:
        if any(regex.match(prefix) for prefix in prefixes):
            result = excludes
    return result


def image_env(root: Path) -> dict[str, str]:
    """The runtime stage's ENV, with absolute paths moved under `root`."""
    env: dict[str, str] = {}
    for word, args in runtime_stage():
        if word != "ENV":
            continue
        for item in shlex.split(args):
            name, _, value = item.partition("=")
            env[name] = str(root / value.lstrip("/")) if value.startswith("/") else value
    return env


def build_layout(root: Path) -> list[str]:
    """Copies what the runtime stage's COPY lines take from config/ to `root`; returns the
    sources it copied."""
    patterns = ignore_patterns()
    copied = []
    for word, args in runtime_stage():
        if word != "COPY" or "--from" in args:
            continue
        *sources, dest = copy_args(args)
        for source in sources:
            if not source.startswith("config"):
                continue
            copied.append(source)
            target = root / dest.lstrip("/")
            for path in sorted(SOURCE_DIR.glob(source)):
                rel = path.relative_to(SOURCE_DIR).as_posix()
                if ignored(rel, patterns):
                    continue
                if path.is_dir():
                    # COPY dir dest copies the directory's contents into dest.
                    for item in sorted(path.rglob("*")):
                        item_rel = item.relative_to(SOURCE_DIR).as_posix()
                        if item.is_dir() or ignored(item_rel, patterns):
                            continue
                        out = target / item.relative_to(path)
                        out.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(item, out)
                else:
                    out = target / path.name if dest.endswith("/") else target
                    out.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, out)
    return copied


class DockerLayoutTest(unittest.TestCase):
    def setUp(self):
        self.root = Path(tempfile.mkdtemp(prefix="gatehouse-image-"))
        self.addCleanup(shutil.rmtree, self.root, True)
        self.copied = build_layout(self.root)
        self.env = image_env(self.root)
        self.config = self.root / IMAGE_CONFIG.lstrip("/")
        self.state_dir = Path(self.env["GATEHOUSE_STATE_DIR"])
        self.state_dir.mkdir(parents=True, exist_ok=True)

    def test_the_image_reads_the_example_config(self):
        self.assertEqual(self.env.get("GATEHOUSE_CONFIG"), str(self.config))
        self.assertIn("config/gatehouse.yaml", self.copied)
        self.assertTrue(self.config.is_file(), f"{IMAGE_CONFIG} is not copied")

    def test_the_copied_config_validates(self):
        out = run_cli("validate", str(self.config), cwd=self.state_dir, env=self.env)
        self.assertEqual(out.returncode, 0,
                         f"the Dockerfile's COPY lines ({', '.join(self.copied)}) miss a file "
                         f"the example config needs:\n{out.stdout}{out.stderr}")
        self.assertRegex(out.stdout, r": OK \(\d+ API\(s\), \d+ route\(s\)\)\n$")
        self.assertEqual(out.stderr, "")

    def test_the_stores_live_in_the_state_dir(self):
        config_dir = self.config.parent
        gw = Gateway(config_file=self.config, tmpdir=config_dir, env=self.env)
        self.addCleanup(gw.close)
        gw.start()
        api = f"localhost:{gw.api_port}"

        def ok(*args: str) -> str:
            out = curl("-sS", "-f", *args)
            self.assertEqual(out.returncode, 0, f"curl {args}: {out.stderr}\n{gw.stderr()}")
            return out.stdout.decode()

        self.assertIn('"try gatehouse"', ok(f"{api}/todos"))   # the seed items
        ok("-X", "PUT", "-d", '{"title": "ship it"}', f"{api}/todos/2")
        self.assertIn('"ship it"', ok(f"{api}/todos/2"))
        ok("-X", "PUT", "-H", "Content-Type: text/plain", "-d", "hello, s3",
           f"{api}/files/dev/objects/notes/hello.txt")
        self.assertEqual(ok(f"{api}/files/dev/objects/notes/hello.txt"), "hello, s3")
        ok("-H", "x-api-key: gatehouse-demo-api-key-0001", f"{api}/inventory/dev/reports")
        gw.stop()

        self.assertTrue((self.state_dir / "dynamodb").is_dir(), os.listdir(self.state_dir))
        self.assertTrue((self.state_dir / "s3" / "files").is_dir(), os.listdir(self.state_dir))
        self.assertTrue((self.state_dir / "usage.json").is_file(), os.listdir(self.state_dir))
        self.assertFalse((config_dir / ".gatehouse").exists(),
                         "state written beside the config, which the image may mount read-only")

    def test_the_runtime_stage_has_the_functions_interpreters(self):
        packages = set()
        for word, args in runtime_stage():
            if word == "RUN" and "apt-get install" in args:
                install = args.split("apt-get install", 1)[1].split("&&", 1)[0]
                packages.update(w for w in shlex.split(install) if not w.startswith("-"))
        runtimes = set(re.findall(r"^\s+runtime:\s*(\w+)", (CONFIG_DIR / "gatehouse.yaml").read_text(),
                                  re.M))
        needs = {"nodejs": "nodejs", "python": "python3"}
        for runtime in sorted(runtimes):
            if runtime in needs:
                self.assertIn(needs[runtime], packages,
                              f"the example has {runtime} functions; the image installs {packages}")


if __name__ == "__main__":
    unittest.main()
