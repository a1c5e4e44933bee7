"""Prepare a project for `copier update`: move renamed files, release untouched example files.

Copier deletes a file that the new template no longer has, edits included, and files the
user owns (`_skip_if_exists`) are never rewritten. Moving the project's own copy first keeps
the user's content at the path where the new release expects it. An owned file still exactly as an
older release wrote it is removed from the index instead, so copier writes the new release's version
(it recreates a missing `_skip_if_exists` file); after the update, one the new answers no longer render
comes back from git. The moves and the untouched checksums are data: hooks/migrations.yml.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml
from packaging.version import Version

MIGRATIONS_FILE = Path(__file__).resolve().parents[1] / "migrations.yml"


@dataclass(frozen=True)
class Move:
    version: Version
    source: str
    destination: str


def pending_moves(version_from: str, version_to: str, package: str,
                  migrations_file: Path = MIGRATIONS_FILE) -> list[Move]:
    """Moves of releases in (version_from, version_to], oldest release first."""
    start, end = Version(version_from), Version(version_to)
    releases = yaml.safe_load(migrations_file.read_text()).get("releases") or []
    moves = []
    for release in sorted(releases, key=lambda r: Version(str(r["version"]))):
        version = Version(str(release["version"]))
        if start < version <= end:
            moves += [Move(version, m["from"].format(package=package), m["to"].format(package=package))
                      for m in release["moves"]]
    return moves


def package_name(root: Path, answers_file: str = ".copier-answers.yml") -> str:
    """The project's package name, from its answers file."""
    return yaml.safe_load((root / answers_file).read_text())["package_name"]


def is_tracked(root: Path, path: str) -> bool:
    result = subprocess.run(["git", "ls-files", "--error-unmatch", "--", path], cwd=root,
                            capture_output=True, check=False)
    return result.returncode == 0


def apply_move(root: Path, move: Move) -> bool:
    """Move one file (with `git mv` when tracked, so the index sees it); False when skipped."""
    source, destination = root / move.source, root / move.destination
    if not source.exists() or destination.exists():
        return False
    destination.parent.mkdir(parents=True, exist_ok=True)
    if is_tracked(root, move.source):
        subprocess.run(["git", "mv", "--", move.source, move.destination], cwd=root, check=True)
    else:
        source.rename(destination)
    return True


def migrate(root: Path, version_from: str, version_to: str, package: str,
            migrations_file: Path = MIGRATIONS_FILE) -> list[Move]:
    """Apply every pending move under root; return the moves that were made."""
    return [move for move in pending_moves(version_from, version_to, package, migrations_file)
            if apply_move(root, move)]


def untouched_candidates(package: str, migrations_file: Path = MIGRATIONS_FILE) -> dict[str, set[str]]:
    """Owned file path -> sha256 of the copies older releases wrote."""
    entries = yaml.safe_load(migrations_file.read_text()).get("untouched") or []
    return {entry["path"].format(package=package): set(entry["sha256"]) for entry in entries}


def release_untouched(root: Path, package: str, migrations_file: Path = MIGRATIONS_FILE) -> list[str]:
    """Before the update: `git rm` each owned file that nobody edited, so copier writes the new version."""
    released = []
    for path, checksums in untouched_candidates(package, migrations_file).items():
        file = root / path
        if file.is_file() and is_tracked(root, path) and hashlib.sha256(file.read_bytes()).hexdigest() in checksums:
            subprocess.run(["git", "rm", "--quiet", "--", path], cwd=root, check=True)
            released.append(path)
    return released


def restore_unrendered(root: Path, package: str, migrations_file: Path = MIGRATIONS_FILE) -> list[str]:
    """After the update: bring back from git a released file that the new answers did not render."""
    restored = []
    for path, checksums in untouched_candidates(package, migrations_file).items():
        committed = subprocess.run(["git", "show", f"HEAD:{path}"], cwd=root, capture_output=True, check=False)
        if (not (root / path).exists() and committed.returncode == 0
                and hashlib.sha256(committed.stdout).hexdigest() in checksums):
            subprocess.run(["git", "checkout", "HEAD", "--", path], cwd=root, check=True)
            restored.append(path)
    return restored
