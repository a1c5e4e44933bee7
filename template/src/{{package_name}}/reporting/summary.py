"""Numbers that describe a data table: its shape, missing values and class balance."""

from __future__ import annotations

from typing import Any

import pandas as pd


def data_summary(frame: pd.DataFrame, target: str) -> dict[str, Any]:
    """Rows, columns, missing values per column (only those with any) and the target's class counts."""
    missing = frame.isna().sum()
    return {
        "rows": len(frame),
        "columns": frame.shape[1],
        "missing": {str(name): int(count) for name, count in missing.items() if count},
        "classes": {str(name): int(count) for name, count in frame[target].value_counts(dropna=False).items()},
    }
