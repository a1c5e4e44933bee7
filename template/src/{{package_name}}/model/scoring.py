"""Metrics, by the names scikit-learn's scorers use, so params.yaml can list any of them."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.metrics import get_scorer
from sklearn.model_selection import cross_validate as sklearn_cross_validate

from ..config import ConfigError


def scorer(name: str, key: str) -> Any:
    """The scikit-learn scorer called name; a ConfigError naming the params key (e.g. tuning.metric) if none."""
    try:
        return get_scorer(name)
    except ValueError:
        raise ConfigError(
            f"{key}: unknown scorer {name!r}; use a scikit-learn scorer name such as accuracy or f1_macro."
        ) from None


def score(model: Any, features: pd.DataFrame, target: pd.Series, metrics: list[str]) -> dict[str, float]:
    """Score a fitted model on one data set with each metric named in evaluate.metrics."""
    return {name: float(scorer(name, "evaluate.metrics")(model, features, target)) for name in metrics}


def cross_validate(model: Any, features: pd.DataFrame, target: pd.Series, metrics: list[str],
                   folds: int) -> dict[str, float]:
    """Mean k-fold score per metric on the training set (skipped when folds < 2).

    One fit per fold scores every metric, instead of one fit per fold and metric.
    """
    if folds < 2:
        return {}
    scores = sklearn_cross_validate(model, features, target, cv=folds, scoring=list(metrics))
    return {name: float(scores[f"test_{name}"].mean()) for name in metrics}
