"""Temporary git repositories of the template, tagged like real releases, for update tests."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml

from .helpers import TEMPLATE

CONFLICT = re.compile(rb"^(<<<<<<< |>>>>>>> )", re.MULTILINE)


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed in {cwd}: {result.stderr}")
    return result.stdout.strip()


def working_tree_files(repo: Path = TEMPLATE) -> list[str]:
    """Files of the template as they are now: tracked and untracked, minus ignored ones."""
    return [name for name in git(repo, "ls-files", "--cached", "--others", "--exclude-standard").splitlines()
            if (repo / name).is_file()]


def copy_working_tree(destination: Path, repo: Path = TEMPLATE) -> None:
    for name in working_tree_files(repo):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / name, target)


def commit_and_tag(repo: Path, tag: str | None, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message)
    if tag:
        git(repo, "tag", tag)
    return git(repo, "rev-parse", "HEAD")


def template_repository(destination: Path, tag: str = "v0.1.0") -> Path:
    """A fresh repository holding the template's working tree, committed and tagged."""
    destination.mkdir(parents=True)
    git(destination, "init", "--quiet")
    copy_working_tree(destination)
    commit_and_tag(destination, tag, "template release")
    return destination


def releases(repo: Path = TEMPLATE) -> list[tuple[str, str]]:
    """(tag, commit) of every release, newest first: the vX.Y.Z tags if the clone has tags, otherwise
    the commits that added each `## vX.Y.Z` heading to CHANGELOG.md (tags do not always travel with clones)."""
    tags = [t for t in git(repo, "tag", "--list", "v*", "--sort=-v:refname").splitlines()
            if re.fullmatch(r"v\d+\.\d+\.\d+", t)]
    if tags:
        return [(tag, git(repo, "rev-list", "-n", "1", tag)) for tag in tags]
    headings = re.findall(r"^## (v\d+\.\d+\.\d+)", (repo / "CHANGELOG.md").read_text(), re.MULTILINE)
    assert headings, "CHANGELOG.md names no release"
    return [(heading, git(repo, "log", "--format=%H", f"-S## {heading}", "--", "CHANGELOG.md").splitlines()[-1])
            for heading in headings]


def last_release(repo: Path = TEMPLATE) -> tuple[str, str]:
    return releases(repo)[0]


def first_release(repo: Path = TEMPLATE) -> tuple[str, str]:
    return releases(repo)[-1]


def clone_with_current_state(destination: Path, release: tuple[str, str]) -> tuple[Path, str]:
    """A clone of this repository with release tagged and the working tree (uncommitted work included)
    committed and tagged as the next development version: the path of a user updating to now."""
    subprocess.run(["git", "clone", "--quiet", str(TEMPLATE), str(destination)], check=True)
    tag, commit = release
    git(destination, "tag", "--force", tag, commit)
    copy_working_tree(destination)
    current = next_version(tag)
    commit_and_tag(destination, current, "current state")
    return destination, current


def next_version(tag: str) -> str:
    """The version after tag, as a development release: v0.1.0 -> v0.1.1.dev0."""
    major, minor, patch = map(int, tag.lstrip("v").split("."))
    return f"v{major}.{minor}.{patch + 1}.dev0"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def release_v2(template: Path) -> None:
    """Template v0.2.0: a Makefile change, a new file, and a renamed file with its migration."""
    edit(template / "template" / "Makefile.jinja", "update: $(ENV_STAMP) ##",
         "show-params: $(ENV_STAMP) ## Print params.yaml\n\tcat params.yaml\n\nupdate: $(ENV_STAMP) ##")
    (template / "template" / "docs").mkdir(exist_ok=True)  # the project has a docs site
    (template / "template" / "docs" / "UPGRADING.md").write_text("# Upgrading\n")
    model_dir = template / "template" / "src" / "{{package_name}}" / "model"
    (model_dir / "{% if include_example %}train.py{% endif %}.jinja").rename(
        model_dir / "{% if include_example %}estimator.py{% endif %}.jinja")
    edit(template / "template" / "src" / "{{package_name}}" / "trainers" / "scikit_learn.py",
         "from ..model import train as model_recipe", "from ..model import estimator as model_recipe")
    edit(template / "copier.yml", '  - "src/*/model/train.py"', '  - "src/*/model/estimator.py"')
    edit(template / "hooks" / "migrations.yml", "releases: []", """releases:
  - version: 0.2.0
    moves:
      - from: src/{package}/model/train.py
        to: src/{package}/model/estimator.py""")
    commit_and_tag(template, "v0.2.0", "template release 0.2.0")


def leftover_conflicts(root: Path) -> list[str]:
    """Independent of the project's own scanner: markers in any file, or .rej files."""
    found = []
    for path in root.rglob("*"):
        if not path.is_file() or {".git", ".venv"} & set(path.relative_to(root).parts):
            continue
        if path.suffix == ".rej" or CONFLICT.search(path.read_bytes()):
            found.append(str(path.relative_to(root)))
    return found


def answers(root: Path) -> dict:
    return yaml.safe_load((root / ".copier-answers.yml").read_text())
