"""`deploy`: export the model bundle, hand it to model/deploy.py to deliver, register it in MLflow.

Delivery (where the files go) is yours, in model/deploy.py. Registration is the framework's: with
tracking.backend mlflow, the bundle also becomes a version in the MLflow model registry
(registry.py; `make deploy ARGS="tracking.backend=none"` skips it for one run). Both are
idempotent, so deploying the same model twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..config import load_params, project_root
from ..model import deploy as delivery
from ..paths import ProjectPaths
from ..model.export_bundle import export_model


def main(model_path: Path | None = None, target: str | None = None, overrides: Sequence[str] = ()) -> str:
    """Deploy the latest (or given) model to deploy.target (or target); return where it went."""
    params = load_params(overrides)
    paths = ProjectPaths(project_root())
    bundle, _ = export_model(paths, model_path, dict(params["export"]))
    destination = str(delivery.deploy(bundle, resolve_target(target or params["deploy"]["target"], paths)))
    print(f"deployed   {destination}")
    if params["tracking"]["backend"] == "mlflow":
        from ..registry import register_bundle

        name, version, created = register_bundle(bundle, params["tracking"], paths.root)
        print(f"registered {name} version {version} in the MLflow model registry"
              + ("" if created else " (already registered)"))
    return destination


def resolve_target(target: str, paths: ProjectPaths) -> str | Path:
    """A URL (s3://bucket/models) as it is; a folder, relative to the project root, as an absolute Path.

    A Path for folders keeps model/deploy.py files written for earlier releases working.
    """
    return target if "://" in target else paths.resolve(target)
