"""Start a git repository for a new project, which `copier update` and model metadata rely on."""

from __future__ import annotations

import subprocess
from pathlib import Path


def inside_git_work_tree(path: Path) -> bool:
    """True when path already belongs to a git work tree (a monorepo, say): leave it alone then."""
    result = subprocess.run(
        ["git", "rev-parse", "--is-inside-work-tree"],
        cwd=path, capture_output=True, text=True, check=False,
    )
    return result.returncode == 0 and result.stdout.strip() == "true"


def init_repository(path: Path) -> bool:
    """Run `git init` in path unless it is inside a work tree; return whether a repo was created."""
    if inside_git_work_tree(path):
        return False
    subprocess.run(["git", "init", "--quiet", str(path)], check=True)
    return True
