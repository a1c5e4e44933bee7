"""`export`: package a trained model as a portable, verifiable bundle in artifacts/.

artifacts/<model name>-<version>/ holds the model file, metadata.json, model.onnx (when
export.onnx is true and skl2onnx can convert the model), export.json (what was exported and how
ONNX Runtime compared with scikit-learn) and SHA256SUMS. It is assembled under a temporary name
and renamed into place only when everything, the parity check included, succeeded, so a failed
export leaves no bundle behind. Exporting the same model with the same settings again rewrites
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..config import load_params, project_root
from ..model.export_bundle import export_model
from ..paths import ProjectPaths


def main(model_path: Path | None = None, overrides: Sequence[str] = ()) -> Path:
    """Write artifacts/<model name>-<version>/ for the latest (or given) model; return its folder."""
    settings = dict(load_params(overrides)["export"])
    paths = ProjectPaths(project_root())
    bundle, _ = export_model(paths, model_path, settings)
    return bundle
