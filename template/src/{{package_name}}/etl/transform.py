"""Transform: split the staged table into train and hold-out test sets in data/transformed.

Imputation and encoding are not done here but inside the model pipeline, so the exact same
preprocessing runs at training and at prediction time.

The split is a few lines of NumPy rather than scikit-learn's train_test_split: importing
scikit-learn takes seconds, and this step needs nothing else from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..helpers.files import atomic_write
from ..helpers.tables import read_parquet
from .spec import DataSpec
from .task import decide_task


def hold_out_rows(labels: pd.Series, test_size: float, seed: int) -> np.ndarray:
    """Positions of the hold-out rows: test_size of each class (stratified) when every class has at
    least two rows, else of the whole table; at least one row each side."""
    rng = np.random.default_rng(seed)
    groups = list(labels.groupby(labels, sort=True).indices.values())
    if min(len(group) for group in groups) < 2:
        groups = [np.arange(len(labels))]
    chosen = [rng.choice(group, size=min(len(group) - 1, max(1, round(len(group) * test_size))), replace=False)
              for group in groups]
    return np.sort(np.concatenate(chosen))


def split(staged: pd.DataFrame, target: str, etl_params: dict[str, Any],
          task: str = "classification") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train/test split with the size and seed from params.yaml, stratified by class for classification."""
    test_size = float(etl_params["test_size"])
    if not 0 < test_size < 1:
        raise ValueError(f"etl.test_size must be between 0 and 1, got {test_size}.")
    if len(staged) < 2:
        raise ValueError(f"{len(staged)} staged row(s): a train/test split needs at least 2.")
    is_test = np.zeros(len(staged), dtype=bool)
    strata = staged[target] if task == "classification" else pd.Series(np.zeros(len(staged)))
    is_test[hold_out_rows(strata, test_size, int(etl_params["seed"]))] = True
    return staged[~is_test].reset_index(drop=True), staged[is_test].reset_index(drop=True)


def transform(staging_file: Path, train_file: Path, test_file: Path, spec: DataSpec,
              etl_params: dict[str, Any]) -> tuple[int, int]:
    """Write train and test Parquet files; return their row counts."""
    staged = read_parquet(staging_file, "run `make data` (or `data stage`) to write it again.")
    task, _ = decide_task(staged[spec.target], spec.task, spec.target)
    train, test = split(staged, spec.target, etl_params, task)
    atomic_write(train_file, lambda tmp: train.to_parquet(tmp, index=False))
    atomic_write(test_file, lambda tmp: test.to_parquet(tmp, index=False))
    return len(train), len(test)
