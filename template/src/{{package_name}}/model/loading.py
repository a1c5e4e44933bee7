"""Find and load a trained model together with its metadata, verified by checksum."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .metadata import latest_metadata, metadata_for_model, read_metadata
from .persistence import DEFAULT_FORMAT, load_model
from ..paths import ProjectPaths


def load_trained(paths: ProjectPaths, model_path: Path | None = None) -> tuple[Any, dict[str, Any]]:
    """The latest model (or the one at model_path) and its metadata."""
    metadata_path = (
        metadata_for_model(model_path, paths.metadata) if model_path else latest_metadata(paths.metadata)
    )
    metadata = read_metadata(metadata_path)
    model = load_model(paths.resolve(metadata["model"]["path"]), metadata["model"]["sha256"],
                       metadata["model"].get("format", DEFAULT_FORMAT))
    return model, metadata
