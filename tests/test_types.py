"""mypy over sitegen/ finds no type error (settings in pyproject.toml's [tool.mypy]): CI fails on one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_type_error_in_sitegen() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy", "sitegen"], cwd=REPO, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, f"mypy sitegen:\n{result.stdout}{result.stderr}"
    assert result.stdout.startswith("Success: no issues found")
