"""What params.yaml's data section says about the table: where it comes from, which column is the
target, which columns are identifiers or dates, and how to read it. One place resolves it, so `data`,
`train`, `tune` and `predict` agree on every column's role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .datasets import DATASETS, get_dataset

TASKS = ("auto", "classification", "regression")


def snake_case(name: str) -> str:
    """`Flipper Length (mm)` -> `flipper_length_mm`: staged column names, and the names params refer to."""
    return re.sub(r"[^0-9a-zA-Z]+", "_", str(name)).strip("_").lower()


@dataclass(frozen=True)
class DataSpec:
    """The data section of params.yaml, resolved: column names as staging writes them (snake_case)."""

    name: str  # data.dataset: names the files under data/
    source: str | dict[str, Any] | None  # None: the bundled dataset called name
    target: str
    task: str
    id_columns: tuple[str, ...]
    date_columns: tuple[str, ...]
    dates_as: str
    drop_columns: tuple[str, ...]
    positive_class: Any
    delimiter: str
    encoding: str
    decimal: str
    schema_changes: str  # warn | error: what staging does with a table whose columns changed

    @property
    def bundled(self) -> bool:
        return self.source is None

    @property
    def is_sql(self) -> bool:
        return isinstance(self.source, dict)

    def columns(self) -> dict[str, Any]:
        """The column roles recorded in the model's metadata, which predict and the API apply again."""
        return {"id_columns": list(self.id_columns), "date_columns": list(self.date_columns),
                "dates_as": self.dates_as, "drop_columns": list(self.drop_columns)}


def data_spec(data: dict[str, Any]) -> DataSpec:
    """Resolve params["data"]; a ValueError naming the key when it cannot describe a table."""
    name, source = data["dataset"], data.get("source")
    if source is None:
        target = data.get("target") or get_dataset(name).target
    else:
        if name in DATASETS:
            raise ValueError(
                f"data.dataset is {name!r}, a bundled dataset, but data.source is set: name your own data "
                "(e.g. data.dataset=churn); its files become data/raw/<name>.csv and so on.")
        target = data.get("target")
        if not target:
            raise ValueError("data.target: name the column to predict (e.g. data.target=churned); "
                             "it is required when data.source is set.")
    read = data.get("read") or {}
    return DataSpec(
        name=name, source=source, target=snake_case(target), task=data.get("task", "auto"),
        id_columns=tuple(snake_case(c) for c in data.get("id_columns") or []),
        date_columns=tuple(snake_case(c) for c in data.get("date_columns") or []),
        dates_as=data.get("dates_as", "calendar"),
        drop_columns=tuple(snake_case(c) for c in data.get("drop_columns") or []),
        positive_class=data.get("positive_class"),
        delimiter=read.get("delimiter", ","), encoding=read.get("encoding", "utf-8"),
        decimal=read.get("decimal", "."), schema_changes=data.get("schema_changes", "warn"),
    )
