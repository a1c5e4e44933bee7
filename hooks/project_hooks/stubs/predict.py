"""How predictions are presented: the part of prediction that is yours to change.

TODO: add what your users need beside the label (probabilities, explanations, thresholds).
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def predict(model: Any, features: pd.DataFrame) -> pd.DataFrame:
    """Predictions for a batch of feature rows, one output row per input row."""
    # TODO: post-process the raw predictions here if your use case needs it.
    return pd.DataFrame({"prediction": model.predict(features)}, index=features.index)
