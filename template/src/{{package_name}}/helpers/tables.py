"""Read data files with errors that name the file and say how to get a good one back.

A truncated or corrupted CSV or Parquet file otherwise surfaces as a parser error deep in
pandas or pyarrow, without the path. pandas is imported inside the functions (it is slow).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def read_parquet(path: Path, remedy: str) -> Any:
    """The DataFrame in path; FileNotFoundError or ValueError naming path and remedy (what to do) otherwise."""
    import pandas as pd

    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: {remedy}")
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError, ArrowIOError an OSError
        raise ValueError(f"{path} is not a readable Parquet file ({error}): {remedy}") from None


def read_csv(path: Path, remedy: str) -> Any:
    """The DataFrame in the CSV file path, with the same errors as read_parquet."""
    import pandas as pd

    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: {remedy}")
    try:
        return pd.read_csv(path)
    except (OSError, ValueError) as error:  # pandas' ParserError, EmptyDataError and UnicodeDecodeError
        raise ValueError(f"{path} is not a readable CSV file ({error}): {remedy}") from None
