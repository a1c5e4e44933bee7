"""Which runtime answers predictions: ONNX Runtime on the checked export, or the scikit-learn model.

ONNX Runtime predicts a row in microseconds where scikit-learn spends milliseconds in Python, so the
API and `make predict` use it whenever the export's parity check has passed for this very model.
The bundle in artifacts/ is reused when it verifies (SHA256SUMS, the model's sha256, the export
settings) and built otherwise, by the same code as `make export`. Whatever rules ONNX out (no
converter, export.onnx false, a failed parity check, no hold-out set to check against, a
model/predict.py without present()) leaves the scikit-learn model in charge, with one line saying why.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..helpers.bundle import CHECKSUMS, BundleError, parse_checksums
from ..model import predict as model_output
from ..model.onnx_export import MISSING_CATEGORY, OUTPUTS, REGRESSION_OUTPUTS, onnx_inputs
from ..model.onnx_parity import ParityError
from ..paths import ProjectPaths
from ..model.export_bundle import checked_bundle


@dataclass(frozen=True)
class OnnxPredictor:
    """An ONNX Runtime session of the checked model and the user's present() that shapes its outputs."""

    session: Any
    types: dict[str, str]  # feature name -> numeric | categorical, in the model's input order
    classes: np.ndarray | None  # None: a regressor, whose one output is the predicted value
    present: Callable[[np.ndarray, np.ndarray, np.ndarray], dict[str, Any]]

    def for_records(self, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Output columns for validated request records, fed to the session without pandas."""
        feeds = {}
        for name, kind in self.types.items():
            if kind == "numeric":
                column = np.array([math.nan if r[name] is None else r[name] for r in records], dtype=np.float64)
            else:
                column = np.array([MISSING_CATEGORY if r[name] is None else r[name] for r in records], dtype=object)
            feeds[name] = column.reshape(-1, 1)
        return self.run(feeds)

    def for_frame(self, features: Any) -> dict[str, Any]:
        """Output columns for a feature table (select_features' output), as `make predict` reads it."""
        specs = [{"name": name, "type": kind} for name, kind in self.types.items()]
        return self.run(onnx_inputs(features, specs))

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, Any]:
        """One inference for labels and probabilities together (a regressor: its values), shaped by present()."""
        if self.classes is None:
            values = self.session.run(REGRESSION_OUTPUTS, feeds)[0]
            return self.present(np.asarray(values, dtype=np.float64).ravel(), None, None)
        labels, probabilities = self.session.run(OUTPUTS, feeds)
        # scikit-learn's types: its class labels, float64 probabilities (ONNX Runtime computes them in float32).
        return self.present(labels.astype(self.classes.dtype, copy=False), probabilities.astype(np.float64),
                            self.classes)


def predict_frame(onnx: OnnxPredictor | None, model: Any, features: Any) -> Any:
    """Predictions for a feature table (select_features' output): ONNX Runtime when choose() gave a
    predictor, else the model through model/predict.py; one table, indexed like features."""
    if onnx is None:
        return model_output.predict(model, features)
    import pandas as pd

    return pd.DataFrame(onnx.for_frame(features), index=features.index)


def choose(paths: ProjectPaths, model: Any, metadata: dict[str, Any], settings: dict[str, Any], runtime: str,
           threads: int = 0) -> tuple[OnnxPredictor | None, str]:
    """The ONNX predictor and a line describing it, or None and why scikit-learn predicts.

    settings is the export section of params.yaml; threads is ONNX Runtime's intra-op thread count
    (0: its default, one per core). runtime "onnx" turns every reason to fall back into an error.
    """
    if runtime == "sklearn":
        return None, "scikit-learn (serve.runtime is sklearn)"
    predictor, line = onnx_predictor(paths, model, metadata, settings, threads)
    if predictor is None and runtime == "onnx":
        raise RuntimeError(f"serve.runtime is onnx but ONNX Runtime cannot serve this model: {line}. "
                           "Use serve.runtime=auto to fall back to scikit-learn.")
    return predictor, line if predictor else f"scikit-learn, not ONNX Runtime: {line}"


def onnx_predictor(paths: ProjectPaths, model: Any, metadata: dict[str, Any], settings: dict[str, Any],
                   threads: int) -> tuple[OnnxPredictor | None, str]:
    """(predictor, description) when the checked ONNX model can answer, else (None, the reason)."""
    present = getattr(model_output, "present", None)
    if present is None:
        return None, ("model/predict.py has no present(labels, probabilities, classes) to shape ONNX Runtime's "
                      "outputs (see the example project's model/predict.py)")
    try:
        bundle, record = checked_bundle(paths, model, metadata, settings)
    except (ParityError, BundleError, OSError) as error:
        return None, f"no checked ONNX export ({error})"
    onnx = record["onnx"]
    if onnx["status"] == "disabled":
        return None, "export.onnx is false"
    if onnx["status"] == "skipped":
        return None, onnx["reason"]
    onnx_bytes = (bundle / onnx["file"]).read_bytes()
    if hashlib.sha256(onnx_bytes).hexdigest() != parse_checksums((bundle / CHECKSUMS).read_text()).get(onnx["file"]):
        return None, f"{bundle / onnx['file']} changed after it was verified"
    predictor = OnnxPredictor(session(onnx_bytes, threads), {f["name"]: f["type"] for f in metadata["features"]},
                              np.asarray(model.classes_) if hasattr(model, "classes_") else None, present)
    checked = onnx["parity"]
    return predictor, (f"ONNX Runtime on {(bundle / onnx['file']).relative_to(paths.root)} "
                       f"(parity checked on {checked['rows']} hold-out rows)")


def session(onnx_model: bytes, threads: int) -> Any:
    """A CPU inference session; threads=1 suits a server answering small requests on few cores.

    Idle pool threads sleep instead of spinning: spinning threads compete with the process's own
    reading and writing of chunks and with other work on the machine (twice as slow on 2 shared cores).
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(onnx_model, options, providers=["CPUExecutionProvider"])
