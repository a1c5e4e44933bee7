"""How predictions are presented: the part of prediction that is yours to change.

present() shapes the output columns from labels and probabilities, whoever computed them: predict()
below with the scikit-learn model, or the API and `make predict` with ONNX Runtime on the checked
ONNX export. Change the output in present(), so both give the same answer.
TODO: add what your users need beside the label (probabilities, explanations, thresholds).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def present(labels: np.ndarray, probabilities: np.ndarray | None, classes: np.ndarray | None) -> dict[str, Any]:
    """Output columns by name, one value per input row."""
    # TODO: post-process the raw predictions here if your use case needs it.
    return {"prediction": labels}


def predict(model: Any, features: pd.DataFrame) -> pd.DataFrame:
    """Predictions for a batch of feature rows, one output row per input row."""
    return pd.DataFrame(present(model.predict(features), None, getattr(model, "classes_", None)),
                        index=features.index)
