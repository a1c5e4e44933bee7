"""Inputs checked against the schema that training recorded in the model's metadata.

`predict` (local or on Ray) and the API refuse what the model cannot read (a missing column, text
in a numeric column) in select_features and service.check_record; this module answers the softer
question of values the model never saw: categories outside the known values of a feature. Those
are predicted like a missing value by the model's encoder, so predict.unknown_categories decides
whether they are counted (ignore, the default) or refused with the column named (error).
checked_features is the one path a batch of input rows takes, in `make predict` and in each Ray worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .features import prepare_columns, select_features

UNKNOWN_CATEGORY_MODES = ("ignore", "error")


def known_categories(features: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Each categorical feature's values seen in training, for those whose list was recorded in full."""
    return {feature["name"]: set(feature.get("values", [])) for feature in features
            if feature["type"] == "categorical" and feature.get("values_complete", False)}


def unknown_mode(params: dict[str, Any]) -> str:
    """predict.unknown_categories (ignore | error), ignore when absent."""
    mode = params.get("predict", {}).get("unknown_categories") or "ignore"
    if mode not in UNKNOWN_CATEGORY_MODES:
        raise ValueError(f"predict.unknown_categories is {mode!r}: use ignore or error.")
    return mode


def count_unknown(frame: pd.DataFrame, known: dict[str, set[str]]) -> dict[str, int]:
    """Per categorical column of frame: how many values (missing ones aside) training never saw."""
    counts = {}
    for name, values in known.items():
        column = frame[name].dropna()
        unknown = int((~column.astype(str).isin(values)).sum())
        if unknown:
            counts[name] = unknown
    return counts


def unknown_error(name: str, value: Any, known: set[str]) -> str:
    """The message that refuses an unknown category: the column, the value and what is known."""
    shown = sorted(known)[:10]
    more = f" and {len(known) - len(shown)} more" if len(known) > len(shown) else ""
    return (f"column {name!r}: value {value!r} was not seen in training (known: {shown}{more}); "
            "set predict.unknown_categories=ignore to predict it as a missing value.")


def first_unknown(frame: pd.DataFrame, name: str, known: set[str]) -> Any:
    """The first value of frame[name] outside known."""
    column = frame[name].dropna()
    return column[~column.astype(str).isin(known)].iloc[0]


def example_record(features: list[dict[str, Any]]) -> dict[str, Any]:
    """A record of values seen in training: each numeric feature's observed minimum, each categorical's
    first known value (null when none was recorded), for the OpenAPI document."""
    record: dict[str, Any] = {}
    for feature in features:
        if feature["type"] == "numeric":
            record[feature["name"]] = feature.get("min")
        else:
            record[feature["name"]] = (feature.get("values") or [None])[0]
    return record


@dataclass
class UnknownCategories:
    """Counts the categories training never saw, per column, across batches; mode error refuses the first."""

    known: dict[str, set[str]]
    mode: str
    counts: dict[str, int] = field(default_factory=dict)

    def check(self, features: pd.DataFrame) -> None:
        counts = count_unknown(features, self.known)
        if counts and self.mode == "error":
            name = next(iter(counts))
            raise ValueError(unknown_error(name, first_unknown(features, name, self.known[name]), self.known[name]))
        self.add(counts)

    def add(self, counts: dict[str, int]) -> None:
        """Add counts made elsewhere (another Ray worker's)."""
        for name, count in counts.items():
            self.counts[name] = self.counts.get(name, 0) + count

    def report(self) -> None:
        for name, count in self.counts.items():
            print(f"unknown    {count} value(s) of {name!r} not seen in training, predicted as missing "
                  "(predict.unknown_categories=error refuses them)")


def input_columns(metadata: dict[str, Any]) -> dict[str, Any]:
    """How training shaped the raw table (id, date and dropped columns, dates_as), for prepare_columns."""
    columns = {key: metadata["data"].get(key, []) for key in ("id_columns", "date_columns", "drop_columns")}
    columns["dates_as"] = metadata["data"].get("dates_as", "calendar")
    return columns


def checked_features(batch: pd.DataFrame, columns: dict[str, Any], types: dict[str, str],
                     unknown: UnknownCategories) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the batch shaped as in training, its feature table): a batch shaped like the raw table gets its dates
    and dropped columns prepared as staging did; extra columns are left out of the features; a missing
    feature or text in a numeric column is an error naming the column; unknown categories are counted
    or refused."""
    prepared = prepare_columns(batch, columns)
    features = select_features(prepared, types)
    unknown.check(features)
    return prepared, features
