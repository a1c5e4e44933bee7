"""The documentation sites build with `mkdocs build --strict`: the template's own and a generated project's.

Strict mode turns every warning into an error, so a broken link, a page missing from the navigation or an
included file that is gone fails here. The template's questions page must list every question of
copier.yml (its table is generated at build time, never written by hand).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.answers import project_questions
from tests.helpers import render
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


# --- a generated project's site ------------------------------------------------------------------------

GENERATED_ANSWERS = {
    "defaults": {},
    "fewest files": {"api": "none", "docker": False, "ci": "none", "use_dvc": False, "tracking": "none",
                     "include_example": False},
}


@pytest.mark.parametrize("answers", GENERATED_ANSWERS.values(), ids=GENERATED_ANSWERS.keys())
def test_generated_project_site_builds(tmp_path, answers):
    """Built with the template's own pinned mkdocs and theme, which the project's `docs` extra allows, so
    the test needs no project environment."""
    root = render(tmp_path / "project", **answers)
    result = mkdocs_build(root, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    pages = sorted(page.stem for page in (root / "docs").glob("*.md"))
    built = sorted(page.parent.name if page.parent != tmp_path / "site" else "index"
                   for page in (tmp_path / "site").glob("**/index.html") if "assets" not in page.parts)
    assert pages == built
    assert ("serving" in pages) == (answers.get("api") != "none")
    assert "Penguin Classifier" in (tmp_path / "site" / "index.html").read_text()
    for text in [(root / "README.md").read_text(), *((root / "docs").glob("*.md"))]:
        text = text if isinstance(text, str) else text.read_text()
        assert not re.search(r"\bseed\b|\bissue \d", text, re.IGNORECASE)  # words a user cannot decode
        assert "{%" not in text and "{{" not in text


def test_generated_makefile_builds_the_site_strictly(tmp_path):
    root = render(tmp_path / "project")
    dry_run = subprocess.run(["make", "-n", "docs"], cwd=root, capture_output=True, text=True, check=True).stdout
    assert "--extra docs" in dry_run and "mkdocs build --strict" in dry_run
    pyproject = (root / "pyproject.toml").read_text()
    assert "docs = [" in pyproject and '"mkdocs>=1.6,<2"' in pyproject
