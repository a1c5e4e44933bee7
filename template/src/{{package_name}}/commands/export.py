"""`export`: package a trained model as a portable bundle in artifacts/.

The bundle holds the model file, its metadata and a SHA256SUMS file, everything a serving
platform needs to load and verify it. Exporting the same model again rewrites nothing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..config import project_root
from ..helpers.files import atomic_write_text, sha256_file
from ..paths import ProjectPaths
from .loading import load_trained


def main(model_path: Path | None = None) -> Path:
    """Write artifacts/<model name>-<version>/ for the latest (or given) model."""
    paths = ProjectPaths(project_root())
    _, metadata = load_trained(paths, model_path)
    model_file = paths.resolve(metadata["model"]["path"])
    bundle = paths.artifacts / model_file.stem
    if not (bundle / "SHA256SUMS").is_file():
        partial = paths.artifacts / f".{bundle.name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        shutil.copy2(model_file, partial / model_file.name)
        atomic_write_text(partial / "metadata.json", json.dumps(metadata, indent=2) + "\n")
        sums = "".join(f"{sha256_file(p)}  {p.name}\n" for p in sorted(partial.iterdir()))
        atomic_write_text(partial / "SHA256SUMS", sums)
        shutil.rmtree(bundle, ignore_errors=True)
        partial.rename(bundle)
    print(f"bundle     {bundle.relative_to(paths.root)}")
    return bundle
