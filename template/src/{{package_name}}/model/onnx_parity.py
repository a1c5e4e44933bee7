"""Check that ONNX Runtime predicts like the scikit-learn model it was converted from.

A converted model can differ silently (float precision, an unsupported option, missing values
encoded differently), so export compares both on the hold-out set before an ONNX file is shipped:
every predicted label must agree (ties aside) and no class probability may differ by more than
export.parity_tolerance; a regressor's values may differ by at most export.regression_tolerance
(absolute: ONNX Runtime's trees sum in float32).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .onnx_export import OUTPUTS, REGRESSION_OUTPUTS, onnx_inputs


class ParityError(RuntimeError):
    """ONNX Runtime and scikit-learn disagree beyond the tolerance; the message has the figures."""


def run_onnx(onnx_model: bytes, inputs: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Labels and class probabilities from ONNX Runtime on the CPU."""
    import onnxruntime

    session = onnxruntime.InferenceSession(onnx_model, providers=["CPUExecutionProvider"])
    labels, probabilities = session.run(OUTPUTS, inputs)
    return labels, probabilities


def regression_parity(onnx_model: bytes, model: Any, features: pd.DataFrame, feature_specs: list[dict[str, str]],
                      tolerance: float) -> dict[str, Any]:
    """Compare a regressor's values from ONNX Runtime and scikit-learn; return the figures, or raise ParityError."""
    import onnxruntime

    session = onnxruntime.InferenceSession(onnx_model, providers=["CPUExecutionProvider"])
    values = np.asarray(session.run(REGRESSION_OUTPUTS, onnx_inputs(features, feature_specs))[0], dtype=np.float64)
    difference = float(np.abs(values.ravel() - np.asarray(model.predict(features), dtype=np.float64)).max())
    if not difference <= tolerance:
        raise ParityError(
            f"ONNX Runtime does not predict like scikit-learn: predicted values differ by up to {difference:.3g} "
            f"(export.regression_tolerance is {tolerance:g}). Nothing was exported. Raise the tolerance if the "
            "difference is acceptable, or export without ONNX: export.onnx: false in params.yaml."
        )
    return {
        "rows": len(features),
        "rows_with_missing_values": int(features.isna().any(axis=1).sum()),
        "max_value_difference": difference,
        "tolerance": tolerance,
    }


def parity(onnx_model: bytes, model: Any, features: pd.DataFrame, feature_specs: list[dict[str, str]],
           tolerance: float) -> dict[str, Any]:
    """Compare ONNX Runtime with model on features; return the figures, or raise ParityError.

    A label may differ only on a tie: where scikit-learn gives the ONNX label a probability within
    tolerance of its top one (0.5 against 0.5 when half the trees vote each way), float32 rounding
    decides which label wins, and neither is wrong.
    """
    labels, probabilities = run_onnx(onnx_model, onnx_inputs(features, feature_specs))
    native = model.predict_proba(features)
    differing = labels.astype(str) != np.asarray(model.predict(features)).astype(str)
    column = {str(label): index for index, label in enumerate(model.classes_)}
    onnx_choice = native[np.arange(len(features)), [column[str(label)] for label in labels]]
    ties = differing & (native.max(axis=1) - onnx_choice <= tolerance)
    difference = float(np.abs(probabilities - native).max())
    record = {
        "rows": len(features),
        "rows_with_missing_values": int(features.isna().any(axis=1).sum()),
        "labels_agreeing": int((~differing).sum()),
        "label_agreement": float((~differing).mean()),
        "ties_broken_differently": int(ties.sum()),
        "max_probability_difference": difference,
        "tolerance": tolerance,
    }
    mismatches = int((differing & ~ties).sum())
    if mismatches or not difference <= tolerance:
        raise ParityError(
            f"ONNX Runtime does not predict like scikit-learn: {mismatches} of {len(features)} labels differ "
            f"(ties aside) and class probabilities differ by up to {difference:.3g} (export.parity_tolerance "
            f"is {tolerance:g}). Nothing was exported. Fix the conversion, raise the tolerance if the difference is "
            "acceptable, or export without ONNX: export.onnx: false in params.yaml (for one run: "
            "PARAMS_OVERRIDES=export.onnx=false make export)."
        )
    return record
