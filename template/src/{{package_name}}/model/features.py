"""Feature handling shared by training, prediction and serving."""

from __future__ import annotations

import reprlib
from typing import Any

import numpy as np
import pandas as pd

from ..etl.spec import snake_case

# Column suffix -> pandas' name for it (pandas 3 renamed dayofweek; the columns keep their first names).
CALENDAR_PARTS = {"year": "year", "month": "month", "day": "day", "dayofweek": "day_of_week"}


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

    Extra columns (an id, the target) are ignored; a missing one, or text in a numeric column, is an
    error naming the column.
    """
    missing = [name for name in types if name not in frame.columns]
    if missing:
        raise ValueError(f"Input lacks feature columns the model needs: {missing}.")
    selected = frame[list(types)].copy()
    for name, kind in types.items():
        column = selected[name]
        selected[name] = as_numbers(column, name) if kind == "numeric" else as_categorical(column)
    return selected


def as_numbers(column: pd.Series, name: str) -> pd.Series:
    """A numeric feature as float64; a value that is not a number is an error naming the column."""
    if pd.api.types.is_numeric_dtype(column):
        return column.astype("float64")
    numbers = pd.to_numeric(column, errors="coerce")
    wrong = column.notna() & numbers.isna()
    if wrong.any():
        raise ValueError(f"Column {name!r} must hold numbers, as in training, but has "
                         f"{reprlib.repr(column[wrong].iloc[0])} ({int(wrong.sum())} such values).")
    return numbers.astype("float64")


def prepare_columns(frame: pd.DataFrame, columns: dict[str, Any]) -> pd.DataFrame:
    """The table as the model sees it: snake_case names, data.drop_columns gone, and each of
    data.date_columns turned into calendar features (<name>_year, _month, _day, _dayofweek) or dropped,
    as data.dates_as says. Staging applies it to the raw table, predict to every input file, so a
    file shaped like the raw data predicts as it trained. Columns it names but frame lacks are skipped.
    """
    frame = frame.rename(columns=snake_case)
    frame = frame.drop(columns=[name for name in columns.get("drop_columns", []) if name in frame.columns])
    for name in columns.get("date_columns", []):
        if name not in frame.columns:
            continue
        if columns.get("dates_as", "calendar") == "calendar":
            dates = pd.to_datetime(frame[name], errors="coerce", format="mixed")
            if dates.isna().all() and frame[name].notna().any():
                raise ValueError(f"data.date_columns: no value of {name!r} reads as a date "
                                 f"(e.g. {frame[name].dropna().iloc[0]!r}); remove it from data.date_columns.")
            for part, attribute in CALENDAR_PARTS.items():
                frame[f"{name}_{part}"] = getattr(dates.dt, attribute).astype("float64")
        frame = frame.drop(columns=[name])
    return frame


def feature_columns(frame: pd.DataFrame, target: str, id_columns: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """frame without its target and id columns: what the model learns from."""
    return frame.drop(columns=[name for name in (target, *id_columns) if name in frame.columns])


def input_schema(features: pd.DataFrame, types: dict[str, str], max_values: int = 200) -> list[dict[str, Any]]:
    """Each feature's name, type and dtype; its known values (categorical, up to max_values) or range (numeric)."""
    described = []
    for name, kind in types.items():
        column = features[name]
        entry: dict[str, Any] = {"name": name, "type": kind, "dtype": str(column.dtype)}
        values = column.dropna()
        if kind == "categorical":
            known = sorted({str(value) for value in values.unique()})
            entry["values"] = known[:max_values]
            entry["values_complete"] = len(known) <= max_values
        elif len(values):
            entry["min"], entry["max"] = float(values.min()), float(values.max())
        described.append(entry)
    return described
