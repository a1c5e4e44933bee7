"""Register deployed bundles in the MLflow model registry (projects with tracking.backend mlflow).

This is framework, not model/deploy.py: it depends on the tracking backend and store chosen in
params.yaml, resolves the store as tracking.MlflowTracker does, and must keep receiving template
fixes, which the user-owned delivery module never does. Each model (metadata model name, e.g.
penguins-random_forest) is a registered model and each trained version one model version,
tagged with the model's version and sha256 and pointing at a copy of the bundle logged as the
artifacts of a "deploy" run. Registering the same model again finds it by its sha256 tag and
creates nothing. The alias `deployed` follows the version deployed last, so serving code can
load models:/<name>@deployed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ALIAS = "deployed"


def tracking_uri(settings: Mapping[str, Any], root: Path) -> str:
    """MLFLOW_TRACKING_URI or tracking.mlflow_uri, a relative SQLite path taken from the project root
    rather than the current directory. Shared by training (tracking.py) and registration."""
    uri = os.environ.get("MLFLOW_TRACKING_URI") or settings["mlflow_uri"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        uri = f"sqlite:///{root / uri.removeprefix('sqlite:///')}"
    return uri


@contextmanager
def store_lock(uri: str) -> Iterator[None]:
    """For a SQLite store, one process at a time: two creating the database (its tables are made by
    migrations on first use), the same experiment or the same model version at once would otherwise
    fail or make two."""
    if not uri.startswith("sqlite:///"):
        yield
        return
    from .helpers.locks import path_lock

    with path_lock(uri.removeprefix("sqlite:///").split("?")[0]):
        yield


def register_bundle(bundle: Path, settings: Mapping[str, Any], root: Path) -> tuple[str, str, bool]:
    """Register bundle unless its model is registered already; return (name, version, created)."""
    from mlflow import MlflowClient

    metadata = json.loads((bundle / "metadata.json").read_text())
    name, sha256 = metadata["model"]["name"], metadata["model"]["sha256"]
    uri = tracking_uri(settings, root)
    with store_lock(uri):  # two deploys at once register one version
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        found = client.search_model_versions(f"name = '{name}' and tags.sha256 = '{sha256}'")
        if found:
            version, created = found[0].version, False
        else:
            version, created = create_version(client, bundle, metadata, settings["experiment"], root), True
        client.set_registered_model_alias(name, ALIAS, version)
    return name, str(version), created


def create_version(client: Any, bundle: Path, metadata: dict[str, Any], experiment: str, root: Path) -> str:
    """Log bundle as the artifacts of a deploy run and register them as a new version."""
    model = metadata["model"]
    tags = {"model_version": model["version"], "sha256": model["sha256"], "bundle": bundle.name,
            "training_run_id": metadata["tracking"]["run_id"] or ""}
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else client.create_experiment(
        experiment, artifact_location=(root / "mlruns").as_uri())
    run = client.create_run(experiment_id, run_name=f"deploy {bundle.name}", tags=tags)
    try:
        client.log_artifacts(run.info.run_id, str(bundle), artifact_path="bundle")
        if not client.search_registered_models(f"name = '{model['name']}'"):
            client.create_registered_model(model["name"], description="Versions deployed with `make deploy`.")
        version = client.create_model_version(
            model["name"], source=f"{run.info.artifact_uri}/bundle", run_id=run.info.run_id, tags=tags,
            description=model.get("description"),
        ).version
    except BaseException:
        client.set_terminated(run.info.run_id, status="FAILED")
        raise
    client.set_terminated(run.info.run_id)
    return version
