"""Model metadata: one JSON file per trained model, enough to reproduce it and report on it.

The fields follow metadata.schema.json beside this file; the tests validate against it.
"""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from ..helpers.files import atomic_write_text, sha256_file

SCHEMA_FILE = Path(__file__).with_name("metadata.schema.json")
KEY_LIBRARIES = ["scikit-learn", "pandas", "numpy", "pyarrow", "skops"]


class MetadataError(RuntimeError):
    """No usable metadata: the message says which file and what to do."""


def new_version() -> str:
    """A sortable, unique model version: the UTC time of training to the microsecond."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def library_versions(extra: Sequence[str] = ()) -> dict[str, str | None]:
    """Installed versions of the libraries that decide how a model behaves (extra: a trainer's own)."""
    versions: dict[str, str | None] = {}
    for name in [*KEY_LIBRARIES, *extra]:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def describe_file(path: Path, root: Path, rows: int | None = None, columns: int | None = None) -> dict[str, Any]:
    """Path (relative to root), size, sha256 and shape of a data or model file."""
    return {
        "path": path.relative_to(root).as_posix(),
        "size_bytes": path.stat().st_size,
        "sha256": sha256_file(path),
        "rows": rows,
        "columns": columns,
    }


def environment(extra_libraries: Sequence[str] = ()) -> dict[str, Any]:
    """Python and library versions and the platform the model was trained on."""
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "libraries": library_versions(extra_libraries),
    }


def write_metadata(metadata: dict[str, Any], metadata_dir: Path) -> Path:
    """Write metadata as models/metadata/<name>-<version>.json, atomically."""
    path = metadata_dir / f"{metadata['model']['name']}-{metadata['model']['version']}.json"
    atomic_write_text(path, json.dumps(metadata, indent=2, sort_keys=False) + "\n")
    return path


def read_metadata(path: Path) -> dict[str, Any]:
    """Read one metadata file, with a clear error when it is missing or malformed."""
    try:
        metadata = json.loads(Path(path).read_text())
        metadata["model"]["sha256"]
        metadata["model"]["path"]
    except FileNotFoundError:
        raise MetadataError(f"Metadata file {path} not found: run `make train` first.") from None
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as error:
        raise MetadataError(f"Metadata file {path} is malformed ({error}): retrain with `make train`.") from None
    return metadata


def latest_metadata(metadata_dir: Path) -> Path:
    """The metadata file of the most recently trained model."""
    candidates = sorted(metadata_dir.glob("*.json"), key=lambda p: p.stem.rsplit("-", 1)[-1])
    if not candidates:
        raise MetadataError(f"No trained model: {metadata_dir} holds no metadata. Run `make train` first.")
    return candidates[-1]


def metadata_for_model(model_path: Path, metadata_dir: Path) -> Path:
    """The metadata file that describes the model file at model_path."""
    path = metadata_dir / f"{Path(model_path).stem}.json"
    if not path.is_file():
        raise MetadataError(f"No metadata for {model_path} (expected {path}); retrain with `make train`.")
    return path
