"""`update`: pull a template release into this project with `copier update`, safely.

Copier needs a clean git work tree to compute what you changed, and it exits 0 even when it
leaves conflicts behind (inline markers or .rej files) or deletes a file changed on the other side
(update_deletions.py). This command refuses to start on a dirty tree and fails, naming every file,
when the update left something to resolve.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

import yaml

from .source import ANSWERS_FILE, copier_executable, project_root
from .update_deletions import committed, modify_delete_conflicts

CONFLICT_MARKERS = (b"<<<<<<< ", b">>>>>>> ")
SKIPPED_DIRS = {".git", ".venv", ".conda", "node_modules"}


class UpdateError(RuntimeError):
    """The update cannot start or left conflicts; the message lists the files and what to do."""


def git_lines(root: Path, *args: str) -> list[str]:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise UpdateError(f"`git {' '.join(args)}` failed in {root}: {result.stderr.strip()} "
                          "(`copier update` needs the project in a git repository).")
    return [line for line in result.stdout.splitlines() if line.strip()]


def uncommitted_changes(root: Path) -> list[str]:
    """Modified, staged and untracked (not ignored) paths, as `git status --porcelain` lists them."""
    return git_lines(root, "status", "--porcelain", "--untracked-files=all")


def conflicted_files(root: Path) -> list[str]:
    """Files holding conflict markers, and .rej files, anywhere in the project."""
    found = set()
    for name in git_lines(root, "ls-files", "--cached", "--others", "--exclude-standard"):
        path = root / name
        if path.is_file() and any(line.startswith(CONFLICT_MARKERS) for line in path.read_bytes().splitlines()):
            found.add(name)
    for path in root.rglob("*.rej"):
        if not SKIPPED_DIRS.intersection(path.relative_to(root).parts):
            found.add(path.relative_to(root).as_posix())
    return sorted(found)


def remove_stale_bytecode(root: Path) -> None:
    """Delete bytecode whose source the update removed, and the folders that leaves empty.

    A module or package the release (or a changed answer) removed would otherwise leave its untracked
    __pycache__ behind, and with it a folder that still imports as a namespace package.
    """
    caches = []
    for folder, subfolders, _ in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in SKIPPED_DIRS]
        caches += [Path(folder, "__pycache__")] if "__pycache__" in subfolders else []
    for cache in caches:
        for compiled in cache.glob("*.pyc"):
            if not (cache.parent / f"{compiled.name.split('.')[0]}.py").exists():
                compiled.unlink()
        folder = cache
        while folder != root and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent


def update_leaving_conflicts(root: Path, vcs_ref: str | None = None, data: Sequence[str] = ()) -> list[str]:
    """Run `copier update`; return the files left to resolve (their conflict markers stay in them)."""
    dirty = uncommitted_changes(root)
    if dirty:
        listing = "\n".join(f"  {line}" for line in dirty)
        raise UpdateError(f"Refusing to update: commit or stash these changes first, so that the update "
                          f"can be reviewed and undone with git:\n{listing}")
    answers_before = committed(root, ANSWERS_FILE)
    if answers_before is None:
        raise UpdateError(f"{ANSWERS_FILE} is not committed: commit the project first (`git add -A && git commit`).")
    copier = copier_executable()
    command = [copier, "update", "--trust", "--defaults", "--conflict", "inline"]
    command += ["--vcs-ref", vcs_ref] if vcs_ref else []
    command += [f"--data={item}" for item in data]
    if subprocess.run(command, cwd=root, check=False).returncode != 0:
        raise UpdateError("copier update failed (see above); nothing was committed, `git status` shows what changed. "
                          f"A 'Validation error for question X' means {ANSWERS_FILE} holds an answer that this "
                          f"release refuses: correct it in {ANSWERS_FILE}, commit, and run the update again.")
    remove_stale_bytecode(root)
    try:
        conflicts = conflicted_files(root) + modify_delete_conflicts(root, copier, yaml.safe_load(answers_before))
    except RuntimeError as error:
        raise UpdateError(f"The update is in the work tree, but {error}") from error
    return conflicts


def main(vcs_ref: str | None = None, data: Sequence[str] = ()) -> list[str]:
    """Run `copier update`; raise UpdateError listing conflicts; return the changed paths."""
    root = project_root()
    conflicts = update_leaving_conflicts(root, vcs_ref, data)
    if conflicts:
        listing = "\n".join(f"  {name}" for name in conflicts)
        raise UpdateError(
            f"The update left {len(conflicts)} file(s) to resolve by hand:\n{listing}\n"
            "Edit each file between the <<<<<<< and >>>>>>> markers (for a .rej file, apply its hunks to the "
            "file beside it and delete it; for a deleted file, keep or restore it as said), then `git add` "
            "and commit. `git diff` shows the whole update."
        )
    changed = uncommitted_changes(root)
    print(f"update     {len(changed)} path(s) changed; review with `git diff`, then commit.")
    return changed
