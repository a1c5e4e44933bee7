"""File helpers: atomic writes and checksums, so no reader ever sees a half-written file."""

from __future__ import annotations

import hashlib
import os
import tempfile
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


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside target; rename it onto target only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
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
