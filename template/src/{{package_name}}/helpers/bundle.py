"""Model bundles: a flat folder of files plus SHA256SUMS, verifiable wherever it is copied.

The checks take an fsspec filesystem, so the same code verifies the bundle in artifacts/ and
a deployed copy in a bucket. A bundle counts as complete only when SHA256SUMS is there and every
file matches it: SHA256SUMS is always the last file written.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from fsspec import AbstractFileSystem

from .files import sha256_file, sha256_stream

CHECKSUMS = "SHA256SUMS"


class BundleError(RuntimeError):
    """A bundle that is incomplete, altered or in the way; the message says which files and what to do."""


def write_checksums(folder: Path) -> None:
    """Write folder/SHA256SUMS (`sha256sum -c` format) for every other file in folder.

    folder is a bundle being assembled under a temporary name, so a plain write is enough.
    """
    files = sorted(p for p in folder.iterdir() if p.name != CHECKSUMS)
    (folder / CHECKSUMS).write_text("".join(f"{sha256_file(p)}  {p.name}\n" for p in files))


def parse_checksums(text: str) -> dict[str, str]:
    """{file name: sha256} from the text of a SHA256SUMS file."""
    return {name: digest for digest, _, name in (line.partition("  ") for line in text.splitlines() if line)}


def fs_sha256(fs: AbstractFileSystem, path: str) -> str:
    """Hex sha256 of a file on any filesystem."""
    with fs.open(path, "rb") as handle:
        return sha256_stream(handle)


def checksum_problems(fs: AbstractFileSystem, folder: str) -> list[str]:
    """What is wrong with the bundle at folder: missing, unlisted or altered files (empty when it verifies)."""
    sums_path = f"{folder}/{CHECKSUMS}"
    if not fs.isfile(sums_path):
        return [f"{CHECKSUMS} is missing"]
    listed = parse_checksums(fs.cat_file(sums_path).decode())
    present = {PurePosixPath(path).name for path in fs.ls(folder, detail=False)} - {CHECKSUMS}
    problems = [f"{name} is missing" for name in sorted(set(listed) - present)]
    problems += [f"{name} is not listed in {CHECKSUMS}" for name in sorted(present - set(listed))]
    problems += [
        f"{name} does not match its sha256" for name in sorted(set(listed) & present)
        if fs_sha256(fs, f"{folder}/{name}") != listed[name]
    ]
    return problems
