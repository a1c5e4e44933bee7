"""`data`: data.source (or a bundled dataset) -> data/raw -> data/staging -> data/transformed, and cleaning up."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..config import load_params, project_root
from ..etl.load import load_raw
from ..etl.spec import data_spec
from ..paths import ProjectPaths

STEPS = ("load", "stage", "transform")


def main(steps: Sequence[str] = STEPS, overrides: Sequence[str] = (), params: dict[str, Any] | None = None) -> None:
    """Run the chosen data steps in pipeline order (with params already loaded by a caller, or loaded here)."""
    unknown = [step for step in steps if step not in STEPS]
    if unknown:
        raise ValueError(f"Unknown data step(s) {unknown}; choose from {', '.join(STEPS)}.")
    params = load_params(overrides) if params is None else params
    paths = ProjectPaths(project_root())
    spec = data_spec(params["data"])
    name = spec.name
    raw_file, staging_file = paths.raw_file(name), paths.staging_file(name)
    train_file, test_file = paths.train_file(name), paths.test_file(name)
    if "load" in steps:
        _, written = load_raw(paths, params["data"])
        print(f"raw        {raw_file.relative_to(paths.root)}" + ("" if written else " (kept: raw data is immutable)"))
    if "stage" in steps:
        from ..etl.staging import stage  # pandas: imported only by the steps that use it

        staged = stage(raw_file, staging_file, spec, paths.metadata)
        print(f"staging    {staging_file.relative_to(paths.root)} ({len(staged)} rows)")
    if "transform" in steps:
        from ..etl.transform import transform

        train_rows, test_rows = transform(staging_file, train_file, test_file, spec, params["etl"])
        print(f"train      {train_file.relative_to(paths.root)} ({train_rows} rows)")
        print(f"test       {test_file.relative_to(paths.root)} ({test_rows} rows)")


def clean(include_raw: bool = False) -> list[Path]:
    """Delete generated data (staging, transformed, predictions; raw too if asked), keep .gitkeep."""
    paths = ProjectPaths(project_root())
    folders = [paths.staging, paths.transformed, paths.predictions] + ([paths.raw] if include_raw else [])
    removed = []
    for folder in folders:
        for path in sorted(folder.rglob("*"), reverse=True):
            if path.name == ".gitkeep":
                continue
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink()
            removed.append(path)
    return removed
