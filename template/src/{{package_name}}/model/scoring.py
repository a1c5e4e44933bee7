"""Metrics, by the names scikit-learn's scorers use, so params.yaml can list any of them."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.metrics import get_scorer


def score(model: Any, features: pd.DataFrame, target: pd.Series, metrics: list[str]) -> dict[str, float]:
    """Score a fitted model on one data set with each named metric."""
    results = {}
    for name in metrics:
        try:
            scorer = get_scorer(name)
        except ValueError:
            raise ValueError(
                f"Unknown metric {name!r} in evaluate.metrics; use scikit-learn scorer names "
                "such as accuracy, f1_macro, balanced_accuracy."
            ) from None
        results[name] = float(scorer(model, features, target))
    return results
