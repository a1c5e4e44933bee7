"""Inputs checked against the schema that training recorded in the model's metadata.

`predict` and the API refuse what the model cannot read (a missing column, text in a numeric
column) in select_features and service.check_record; this module answers the softer question of
values the model never saw: categories outside the known values of a feature. Those are predicted
like a missing value by the model's encoder, so predict.unknown_categories decides whether they
are counted (ignore, the default) or refused with the column named (error).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

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
