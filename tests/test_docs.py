"""The documentation sites build with `mkdocs build --strict`: the template's own and a generated project's.

Strict mode turns every warning into an error, so a broken link, a page missing from the navigation or an
included file that is gone fails here. The template's questions page must list every question of
copier.yml (its table is generated at build time, never written by hand).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.answers import project_questions
from scripts.questions_table import questions_table

TEMPLATE = Path(__file__).resolve().parents[1]
MKDOCS = Path(sys.executable).parent / "mkdocs"
# What the template's site reads: its configuration, pages, hook and the files its pages include.
SITE_SOURCES = ["mkdocs.yml", "docs", "scripts", "copier.yml", "copier", "CHANGELOG.md", "bench/README.md"]


def mkdocs_build(root: Path, site: Path) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` of the site whose mkdocs.yml is in root, run from root as `make docs` does."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([str(MKDOCS), "build", "--strict", "--site-dir", str(site)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def copy_site_sources(destination: Path) -> Path:
    for name in SITE_SOURCES:
        source, target = TEMPLATE / name, destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    return destination


def test_template_site_builds_and_lists_every_question(tmp_path):
    result = mkdocs_build(TEMPLATE, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "site" / "questions" / "index.html").read_text()
    assert "questions-table" not in page  # the marker was replaced by the table
    questions = project_questions()
    assert len(questions) > 10
    for name in questions:
        assert f"<td><code>{name}</code></td>" in page, f"{name} missing from the questions page"
    # The benchmark figures and the changelog come from their own files, not copies.
    assert "Last results" in (tmp_path / "site" / "benchmarks" / "index.html").read_text()
    assert "Upgrade notes" in (tmp_path / "site" / "changelog" / "index.html").read_text()


def test_questions_table_has_one_row_per_question():
    rows = [line for line in questions_table().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == list(project_questions())


@pytest.mark.parametrize("damage", ["broken link", "page outside the navigation"])
def test_template_site_refuses_damage(tmp_path, damage):
    root = copy_site_sources(tmp_path / "template")
    if damage == "broken link":
        page = root / "docs" / "getting-started.md"
        page.write_text(page.read_text() + "\nSee [the missing page](missing.md).\n")
    else:
        (root / "docs" / "orphan.md").write_text("# Orphan\n")
    result = mkdocs_build(root, tmp_path / "site")
    assert result.returncode != 0
    assert ("missing.md" if damage == "broken link" else "orphan.md") in result.stderr
