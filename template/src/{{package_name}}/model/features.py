"""Feature handling shared by training, prediction and serving."""

from __future__ import annotations

import numpy as np
import pandas as pd


def split_target(frame: pd.DataFrame, target: str) -> tuple[pd.DataFrame, pd.Series]:
    """Separate the feature columns from the target column."""
    if target not in frame.columns:
        raise ValueError(f"Target column {target!r} missing; columns are {list(frame.columns)}.")
    return frame.drop(columns=[target]), frame[target]


def feature_types(features: pd.DataFrame) -> dict[str, str]:
    """Map each feature to "numeric" or "categorical", the two kinds the model pipeline handles."""
    return {
        column: "numeric" if pd.api.types.is_numeric_dtype(dtype) else "categorical"
        for column, dtype in features.dtypes.items()
    }


def as_categorical(column: pd.Series) -> pd.Series:
    """Text values as Python objects with NaN for missing: what scikit-learn imputers expect."""
    return column.astype(object).where(column.notna(), np.nan)


def select_features(frame: pd.DataFrame, types: dict[str, str]) -> pd.DataFrame:
    """The model's feature columns of frame, in training order, with training dtypes.

    Extra columns (an id, the target) are ignored; a missing one is an error naming it.
    """
    missing = [name for name in types if name not in frame.columns]
    if missing:
        raise ValueError(f"Input lacks feature columns the model needs: {missing}.")
    selected = frame[list(types)].copy()
    for name, kind in types.items():
        column = selected[name]
        selected[name] = column.astype("float64") if kind == "numeric" else as_categorical(column)
    return selected
