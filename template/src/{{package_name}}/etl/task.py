"""Which task a target asks for, and the checks that stop a table from being trained as the wrong one.

`data.task: auto` decides from the target: text (or true/false) values, or a few distinct integers,
are classes; other numbers are a quantity to regress. Each decision comes with the reason, printed
by `data` and `train`, and every refusal names the params key that resolves it, so no target is
silently trained as the wrong task.
"""

from __future__ import annotations

import sys
from typing import Any

import pandas as pd

from .spec import DataSpec

MAX_INTEGER_CLASSES = 20  # integer targets with at most this many distinct values are classes under task auto


def decide_task(target: pd.Series, requested: str, name: str) -> tuple[str, str]:
    """(classification | regression, why) for the target column called name; ValueError if impossible."""
    values = target.dropna()
    if values.empty:
        raise ValueError(f"data.target: column {name!r} has no values (all missing); choose another column "
                         "with data.target.")
    distinct = int(values.nunique())
    if distinct < 2:
        raise ValueError(f"data.target: column {name!r} has a single value ({values.iloc[0]!r}) in every row: "
                         "there is nothing to learn. Choose another column with data.target, or add rows "
                         "of the other classes.")
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    integral = numeric and bool((values == values.round()).all())
    if requested == "classification":
        if numeric and not integral:
            raise ValueError(f"data.task is classification but {name!r} holds fractional numbers (e.g. "
                             f"{values[values != values.round()].iloc[0]!r}): set data.task=regression (or auto).")
        return "classification", f"data.task is classification ({distinct} classes)"
    if requested == "regression":
        if not numeric:
            raise ValueError(f"data.task is regression but {name!r} holds text (e.g. {values.iloc[0]!r}): "
                             "set data.task=classification (or auto).")
        return "regression", "data.task is regression"
    if not numeric:
        return "classification", f"{name!r} holds labels ({distinct} distinct values); set data.task to override"
    if integral and distinct <= MAX_INTEGER_CLASSES:
        why = (f"{name!r} holds {distinct} distinct integers (at most {MAX_INTEGER_CLASSES}: classes); "
               "set data.task=regression if they are quantities")
        return "classification", why
    return "regression", (f"{name!r} holds numbers with {distinct} distinct values; "
                          "set data.task=classification if they are classes")


def positive_class(target: pd.Series, requested: Any) -> Any:
    """The class that binary metrics score: data.positive_class, else the last in sorted order (yes, 1, true)."""
    classes = sorted(target.dropna().unique())
    if len(classes) != 2:
        return None
    if requested is None:
        return classes[-1]
    for label in classes:
        if str(label) == str(requested):
            return label
    raise ValueError(f"data.positive_class {requested!r} is not a class of the target; its classes are "
                     f"{[str(c) for c in classes]}.")


def looks_like_identifier(column: pd.Series) -> bool:
    """Unique in every row (integers or text), or text with very many distinct values."""
    values = column.dropna()
    if len(values) < 20 or pd.api.types.is_float_dtype(values) and not (values == values.round()).all():
        return False
    distinct = values.nunique()
    if distinct == len(values):
        return True
    return not pd.api.types.is_numeric_dtype(values) and distinct > max(100, 0.5 * len(values))


def looks_like_dates(column: pd.Series) -> bool:
    """Text whose first values all read as dates."""
    sample = column.dropna().head(20)
    if pd.api.types.is_numeric_dtype(sample) or pd.api.types.is_bool_dtype(sample) or sample.empty:
        return False
    return bool(pd.to_datetime(sample.astype(str), errors="coerce", format="mixed").notna().all())


def warn_about_identifiers(frame: pd.DataFrame, spec: DataSpec) -> list[str]:
    """Warn (stderr) about unlisted columns that look like identifiers or dates: as features, identifiers
    only memorise rows and dates become meaningless categories. Return the columns warned about."""
    listed = {spec.target, *spec.id_columns, *spec.date_columns, *spec.drop_columns}
    warned = []
    for name in frame.columns:
        if name in listed:
            continue
        if looks_like_dates(frame[name]):
            print(f"warning    column {name!r} looks like dates; list it in data.date_columns (e.g. "
                  f"data.date_columns=[{name}]) to learn from calendar features, or in data.drop_columns.",
                  file=sys.stderr)
        elif looks_like_identifier(frame[name]):
            print(f"warning    column {name!r} looks like an identifier ({frame[name].nunique()} distinct values in "
                  f"{frame[name].notna().sum()} rows); if it is one, list it in data.id_columns "
                  f"(e.g. data.id_columns=[{name}]) so it is kept beside predictions and never used as a feature.",
                  file=sys.stderr)
        else:
            continue
        warned.append(name)
    return warned
