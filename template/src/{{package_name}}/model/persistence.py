"""Save and load models safely, in the format their trainer declared.

The default format is skops, which rebuilds only allowed types instead of running arbitrary code
the way pickle does. A trainer whose model skops cannot store declares its own ModelFormat as
"module:attribute" (TrainOutput.format); the metadata records it, so evaluate, predict, export
and the API load any model the same way. Whatever the format, models are written atomically and
loading first checks the file's sha256 against the metadata, so a truncated or tampered model
never reaches the format's loader, predict or the API.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Protocol

from ..helpers.files import atomic_write, sha256_file

DEFAULT_FORMAT = "skops"
# Types that skops does not trust by default but that scikit-learn models are made of.
# Add here the types of any estimator you use, after checking where they come from.
TRUSTED_TYPES = [
    "numpy.dtype",
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",  # hist_gradient_boosting
]


class ModelIntegrityError(RuntimeError):
    """The model file is missing, altered or contains types we do not trust."""


class ModelFormat(Protocol):
    """How one kind of model is written to and read from a single file.

    A format may also have register_onnx_converters(): `export` calls it before converting the model
    to ONNX, so a trainer can teach skl2onnx to convert its estimator; and export_files(model, folder,
    features, settings): `export` calls it to write formats of the trainer's own into the bundle
    folder (the Keras plugin's TFLite model), each checked against the model on the hold-out
    features, and records the {name: description} it returns in export.json under "formats".
    """

    suffix: str

    def save(self, model: Any, path: Path) -> None:
        """Write model to path (a temporary file that is then renamed into place)."""

    def load(self, path: Path) -> Any:
        """Read the model at path, whose sha256 has already been checked."""


class SkopsFormat:
    """skops: loads only the types in TRUSTED_TYPES plus skops' own safe defaults."""

    suffix = ".skops"

    def save(self, model: Any, path: Path) -> None:
        import skops.io as sio

        sio.dump(model, path)

    def load(self, path: Path) -> Any:
        import skops.io as sio

        untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]
        if untrusted:
            raise ModelIntegrityError(
                f"Model file {path} contains types that are not trusted: {untrusted}. If you added "
                f"an estimator that needs them, review them and add them to TRUSTED_TYPES in {__name__}."
            )
        return sio.load(path, trusted=TRUSTED_TYPES)


def model_format(name: str) -> ModelFormat:
    """The format called name: "skops", or "module:attribute" of a ModelFormat that a trainer ships."""
    if name == DEFAULT_FORMAT:
        return SkopsFormat()
    module, _, attribute = name.partition(":")
    if not (module and attribute):
        raise ModelIntegrityError(f"Unknown model format {name!r}: use skops or module:attribute of a ModelFormat.")
    try:
        return getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as error:
        raise ModelIntegrityError(
            f"Model format {name} is not available ({error}): install the trainer plugin that made the model."
        ) from error


def save_model(model: Any, path: Path, format_name: str = DEFAULT_FORMAT) -> str:
    """Write model to path atomically in the given format; return its sha256."""
    atomic_write(path, lambda tmp: model_format(format_name).save(model, tmp))
    return sha256_file(path)


def load_model(path: Path, expected_sha256: str, format_name: str = DEFAULT_FORMAT) -> Any:
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
    return model_format(format_name).load(path)
