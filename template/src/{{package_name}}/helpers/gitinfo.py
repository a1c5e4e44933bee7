"""Git state for model metadata. Outside a repository, or before the first commit, it is None."""

from __future__ import annotations

import subprocess
from pathlib import Path


def _git(root: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=False
        )
    except OSError:  # git not installed
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def git_state(root: Path) -> dict[str, object]:
    """Return {"commit": sha or None, "dirty": bool or None} for the repository at root."""
    commit = _git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    status = _git(root, "status", "--porcelain") if commit else None
    return {"commit": commit, "dirty": None if status is None else bool(status)}
