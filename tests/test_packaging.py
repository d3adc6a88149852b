"""The wheel carries the default theme, so an installed sitegen builds a site outside this repository."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_wheel_ships_the_theme_and_builds_a_site_anywhere(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(REPO)],
                   check=True)
    [wheel] = tmp_path.glob("sitegen-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert {"sitegen/_theme/templates/article.html", "sitegen/_theme/static/style.css"} <= names
        assert {"sitegen/locale/sitegen.pot", "sitegen/locale/fr/LC_MESSAGES/sitegen.mo",
                "sitegen/locale/zh/LC_MESSAGES/sitegen.mo"} <= names  # the theme's catalogs, compiled
        archive.extractall(tmp_path / "installed")

    site = tmp_path / "mysite"
    (site / "seeds").mkdir(parents=True)
    (site / "seeds/one.txt").write_text(" date 2024-01-02 Outside the repository\n\nIt works.\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "installed")}
    result = subprocess.run([sys.executable, "-m", "sitegen.cli", "build"], cwd=site, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    page = (site / "public/2024/01/02/outside-the-repository/index.html").read_text(encoding="utf-8")
    assert "<h1>Outside the repository</h1>" in page
    assert (site / "public/static/style.css").is_file()
    (site / "sitegen.yaml").write_text("language: fr\n", encoding="utf-8")  # the catalogs work from the wheel
    result = subprocess.run([sys.executable, "-m", "sitegen.cli", "build"], cwd=site, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    front = (site / "public/index.html").read_text(encoding="utf-8")
    assert "<h1>Dernières nouvelles</h1>" in front and "2 janvier 2024" in front
