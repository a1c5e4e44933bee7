"""The ONNX part of `export`: convert, check against scikit-learn on the hold-out set, describe.

The description goes into the bundle's export.json under "onnx": status converted (with the
inputs a caller must feed and the parity figures), skipped (skl2onnx cannot convert the model,
as for the baseline DummyClassifier: a note, not a failure, so the stub project still exports)
or disabled (export.onnx is false).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..helpers.files import sha256_file
from ..helpers.tables import read_parquet
from .features import select_features, split_target
from .onnx_export import INPUT_TYPES, MISSING_CATEGORY, OnnxUnsupported, opsets, outputs_of, to_onnx
from .onnx_parity import parity, regression_parity
from .persistence import DEFAULT_FORMAT, model_format
from ..paths import ProjectPaths

ONNX_FILE = "model.onnx"


def export(model: Any, metadata: dict[str, Any], settings: dict[str, Any], folder: Path, paths: ProjectPaths,
           name: str) -> dict[str, Any]:
    """Write folder/model.onnx when enabled and convertible and return its description for export.json."""
    if not settings["onnx"]:
        return {"status": "disabled"}
    specs = [{"name": feature["name"], "type": feature["type"]} for feature in metadata["features"]]
    # A trainer's own model format may teach skl2onnx to convert its model (see model/persistence.py).
    register = getattr(model_format(metadata["model"].get("format", DEFAULT_FORMAT)), "register_onnx_converters", None)
    if register:
        register()
    try:
        onnx_model = to_onnx(model, specs, name)
    except OnnxUnsupported as error:
        return {"status": "skipped", "reason": str(error)}
    test_file = paths.test_file(metadata["data"]["dataset"])
    features = hold_out_features(metadata, paths, "the ONNX parity check needs the hold-out set. Run `make data`, "
                                 "or set export.onnx: false.")
    if hasattr(model, "classes_"):
        checked = parity(onnx_model, model, features, specs, float(settings["parity_tolerance"]))
    else:
        checked = regression_parity(onnx_model, model, features, specs,
                                    float(settings.get("regression_tolerance", 1e-3)))
    (folder / ONNX_FILE).write_bytes(onnx_model)
    return {
        "status": "converted",
        "file": ONNX_FILE,
        "opsets": opsets(onnx_model),
        "inputs": [{"name": spec["name"], "type": INPUT_TYPES[spec["type"]]} for spec in specs],
        "missing_values": {"double": "NaN", "string": MISSING_CATEGORY},
        "outputs": outputs_of(model),
        "classes": [str(label) for label in getattr(model, "classes_", [])],
        "parity": {
            "data": test_file.relative_to(paths.root).as_posix(),
            "data_sha256": sha256_file(test_file),
            **checked,
        },
    }


def hold_out_features(metadata: dict[str, Any], paths: ProjectPaths, remedy: str) -> Any:
    """The hold-out set's feature columns, as the model takes them: what exports are checked on."""
    test_frame = read_parquet(paths.test_file(metadata["data"]["dataset"]), remedy)
    features, _ = split_target(test_frame, metadata["data"]["target"])
    return select_features(features, {feature["name"]: feature["type"] for feature in metadata["features"]})


def describe(onnx: dict[str, Any]) -> str:
    """One line about the ONNX part of a bundle, for the terminal."""
    if onnx["status"] == "disabled":
        return "not exported (export.onnx is false)"
    if onnx["status"] == "skipped":
        return f"skipped: {onnx['reason']}. Set export.onnx: false to silence this note."
    checked = onnx["parity"]
    if "max_value_difference" in checked:
        return (f"{onnx['file']}: values agree with scikit-learn on {checked['rows']} rows of {checked['data']} "
                f"within {checked['max_value_difference']:.2g} (tolerance {checked['tolerance']:g})")
    ties = checked["ties_broken_differently"]
    return (f"{onnx['file']}: {checked['labels_agreeing']}/{checked['rows']} labels agree with scikit-learn on "
            f"{checked['data']}" + (f" ({ties} tied, broken the other way)" if ties else "")
            + f", max probability difference {checked['max_probability_difference']:.2g} "
            f"(tolerance {checked['tolerance']:g})")
