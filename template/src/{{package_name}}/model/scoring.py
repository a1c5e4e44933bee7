"""Metrics by name: scikit-learn's scorer names, plus rmse, mae, mape and mse reported as the
positive errors people read (scikit-learn's scorers negate them: neg_root_mean_squared_error).

Which metrics a model is scored with follows its task (metrics_for): evaluate.metrics for
classification, with evaluate.binary_metrics added for two classes (scored for data.positive_class),
evaluate.regression_metrics for regression, mape only when the target has no zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import average_precision_score, check_scoring, get_scorer, make_scorer, roc_auc_score
from sklearn.model_selection import cross_validate as sklearn_cross_validate

from ..config import ConfigError

ERRORS = {  # name -> scikit-learn's negated scorer: lower is better
    "rmse": "neg_root_mean_squared_error",
    "mae": "neg_mean_absolute_error",
    "mape": "neg_mean_absolute_percentage_error",
    "mse": "neg_mean_squared_error",
}


def lower_is_better(name: str) -> bool:
    return name in ERRORS


def _roc_auc(actual: Any, scores: Any, pos_label: Any) -> float:
    return float(roc_auc_score(np.asarray(actual) == pos_label, scores))


def scorer(name: str, key: str, positive_class: Any = None) -> Any:
    """The scorer called name (higher is better); a ConfigError naming the params key (e.g. tuning.metric) if none.

    With positive_class, roc_auc and average_precision score that class of a binary target, whatever its labels.
    """
    if positive_class is not None and name == "roc_auc":
        return make_scorer(_roc_auc, response_method="predict_proba", pos_label=positive_class)
    if positive_class is not None and name == "average_precision":
        return make_scorer(average_precision_score, response_method="predict_proba", pos_label=positive_class)
    try:
        return get_scorer(ERRORS.get(name, name))
    except ValueError:
        raise ConfigError(
            f"{key}: unknown scorer {name!r}; use rmse, mae, mape, mse or a scikit-learn scorer name such as "
            "accuracy or f1_macro."
        ) from None


def natural(name: str, value: float) -> float:
    """The value as reported: errors positive (scikit-learn's scorers give them negated)."""
    return -float(value) if lower_is_better(name) else float(value)


def metrics_for(task: str, target: pd.Series, evaluate: dict[str, Any]) -> list[str]:
    """The metric names that score a model of this task on this target (see the module docstring)."""
    if task == "regression":
        names = list(evaluate.get("regression_metrics", ["rmse", "mae", "r2", "mape"]))
        if (target == 0).any():
            names = [name for name in names if name != "mape"]
        return names
    names = list(evaluate["metrics"])
    if target.nunique() == 2:
        names += [name for name in evaluate.get("binary_metrics", []) if name not in names]
    return names


class Answered(ClassifierMixin, BaseEstimator):
    """A classifier's probabilities on one data set, computed once, answering the scorers: its labels are
    the most probable classes, as model/predict.py gives them."""

    def __init__(self, classes: Any = None, probabilities: Any = None) -> None:
        self.classes = classes
        self.probabilities = probabilities

    @property
    def classes_(self) -> Any:
        return self.classes

    def predict_proba(self, _: Any) -> Any:
        return self.probabilities

    def predict(self, _: Any) -> Any:
        return self.classes[self.probabilities.argmax(axis=1)]


def score(model: Any, features: pd.DataFrame, target: pd.Series, metrics: list[str],
          positive_class: Any = None) -> dict[str, float]:
    """Score a fitted model on one data set with each named metric.

    The model runs once for all the metrics: a classifier's probabilities answer the metrics of labels
    too, and one multi-metric scorer asks a regressor for its predictions once.
    """
    scoring = check_scoring(model, {name: scorer(name, "evaluate.metrics", positive_class) for name in metrics})
    if hasattr(model, "predict_proba") and hasattr(model, "classes_"):
        model = Answered(np.asarray(model.classes_), model.predict_proba(features))
        target = np.asarray(target)  # text labels as one array: the metrics would convert an Arrow column each
    return {name: natural(name, value) for name, value in scoring(model, features, target).items()}


def cross_validate(model: Any, features: pd.DataFrame, target: pd.Series, metrics: list[str],
                   folds: int, positive_class: Any = None) -> dict[str, float]:
    """Mean k-fold score per metric on the training set (skipped when folds < 2).

    One fit per fold scores every metric, instead of one fit per fold and metric.
    """
    if folds < 2:
        return {}
    scoring = {name: scorer(name, "evaluate.metrics", positive_class) for name in metrics}
    scores = sklearn_cross_validate(model, features, target, cv=folds, scoring=scoring)
    return {name: natural(name, scores[f"test_{name}"].mean()) for name in metrics}
