"""`deploy`: export the model bundle and hand it to model/deploy.py to deliver."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..config import load_params, project_root
from ..model import deploy as delivery
from ..paths import ProjectPaths
from . import export


def main(model_path: Path | None = None, target: str | None = None, overrides: Sequence[str] = ()) -> Path:
    """Deploy the latest (or given) model to deploy.target (or target)."""
    params = load_params(overrides)
    paths = ProjectPaths(project_root())
    bundle = export.main(model_path)
    destination = delivery.deploy(bundle, paths.resolve(target or params["deploy"]["target"]))
    print(f"deployed   {destination}")
    return destination
