"""Load: copy (or query) data.source into data/raw once. Raw data is immutable once written.

A user's CSV is copied byte for byte; Parquet, JSON lines and query results are written as CSV with
the data.read options, so staging reads every raw file the same way. Before anything is written the
table is read and checked (target present, a task it can be trained for, no repeated columns), so a
bad source leaves data/raw as it was. A bundled dataset shipped as a CSV is copied without importing
pandas, which keeps the first step of the pipeline instant.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from ..helpers.files import atomic_write
from ..paths import ProjectPaths
from .datasets import get_dataset
from .spec import DataSpec, data_spec


def load_raw(paths: ProjectPaths, data_params: dict[str, Any]) -> tuple[Path, bool]:
    """Write data/raw/<dataset>.csv unless it exists; return (path, whether it was written).

    An existing raw file is never rewritten: to load a new version of the source, give it a new
    name (data.dataset=churn_v2) or delete the raw file yourself.
    """
    spec = data_spec(data_params)
    target = paths.raw_file(spec.name)
    if target.exists():
        warn_if_source_changed(spec, paths, target)
        return target, False
    if spec.bundled:
        dataset = get_dataset(spec.name)
        packaged = dataset.csv_file()
        if packaged is not None:
            atomic_write(target, lambda tmp: shutil.copyfile(packaged, tmp))
        else:
            frame = dataset.load(data_params)
            atomic_write(target, lambda tmp: frame.to_csv(tmp, index=False))
        return target, True
    load_source(spec, paths, target)
    return target, True


def warn_if_source_changed(spec: DataSpec, paths: ProjectPaths, raw: Path) -> None:
    """Say so when a local CSV source no longer has the size of its raw copy: the copy is kept, as raw data is."""
    if not isinstance(spec.source, str) or "://" in spec.source or not spec.source.lower().endswith(".csv"):
        return
    source = Path(spec.source).expanduser()
    source = source if source.is_absolute() else paths.root / source
    if source.is_file() and source.resolve() != raw.resolve() and source.stat().st_size != raw.stat().st_size:
        print(f"warning    {spec.source} differs from its raw copy {raw.name}, which is kept (raw data is "
              f"immutable): load the new version under a new name, e.g. data.dataset={spec.name}_v2 "
              f"(or delete {raw.relative_to(paths.root)} to replace it).", file=sys.stderr)


def load_source(spec: DataSpec, paths: ProjectPaths, target: Path) -> None:
    """Read and check the user's table, then write its raw copy atomically."""
    from .sources import copy_bytes, describe, file_format, is_url, read_source, resolve
    from .staging import check_table

    frame = read_source(spec, paths.root)
    try:
        check_table(frame, spec)
    except ValueError as error:
        raise ValueError(f"{describe(spec)}: {error} Nothing was written to {target.parent.name}/.") from None
    source = spec.source
    if isinstance(source, str) and file_format(source) == "csv" and source.lower().endswith(".csv"):
        if not is_url(source) and resolve(source, paths.root).resolve() == target.resolve():
            return
        atomic_write(target, lambda tmp: copy_bytes(spec, paths.root, tmp))
    else:
        atomic_write(target, lambda tmp: frame.to_csv(tmp, index=False, sep=spec.delimiter, decimal=spec.decimal,
                                                      encoding=spec.encoding))
