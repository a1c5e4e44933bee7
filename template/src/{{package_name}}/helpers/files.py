"""File helpers: atomic writes and checksums, so no reader ever sees a half-written file."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator


def default_file_mode() -> int:
    """The mode a normally created file gets (0o666 less the umask); mkstemp's 0o600 would hide
    models and data from other users, such as the non-root user of the API image."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


# Temporary names carry the writer's process id (`.model.skops.1234.x8f2k1ab.tmp`, `.name.partial-1234-<hex>`),
# so leftovers of a killed process can be told from the files of a run still going on.
OWNER_PID = re.compile(r"^\..*[.-](\d+)[.-][0-9a-z_]+(\.tmp)?$")


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (on this machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_temporaries(folder: Path, pattern: str) -> list[Path]:
    """Delete the temporary files or folders matching pattern in folder whose writer process is gone.

    A killed (SIGKILL, power cut) write leaves them behind; they never take a final name, and
    removing them on the next write keeps folders (and DVC's cache of models/) free of them.
    """
    removed = []
    for path in Path(folder).glob(pattern):
        owner = OWNER_PID.match(path.name)
        if owner is None or int(owner.group(1)) == os.getpid() or process_alive(int(owner.group(1))):
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside target; rename it onto target only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target.parent, ".*.tmp")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write(target: Path, write: Callable[[Path], object]) -> Path:
    """Call write(tmp_path) and move the result onto target atomically."""
    with atomic_path(target) as tmp:
        write(tmp)
    return Path(target)


def atomic_write_text(target: Path, text: str) -> Path:
    """Write text to target atomically."""
    return atomic_write(target, lambda tmp: tmp.write_text(text))


def sha256_stream(handle: BinaryIO, chunk_size: int = 1 << 20) -> str:
    """Hex sha256 of an open binary file, read in chunks so large models and data do not fill memory."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(chunk_size), b""):
        digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    """Hex sha256 of a local file."""
    with open(path, "rb") as handle:
        return sha256_stream(handle)


def replace_folder(source: Path, destination: Path) -> None:
    """Move source onto destination, replacing an older destination with two renames, never a half folder."""
    if not destination.exists():
        source.rename(destination)
        return
    retired = destination.with_name(f".{destination.name}.old-{os.getpid()}-{uuid.uuid4().hex}")
    destination.rename(retired)
    source.rename(destination)
    shutil.rmtree(retired, ignore_errors=True)
