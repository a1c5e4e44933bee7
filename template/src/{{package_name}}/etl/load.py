"""Load: copy a bundled dataset into data/raw. Raw data is immutable once written."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any


from ..helpers.files import atomic_write
from ..paths import ProjectPaths
from .datasets import get_dataset


def load_raw(paths: ProjectPaths, data_params: dict[str, Any]) -> tuple[Path, bool]:
    """Write data/raw/<dataset>.csv unless it exists; return (path, whether it was written).

    An existing raw file is never rewritten: delete it yourself to fetch it again.
    """
    name = data_params["dataset"]
    dataset = get_dataset(name)
    target = paths.raw_file(name)
    if target.exists():
        return target, False
    packaged = dataset.csv_file()
    if packaged is not None:
        atomic_write(target, lambda tmp: shutil.copyfile(packaged, tmp))
    else:
        frame = dataset.load(data_params)
        atomic_write(target, lambda tmp: frame.to_csv(tmp, index=False))
    return target, True
