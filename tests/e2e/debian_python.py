"""Some e2e tests need Debian's Python packages (python3-boto3, python3-websockets). When the
Python running them lacks one (a pyenv or venv interpreter first on PATH), the test re-runs
itself under /usr/bin/python3, which has them (scripts/install-test-deps.sh installs them)."""

from __future__ import annotations

import importlib.util
import os
import sys


def require(*modules: str) -> None:
    """Re-executes the running test under /usr/bin/python3 if any of `modules` is missing;
    raises ImportError if that Python lacks them too."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if not missing:
        return
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise ImportError(f"missing Python modules: {', '.join(missing)} "
                      "(apt-get install python3-boto3 python3-websockets)")
