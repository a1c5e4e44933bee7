"""Stage: clean the raw table into typed, tidy data in data/staging (raw is only read).

Cleaning here is what every later step can rely on: snake_case column names, no rows without a
target, no duplicate rows, numbers as floats and text columns as text with NaN for missing values.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..helpers.files import atomic_write
from ..helpers.tables import read_csv
from ..model.features import as_categorical


def snake_case(name: str) -> str:
    """`Flipper Length (mm)` -> `flipper_length_mm`."""
    return re.sub(r"[^0-9a-zA-Z]+", "_", str(name)).strip("_").lower()


def clean(raw: pd.DataFrame, target: str) -> pd.DataFrame:
    """Return the staged table: renamed columns, target present, duplicates dropped, typed."""
    frame = raw.rename(columns=snake_case)
    target = snake_case(target)
    if target not in frame.columns:
        raise ValueError(f"Target column {target!r} not in raw data columns {list(frame.columns)}.")
    frame = frame.dropna(subset=[target]).drop_duplicates().reset_index(drop=True)
    if frame.empty:
        raise ValueError(f"No rows with a {target!r} value in the raw data.")
    for column in frame.columns:
        if column == target:
            continue
        if pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].astype("float64")
        else:
            frame[column] = as_categorical(frame[column])
    return frame


def stage(raw_file: Path, staging_file: Path, target: str) -> pd.DataFrame:
    """Read raw_file, clean it and write staging_file atomically as Parquet."""
    remedy = "delete it and run `make data` (or `data load`) to load it again."
    raw = read_csv(raw_file, remedy)
    try:
        staged = clean(raw, target)
    except ValueError as error:
        raise ValueError(f"{raw_file}: {error} Is it truncated? If so, {remedy}") from None
    atomic_write(staging_file, lambda tmp: staged.to_parquet(tmp, index=False))
    return staged
