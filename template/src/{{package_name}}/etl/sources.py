"""Read the user's table from where data.source says: a CSV, Parquet or JSON-lines file (in the
project or elsewhere), an fsspec URL (s3://, gs://, az:// with the matching package installed), or a
SQL query run through SQLAlchemy against the database whose URL an environment variable holds.

Errors name the source and the params key that fixes them (data.read.encoding, data.read.delimiter...).
CSV files are parsed by pyarrow's multi-threaded reader whenever the reading options allow it.
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .spec import DataSpec

if TYPE_CHECKING:
    import pandas as pd

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
MEGABYTE = 1 << 20  # the copy's unit of reading and of progress


def is_url(source: str) -> bool:
    return "://" in source


def file_format(source: str) -> str:
    """csv, parquet or jsonl, from the file's extension (a .gz or similar compression suffix aside)."""
    name = source.lower().split("?")[0]
    for compression in (".gz", ".bz2", ".zst", ".xz", ".zip"):
        name = name.removesuffix(compression)
    suffix = Path(name).suffix
    if suffix not in FORMATS:
        raise ValueError(f"data.source {source!r}: unknown file type {suffix or '(no extension)'}; "
                         f"use a {', '.join(sorted(FORMATS))} file, or a mapping with sql and url_env for a database.")
    return FORMATS[suffix]


def describe(spec: DataSpec) -> str:
    """The source as messages and metadata name it (never a database URL, which may hold a password)."""
    if spec.bundled:
        return f"bundled dataset {spec.name}"
    if spec.is_sql:
        return f"SQL query on ${spec.source['url_env']}"
    return str(spec.source)


def read_csv(path: str | Path, spec: DataSpec, where: str) -> pd.DataFrame:
    """A CSV file as read with data.read's options; errors name where and the key to change."""
    import pandas as pd

    check_header(path, spec, where)
    options: dict[str, Any] = {"sep": spec.delimiter, "encoding": spec.encoding}
    if spec.decimal == "." and len(spec.delimiter) == 1:
        options["engine"] = "pyarrow"  # its reader is multi-threaded; it has no decimal option
    else:
        options["decimal"] = spec.decimal
    try:
        frame = pd.read_csv(path, **options)
    except UnicodeDecodeError as error:
        raise ValueError(encoding_problem(where, spec, error)) from None
    except (OSError, ValueError) as error:  # pandas' and pyarrow's parser errors
        if "utf8" in str(error).lower().replace("-", ""):
            raise ValueError(encoding_problem(where, spec, error)) from None
        raise ValueError(f"{where} is not a readable CSV file ({error}); check data.read.delimiter "
                         f"(now {spec.delimiter!r}) and the file.") from None
    for name in frame.columns:  # pyarrow reads a column of invalid text as bytes rather than failing
        first = frame[name].dropna().head(1)
        if len(first) and isinstance(first.iloc[0], bytes):
            raise ValueError(encoding_problem(where, spec, ValueError(f"column {name!r} is not {spec.encoding}")))
    return frame


def encoding_problem(where: str, spec: DataSpec, error: Exception) -> str:
    return (f"{where} is not valid {spec.encoding} text ({error}); set data.read.encoding to the file's "
            "encoding, e.g. data.read.encoding=latin-1 (or cp1252).")


def check_header(path: str | Path, spec: DataSpec, where: str) -> None:
    """Refuse an empty file and repeated column names (pandas would silently rename them to x.1)."""
    import fsspec

    with fsspec.open(str(path), "rb", compression="infer") as handle:
        raw = handle.read(1 << 16)
    if not raw.strip():
        raise ValueError(f"{where} is empty: no header and no rows.")
    first = raw.splitlines()[0]
    try:
        text = first.decode(spec.encoding)
    except UnicodeDecodeError as error:
        raise ValueError(encoding_problem(where, spec, error)) from None
    header = next(csv.reader(io.StringIO(text), delimiter=spec.delimiter), [])
    repeated = sorted(name for name, count in Counter(header).items() if count > 1)
    if repeated:
        raise ValueError(f"{where}: column name(s) {repeated} appear more than once in the header; "
                         "rename them so each column has its own name.")
    if len(header) < 2:
        raise ValueError(f"{where}: the header has a single column ({text[:80]!r}); is data.read.delimiter "
                         f"(now {spec.delimiter!r}) the file's delimiter?")


def read_source(spec: DataSpec, root: Path) -> pd.DataFrame:
    """The whole table data.source names (not a bundled dataset)."""
    import pandas as pd

    if spec.is_sql:
        return read_sql(spec, root)
    source = str(spec.source)
    location = source if is_url(source) else str(resolve(source, root))
    if not is_url(source) and not Path(location).is_file():
        raise FileNotFoundError(f"data.source {source!r} not found (looked for {location}).")
    kind = file_format(source)
    try:
        if kind == "csv":
            return read_csv(location, spec, f"data.source {source!r}")
        if kind == "parquet":
            return pd.read_parquet(location)
        return pd.read_json(location, lines=True, encoding=spec.encoding)
    except (OSError, ValueError) as error:
        if str(error).startswith("data.source"):
            raise
        raise ValueError(f"data.source {source!r} is not a readable {kind} file ({error}).") from None


def resolve(source: str, root: Path) -> Path:
    path = Path(source).expanduser()
    return path if path.is_absolute() else root / path


def env_value(name: str, root: Path) -> str | None:
    """The variable from the environment, else from the project's .env file (NAME=value lines, git-ignored)."""
    if os.environ.get(name):
        return os.environ[name]
    env_file = root / ".env"
    if env_file.is_file():
        for line in env_file.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip() == name and value.strip():
                return value.strip().strip("'\"")
    return None


def read_sql(spec: DataSpec, root: Path) -> pd.DataFrame:
    """Run data.source.sql on the database at the URL in the environment variable data.source.url_env
    (or in .env). A relative SQLite path (sqlite:///data/external/my.db) is relative to the project."""
    import pandas as pd
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    settings = dict(spec.source or {})
    variable = settings.get("url_env", "DATABASE_URL")
    url = env_value(variable, root)
    if not url:
        raise ValueError(f"data.source.url_env: the environment variable {variable} is not set; put the database "
                         f"URL in it (e.g. in .env: {variable}=sqlite:///data/external/my.db).")
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
        url = f"sqlite:///{root / url.removeprefix('sqlite:///')}"
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return pd.read_sql_query(settings["sql"], connection)
    except SQLAlchemyError as error:
        raise ValueError(f"data.source.sql failed on ${variable}: {error.__class__.__name__}: "
                         f"{str(error).splitlines()[0]}") from None
    finally:
        engine.dispose()


def copy_bytes(spec: DataSpec, root: Path, destination: Path) -> None:
    """Copy a CSV source byte for byte (raw data stays exactly what the user gave)."""
    import fsspec

    from ..helpers.progress import Progress

    source = str(spec.source)
    location = source if is_url(source) else str(resolve(source, root))
    with fsspec.open(location, "rb") as reader, open(destination, "wb") as writer:
        size = source_size(location)
        with Progress("data", "MB", total=None if size is None else size / MEGABYTE) as progress:
            while chunk := reader.read(MEGABYTE):
                writer.write(chunk)
                progress.update(len(chunk) / MEGABYTE)


def source_size(location: str) -> int | None:
    """The source's size in bytes, or None where the storage does not say (a web server may not)."""
    import fsspec

    try:
        filesystem, path = fsspec.core.url_to_fs(location)
        size = filesystem.size(path)
    except (OSError, ValueError, NotImplementedError):
        return None
    return int(size) if size is not None else None
