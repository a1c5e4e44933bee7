"""Save and load models safely.

Models are stored with skops, which rebuilds only allowed types instead of running arbitrary
code the way pickle does, and are written atomically. Loading first checks the file's sha256
against the metadata, so a truncated or tampered model never reaches predict or the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import skops.io as sio

from ..helpers.files import atomic_write, sha256_file

MODEL_SUFFIX = ".skops"
# Types that skops does not trust by default but that scikit-learn models are made of.
# Add here the types of any estimator you use, after checking where they come from.
TRUSTED_TYPES = [
    "numpy.dtype",
    "sklearn.tree._tree.Tree",
]


class ModelIntegrityError(RuntimeError):
    """The model file is missing, altered or contains types we do not trust."""


def save_model(model: Any, path: Path) -> str:
    """Write model to path atomically; return its sha256."""
    atomic_write(path, lambda tmp: sio.dump(model, tmp))
    return sha256_file(path)


def load_model(path: Path, expected_sha256: str) -> Any:
    """Load the model at path after verifying it against the sha256 in its metadata."""
    path = Path(path)
    if not path.is_file():
        raise ModelIntegrityError(f"Model file {path} not found: run `make train` first.")
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise ModelIntegrityError(
            f"Model file {path} does not match its metadata (sha256 {actual[:12]}... != "
            f"{expected_sha256[:12]}...): it was modified or corrupted. Retrain with `make train`."
        )
    untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]
    if untrusted:
        raise ModelIntegrityError(
            f"Model file {path} contains types that are not trusted: {untrusted}. If you added "
            f"an estimator that needs them, review them and add them to TRUSTED_TYPES in {__name__}."
        )
    return sio.load(path, trusted=TRUSTED_TYPES)
