"""Locks that let one process at a time work on a path (a bundle, a deploy target, the MLflow store).

The lock files live in the system's temporary folder, named after the path, so project folders and
deploy targets hold only their own files. The operating system releases a lock when its process
ends, however it ends (SIGKILL included), so a lock is never stale.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from filelock import FileLock


def path_lock(path: Path | str) -> FileLock:
    """The lock of path (the same for every process on this machine that names the same path)."""
    key = hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:24]
    return FileLock(Path(tempfile.gettempdir()) / f"{__name__.split('.')[0]}-{key}.lock")
