"""The bundle of a trained model in artifacts/: assembled under a temporary name, checked (ONNX parity
included) and renamed into place only when everything succeeded, so a failed export leaves no bundle
behind; an existing bundle of the same model and settings that still verifies is reused as it is."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from fsspec.implementations.local import LocalFileSystem

from ..helpers.bundle import BundleError, checksum_problems, write_checksums
from ..helpers.files import remove_stale_temporaries, replace_folder, sha256_file
from ..helpers.locks import path_lock
from ..paths import ProjectPaths
from . import export_onnx
from .loading import load_trained
from .persistence import DEFAULT_FORMAT, model_format

RECORD = "export.json"


def export_model(paths: ProjectPaths, model_path: Path | None, settings: dict[str, Any]) -> tuple[Path, dict[str, Any]]:
    """The checked bundle of the latest (or given) model and its export.json, as `export` and `deploy` make it."""
    model, metadata = load_trained(paths, model_path)
    bundle, record = checked_bundle(paths, model, metadata, settings)
    print(f"onnx       {export_onnx.describe(record['onnx'])}")
    for name, described in record.get("formats", {}).items():
        print(f"{name:<10} {described['summary']}")
    print(f"bundle     {bundle.relative_to(paths.root)}")
    return bundle, record


def checked_bundle(paths: ProjectPaths, model: Any, metadata: dict[str, Any],
                   settings: dict[str, Any]) -> tuple[Path, dict[str, Any]]:
    """The bundle folder of a loaded model and its export.json: reused when it verifies, else (re)built."""
    model_file = paths.resolve(metadata["model"]["path"])
    bundle = paths.artifacts / model_file.stem
    with path_lock(bundle):  # one export of a bundle at a time: a second one waits, then finds it made
        remove_stale_temporaries(paths.artifacts, f".{bundle.name}.*-*")
        record = existing_record(bundle, settings, metadata["model"]["sha256"])
        if record is None:
            print(f"export     writing {bundle.relative_to(paths.root)} "
                  "(no verifying bundle of this model and settings)")
            record = build(bundle, model, metadata, model_file, settings, paths)
    return bundle, record


def existing_record(bundle: Path, settings: dict[str, Any], model_sha256: str) -> dict[str, Any] | None:
    """export.json of a bundle of this model, made with these settings, that still verifies; else None (rebuild)."""
    if not (bundle / RECORD).is_file() or checksum_problems(LocalFileSystem(), str(bundle)):
        return None
    record = json.loads((bundle / RECORD).read_text())
    same = record.get("settings") == settings and record.get("model", {}).get("sha256") == model_sha256
    return record if same else None


def build(bundle: Path, model: Any, metadata: dict[str, Any], model_file: Path, settings: dict[str, Any],
          paths: ProjectPaths) -> dict[str, Any]:
    """Assemble the bundle in a private folder beside it (no need for atomic writes there), then move it into place."""
    staging = paths.artifacts / f".{bundle.name}.partial-{os.getpid()}-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        shutil.copyfile(model_file, staging / model_file.name)
        if sha256_file(staging / model_file.name) != metadata["model"]["sha256"]:
            raise BundleError(f"{model_file} changed while it was being exported; export again.")
        (staging / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
        record = {
            "model": {key: metadata["model"][key] for key in ("name", "version", "sha256")},
            "files": {"model": model_file.name, "metadata": "metadata.json"},
            "settings": settings,
            "onnx": export_onnx.export(model, metadata, settings, staging, paths, bundle.name),
        }
        own_formats = getattr(model_format(metadata["model"].get("format", DEFAULT_FORMAT)), "export_files", None)
        if own_formats:  # a trainer's own formats (the Keras plugin's TFLite), checked on the hold-out set
            features = export_onnx.hold_out_features(metadata, paths, "exports are checked on the hold-out set: "
                                                     "run `make data`.")
            record["formats"] = own_formats(model, staging, features, settings)
        (staging / RECORD).write_text(json.dumps(record, indent=2) + "\n")
        write_checksums(staging)
        replace_folder(staging, bundle)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return record
