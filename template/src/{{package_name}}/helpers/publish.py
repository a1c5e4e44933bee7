"""Copy a model bundle to a folder or an fsspec URL (s3://, gs://...) so readers see all of it or nothing.

The files are uploaded under a temporary name first and checked against SHA256SUMS there, so a
failed or interrupted upload never leaves a half bundle under the final name. Then they are
moved into place: one rename on a local disk; file by file on object stores, which cannot rename
folders, with SHA256SUMS last so that a bundle without it is known to be unfinished. A bundle
already deployed is verified and left as it is: deploying a version twice copies nothing.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fsspec import AbstractFileSystem
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from .bundle import CHECKSUMS, BundleError, checksum_problems
from .files import remove_stale_temporaries
from .locks import path_lock


def publish_bundle(bundle: Path, target: str) -> str:
    """Copy bundle into target/<bundle name> unless it is there already; return where it is."""
    fs, root = url_to_fs(target)
    root = root.rstrip("/")
    with local_lock(fs, root, bundle):
        return publish_unlocked(fs, root, bundle, target)


@contextmanager
def local_lock(fs: AbstractFileSystem, root: str, bundle: Path) -> Iterator[None]:
    """For a local or mounted folder, one deploy of a bundle at a time (a second one waits, then finds it
    deployed), and leftovers of killed deploys removed. Object stores offer no lock: there, two deploys of
    one bundle at once both upload, and the checks still refuse a damaged copy."""
    if not isinstance(fs, LocalFileSystem):
        yield
        return
    with path_lock(f"{root}/{bundle.name}"):
        if fs.isdir(root):
            remove_stale_temporaries(Path(root), f".{bundle.name}.partial-*")
        yield


def publish_unlocked(fs: AbstractFileSystem, root: str, bundle: Path, target: str) -> str:
    """publish_bundle without the lock."""
    destination, shown = f"{root}/{bundle.name}", f"{target.rstrip('/')}/{bundle.name}"
    if fs.isfile(f"{destination}/{CHECKSUMS}"):
        check_deployed(fs, destination, bundle, shown)
        print(f"unchanged  {shown} is already deployed and verifies")
        return shown
    staging = f"{root}/.{bundle.name}.partial-{os.getpid()}-{uuid.uuid4().hex}"
    try:
        fs.makedirs(staging, exist_ok=True)
        for file in sorted(bundle.iterdir()):
            fs.put_file(str(file), f"{staging}/{file.name}")
        problems = checksum_problems(fs, staging)
        if problems:
            raise BundleError(f"The copy of {bundle.name} in {target} is damaged ({'; '.join(problems)}); "
                              "nothing was deployed. Try again.")
        if fs.exists(destination):  # what an interrupted move left: no SHA256SUMS, so never complete
            fs.rm(destination, recursive=True)
        move_into_place(fs, staging, destination, sorted(p.name for p in bundle.iterdir()))
    finally:
        if fs.exists(staging):
            fs.rm(staging, recursive=True)
    return shown


def check_deployed(fs: AbstractFileSystem, destination: str, bundle: Path, shown: str) -> None:
    """Refuse a deployed copy that no longer verifies or that holds other files than bundle."""
    problems = checksum_problems(fs, destination)
    if problems:
        raise BundleError(f"{shown} is deployed but does not verify ({'; '.join(problems)}). "
                          "Find out who changed it, then remove it and deploy again.")
    if fs.cat_file(f"{destination}/{CHECKSUMS}").decode() != (bundle / CHECKSUMS).read_text():
        raise BundleError(f"{shown} holds another bundle of the same model version (exported with other "
                          "export settings?). Deployed versions are never overwritten: remove it to deploy again.")


def move_into_place(fs: AbstractFileSystem, staging: str, destination: str, names: list[str]) -> None:
    """Rename staging to destination in one step where the filesystem can, else file by file, SHA256SUMS last."""
    if isinstance(fs, LocalFileSystem):
        fs.mv(staging, destination, recursive=True)
        return
    for name in sorted(names, key=lambda n: n == CHECKSUMS):
        fs.mv(f"{staging}/{name}", f"{destination}/{name}")
