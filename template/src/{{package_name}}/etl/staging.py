"""Stage: clean the raw table into typed, tidy data in data/staging (raw is only read).

Cleaning here is what every later step can rely on: snake_case column names, the columns of
data.drop_columns gone, dates turned into calendar features, no rows without a target, no duplicate
rows, numbers as floats and text columns as text with NaN for missing values. Identifier columns
(data.id_columns) are kept as they are: never features, they go beside every batch prediction.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..helpers.files import atomic_write
from ..model.features import as_categorical, prepare_columns
from .schema_changes import check_schema
from .sources import read_csv
from .spec import DataSpec, snake_case
from .task import decide_task, warn_about_identifiers

__all__ = ["clean", "snake_case", "stage", "check_table"]


def check_table(frame: pd.DataFrame, spec: DataSpec) -> tuple[pd.DataFrame, str, str]:
    """(the prepared table, task, why) of a raw table; ValueError naming the key that fixes a bad one."""
    if frame.empty or not len(frame.columns):
        raise ValueError("the table has no rows.")
    renamed = [snake_case(name) for name in frame.columns]
    clashing = sorted({name for name in renamed if renamed.count(name) > 1})
    if clashing:
        raise ValueError(f"several columns become {clashing} once named in snake_case; rename them apart.")
    frame = prepare_columns(frame, spec.columns())
    if spec.target not in frame.columns:
        raise ValueError(f"data.target: column {spec.target!r} is not in the table; its columns are "
                         f"{list(frame.columns)}.")
    missing = [name for name in spec.id_columns if name not in frame.columns]
    if missing:
        raise ValueError(f"data.id_columns: {missing} not in the table; its columns are {list(frame.columns)}.")
    task, why = decide_task(frame[spec.target], spec.task, spec.target)
    return frame, task, why


def clean(raw: pd.DataFrame, target: str | DataSpec) -> pd.DataFrame:
    """Return the staged table: renamed columns, target present, duplicates dropped, typed.

    target is the DataSpec of params' data section, or just a target column name.
    """
    if isinstance(target, str):
        frame = raw.rename(columns=snake_case)
        target, id_columns = snake_case(target), ()
        if target not in frame.columns:
            raise ValueError(f"Target column {target!r} not in raw data columns {list(frame.columns)}.")
    else:
        frame, _, _ = check_table(raw, target)
        target, id_columns = target.target, target.id_columns
    frame = frame.dropna(subset=[target]).drop_duplicates().reset_index(drop=True)
    if frame.empty:
        raise ValueError(f"No rows with a {target!r} value in the raw data.")
    for column in frame.columns:
        if column == target or column in id_columns:
            continue
        if pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].astype("float64")
        else:
            frame[column] = as_categorical(frame[column])
    return frame


def stage(raw_file: Path, staging_file: Path, spec: DataSpec, metadata_dir: Path | None = None) -> pd.DataFrame:
    """Read raw_file, clean it and write staging_file atomically as Parquet; print the task decision.

    With metadata_dir, the raw columns are first compared with the latest model's (etl/schema_changes.py).
    """
    remedy = "delete it and run `make data` (or `data load`) to load it again."
    if not raw_file.is_file():
        raise FileNotFoundError(f"{raw_file} not found: {remedy}")
    try:
        raw = read_csv(raw_file, spec, str(raw_file))
    except ValueError as error:
        raise ValueError(f"{error} If the raw copy is damaged, {remedy}") from None
    if metadata_dir is not None:
        check_schema(raw, spec, metadata_dir, str(raw_file))
    try:
        staged = clean(raw, spec)
    except ValueError as error:
        raise ValueError(f"{raw_file}: {error} If the file is truncated, {remedy}") from None
    task, why = decide_task(staged[spec.target], spec.task, spec.target)
    print(f"task       {task}: {why}")
    warn_about_identifiers(staged, spec)
    atomic_write(staging_file, lambda tmp: staged.to_parquet(tmp, index=False))
    return staged
