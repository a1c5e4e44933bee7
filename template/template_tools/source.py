"""Where this project came from: its folder, the template source and version recorded in .copier-answers.yml,
and the copier to run. One reading for `update`, `check-update`, `update-pr` and `generate`."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml

ANSWERS_FILE = ".copier-answers.yml"
COPIER_INSTALL = "pipx install copier==9.19.1"


def project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above start (the current one) that holds .copier-answers.yml."""
    start = (start or Path.cwd()).resolve()
    return next((folder for folder in (start, *start.parents) if (folder / ANSWERS_FILE).is_file()), start)


def template_origin(root: Path) -> tuple[str, str | None]:
    """The template's source (_src_path) and the version the project was last rendered from (_commit)."""
    path = root / ANSWERS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{ANSWERS_FILE} not found: restore it with `git checkout -- {ANSWERS_FILE}` "
                                "(copier needs it to know the template).")
    answers = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    source = answers.get("_src_path") if isinstance(answers, dict) else None
    if not source:
        raise ValueError(f"{ANSWERS_FILE} records no _src_path: restore it with `git checkout -- {ANSWERS_FILE}`.")
    commit = answers.get("_commit")
    return str(source), str(commit) if commit else None


def copier_executable() -> str:
    """copier on PATH, or the one COPIER names; a clear error when there is none."""
    copier = shutil.which(os.environ.get("COPIER") or "copier")
    if copier is None:
        raise FileNotFoundError(f"copier not found: install it ({COPIER_INSTALL}) or set COPIER=/path/to/copier.")
    return copier
