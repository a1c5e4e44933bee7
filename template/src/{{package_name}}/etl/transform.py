"""Transform: split the staged table into train and hold-out test sets in data/transformed.

Imputation and encoding are not done here but inside the model pipeline, so the exact same
preprocessing runs at training and at prediction time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.model_selection import train_test_split

from ..helpers.files import atomic_write


def split(staged: pd.DataFrame, target: str, etl_params: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified train/test split with the size and seed from params.yaml."""
    test_size = float(etl_params["test_size"])
    if not 0 < test_size < 1:
        raise ValueError(f"etl.test_size must be between 0 and 1, got {test_size}.")
    counts = staged[target].value_counts()
    stratify = staged[target] if counts.min() >= 2 else None
    return train_test_split(
        staged, test_size=test_size, random_state=int(etl_params["seed"]), stratify=stratify
    )


def transform(staging_file: Path, train_file: Path, test_file: Path, target: str,
              etl_params: dict[str, Any]) -> tuple[int, int]:
    """Write train and test Parquet files; return their row counts."""
    if not staging_file.is_file():
        raise FileNotFoundError(f"{staging_file} not found: run `make data` (or `data stage`) first.")
    train, test = split(pd.read_parquet(staging_file), target, etl_params)
    atomic_write(train_file, lambda tmp: train.to_parquet(tmp, index=False))
    atomic_write(test_file, lambda tmp: test.to_parquet(tmp, index=False))
    return len(train), len(test)
