"""Schema changes: a raw table compared with the columns the latest model was trained on, before staging
writes anything.

A new version of the data can lose a column, gain one, or hold text where numbers were: the model
trained on the old columns would then fail at prediction time, or train again on something else
without anyone noticing. Staging compares the raw table with the input schema recorded in the latest
model's metadata (features with their types, id, date and target columns) and names each difference.
data.schema_changes says what follows: warn (print them and stage the table) or error (stop; the
staged table is left as it was). A model of another target predicts another thing: no comparison then,
nor before the first model.
"""

from __future__ import annotations

import reprlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..model.features import CALENDAR_PARTS
from ..model.metadata import latest_metadata, read_metadata
from .spec import DataSpec, snake_case

MODES = ("warn", "error")
KINDS = {"numeric": "numeric", "categorical": "text"}  # the metadata's feature types, as a table's columns are


@dataclass(frozen=True)
class TrainedColumns:
    """The raw columns a model was trained on: each feature's kind (numeric or text), and the columns that
    had to be there whatever their type (ids, dates, the target)."""

    model: str
    target: str
    kinds: dict[str, str]
    required: tuple[str, ...]
    dropped: tuple[str, ...]

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any]) -> TrainedColumns:
        data = metadata["data"]
        dates = list(data.get("date_columns", []))
        calendar = {f"{date}_{part}" for date in dates for part in CALENDAR_PARTS}
        kinds = {feature["name"]: KINDS.get(feature["type"], feature["type"]) for feature in metadata["features"]
                 if feature["name"] not in calendar}
        return cls(model=f"{metadata['model']['name']}-{metadata['model']['version']}", target=data["target"],
                   kinds=kinds,
                   required=(*data.get("id_columns", []), *dates, data["target"]),
                   dropped=tuple(data.get("drop_columns", [])))


@dataclass
class SchemaChanges:
    """The differences between a raw table and a model's columns, each named."""

    model: str
    new: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    retyped: list[str] = field(default_factory=list)  # one description per column

    def __bool__(self) -> bool:
        return bool(self.new or self.missing or self.retyped)

    def lines(self) -> list[str]:
        return ([f"new column {name!r}: the model was not trained on it" for name in self.new]
                + [f"missing column {name!r}: the model was trained on it" for name in self.missing]
                + self.retyped)


def kind(column: pd.Series) -> str | None:
    """numeric or text, as staging types the column; None for a column without values (no type to compare)."""
    if column.notna().sum() == 0:
        return None
    return "numeric" if pd.api.types.is_numeric_dtype(column) else "text"


def retyped(name: str, column: pd.Series, was: str, now: str) -> str:
    text = f"column {name!r} held {was} values in training, {now} now"
    if was == "numeric":
        values = column.dropna()
        wrong = values[pd.to_numeric(values, errors="coerce").isna()]
        text += f" (e.g. {reprlib.repr(wrong.iloc[0])})" if len(wrong) else ""
    return text


def compare(raw: pd.DataFrame, trained: TrainedColumns, drop_columns: tuple[str, ...] = ()) -> SchemaChanges:
    """The differences between the raw table's columns (named as staging names them) and the trained ones.

    Columns the model or data.drop_columns drop are neither new nor missing."""
    columns = {snake_case(name): name for name in raw.columns}
    known = {*trained.kinds, *trained.required}
    ignored = {*trained.dropped, *drop_columns}
    changes = SchemaChanges(trained.model)
    changes.new = [name for name in columns if name not in known and name not in ignored]
    changes.missing = [name for name in [*trained.kinds, *trained.required] if name not in columns]
    for name, was in trained.kinds.items():
        if name in columns:
            now = kind(raw[columns[name]])
            if now is not None and now != was:
                changes.retyped.append(retyped(name, raw[columns[name]], was, now))
    return changes


def trained_columns(metadata_dir: Path, target: str) -> TrainedColumns | None:
    """The columns of the latest model, if there is one and it predicts target."""
    if not any(metadata_dir.glob("*.json")):
        return None
    trained = TrainedColumns.from_metadata(read_metadata(latest_metadata(metadata_dir)))
    return trained if trained.target == target else None


def check_schema(raw: pd.DataFrame, spec: DataSpec, metadata_dir: Path, where: str) -> SchemaChanges | None:
    """Compare raw with the latest model's columns: print the differences (warn) or raise a ValueError
    naming them (error). None when there is no model of this target to compare with."""
    trained = trained_columns(metadata_dir, spec.target)
    if trained is None:
        return None
    changes = compare(raw, trained, spec.drop_columns)
    if not changes:
        return changes
    listed = "\n  ".join(changes.lines())
    if spec.schema_changes == "error":
        raise ValueError(
            f"{where}: its columns differ from those the latest model ({trained.model}) was trained on:\n  "
            f"{listed}\nNothing was staged (data.schema_changes is error). Correct the file, list new columns "
            "in data.drop_columns, or set data.schema_changes=warn to stage it anyway and train a new model on it.")
    print(f"warning    {where}: its columns differ from those the latest model ({trained.model}) was trained on:"
          f"\n  {listed}\nwarning    staged anyway (data.schema_changes: warn; error stops here): train a new model "
          "before predicting on data shaped like it.", file=sys.stderr)
    return changes
