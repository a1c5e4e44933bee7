"""Datasets that ship inside installed packages, so loading never needs the network.

Add your own source here: a function returning the raw table as a DataFrame, and the name of
its target column. `data.dataset` in params.yaml picks one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Dataset:
    """A named source of raw data and the column to predict."""

    load: Callable[[dict[str, Any]], pd.DataFrame]
    target: str
    description: str


def _penguins(_: dict[str, Any]) -> pd.DataFrame:
    from palmerpenguins import load_penguins

    return load_penguins()


def _sklearn(name: str) -> Callable[[dict[str, Any]], pd.DataFrame]:
    def load(_: dict[str, Any]) -> pd.DataFrame:
        from sklearn import datasets

        bunch = getattr(datasets, f"load_{name}")(as_frame=True)
        return bunch.frame

    return load


def _synthetic(params: dict[str, Any]) -> pd.DataFrame:
    """A classification table of any size, for benchmarks that outgrow the bundled sets."""
    import numpy as np
    from sklearn.datasets import make_classification

    spec = params["synthetic"]
    features, informative = int(spec["features"]), min(int(spec["features"]), 5)
    X, y = make_classification(
        n_samples=int(spec["rows"]),
        n_features=features,
        n_informative=informative,
        n_redundant=0,
        n_classes=int(spec["classes"]),
        random_state=int(spec["seed"]),
    )
    frame = pd.DataFrame(X.astype(np.float32), columns=[f"x{i}" for i in range(features)])
    frame["target"] = y
    return frame


DATASETS: dict[str, Dataset] = {
    "penguins": Dataset(_penguins, "species", "Palmer penguins: missing values, categoricals"),
    "iris": Dataset(_sklearn("iris"), "target", "scikit-learn iris"),
    "wine": Dataset(_sklearn("wine"), "target", "scikit-learn wine"),
    "breast_cancer": Dataset(_sklearn("breast_cancer"), "target", "scikit-learn breast cancer"),
    "digits": Dataset(_sklearn("digits"), "target", "scikit-learn digits (8x8 images)"),
    "synthetic": Dataset(_synthetic, "target", "make_classification, size from params"),
}


def get_dataset(name: str) -> Dataset:
    """Look up a dataset by name, with the list of valid names in the error."""
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(
            f"Unknown dataset {name!r} in data.dataset; choose one of: {', '.join(DATASETS)}."
        ) from None
