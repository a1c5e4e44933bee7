"""Datasets that ship inside installed packages, so loading never needs the network.

Your own table needs no code: set data.source and data.target in params.yaml (etl/sources.py
reads it). A bundled dataset is a function returning the raw table as a DataFrame and the name of
its target column; `data.dataset` in params.yaml picks one when data.source is null. A dataset that a package ships as a
CSV file names that file too (packaged_csv): `data load` then copies it byte for byte, without
importing pandas or the package, which keeps the first step of the pipeline instant.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Dataset:
    """A named source of raw data and the column to predict."""

    load: Callable[[dict[str, Any]], pd.DataFrame]
    target: str
    description: str
    packaged_csv: tuple[str, str] | None = None  # (package, path inside it) of a CSV to copy as it is

    def csv_file(self) -> Path | None:
        """The packaged CSV file, found without importing its package (which may import pandas)."""
        if self.packaged_csv is None:
            return None
        package, relative = self.packaged_csv
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError(f"Package {package!r} is not installed: run `make env`.")
        return Path(list(spec.submodule_search_locations)[0]) / relative


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
    import pandas as pd
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
    "penguins": Dataset(_penguins, "species", "Palmer penguins: missing values, categoricals",
                        packaged_csv=("palmerpenguins", "data/penguins.csv")),
    "iris": Dataset(_sklearn("iris"), "target", "scikit-learn iris"),
    "wine": Dataset(_sklearn("wine"), "target", "scikit-learn wine"),
    "breast_cancer": Dataset(_sklearn("breast_cancer"), "target", "scikit-learn breast cancer"),
    "digits": Dataset(_sklearn("digits"), "target", "scikit-learn digits (8x8 images)"),
    "diabetes": Dataset(_sklearn("diabetes"), "target", "scikit-learn diabetes: disease progression (regression)"),
    "synthetic": Dataset(_synthetic, "target", "make_classification, size from params"),
}


def get_dataset(name: str) -> Dataset:
    """Look up a dataset by name, with the list of valid names in the error."""
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(
            f"Unknown dataset {name!r} in data.dataset; choose one of: {', '.join(DATASETS)}. For your own "
            f"table, also set data.source and data.target, e.g. data.source=data/raw/{name}.csv data.target=<column>."
        ) from None
