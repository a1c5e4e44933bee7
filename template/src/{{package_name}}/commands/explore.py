"""`explore`: the exploration report of the raw dataset, reports/exploration.md with figures in
reports/figures/exploration/: summary statistics, missing values, class balance, distributions and
correlations. Written before any modelling, so it reads data/raw (loading it first if needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..config import load_params, project_root
from ..etl.datasets import get_dataset
from ..helpers.files import atomic_write_text
from ..paths import ProjectPaths
from ..reporting import figures
from ..reporting.markdown import class_balance, image, table
from ..reporting.summary import data_summary
from . import data

REPORT = Path("reports") / "exploration.md"
FIGURES = Path("reports") / "figures" / "exploration"


def main(overrides: Sequence[str] = ()) -> Path:
    """Write reports/exploration.md and its figures for data.dataset; return its path."""
    params = load_params(overrides)
    paths = ProjectPaths(project_root())
    dataset = params["data"]["dataset"]
    raw_file = paths.raw_file(dataset)
    if not raw_file.is_file():
        data.main(steps=("load",), overrides=overrides)
    frame = pd.read_csv(raw_file)
    target = get_dataset(dataset).target
    summary = data_summary(frame, target)
    report, folder = paths.root / REPORT, paths.root / FIGURES

    statistics = frame.describe(include="all").transpose()
    sections = [
        f"# Exploration of the {dataset} dataset",
        f"`{raw_file.relative_to(paths.root).as_posix()}`: {summary['rows']} rows, {summary['columns']} columns "
        f"(target `{target}`).",
        "## Columns",
        table(["column", "type", "missing", "unique", "mean", "std", "min", "max"], [
            (name, str(frame[name].dtype), int(frame[name].isna().sum()), int(frame[name].nunique()),
             *(_cell(statistics.loc[name].get(key)) for key in ("mean", "std", "min", "max")))
            for name in frame.columns
        ]),
        "## Class balance",
        class_balance(summary["classes"], target),
        image("Class balance", figures.bars(summary["classes"], f"Class balance of {target!r}", "rows",
                                            folder / "class_balance.png"), report),
        "## Distributions",
        image("Numeric columns", figures.histograms(frame.drop(columns=[target]), folder / "distributions.png"),
              report),
        "## Correlations",
        image("Correlations", figures.correlations(frame.drop(columns=[target]), folder / "correlations.png"),
              report),
    ]
    atomic_write_text(report, "\n\n".join(sections) + "\n")
    print(f"report     {REPORT.as_posix()} ({len(list(folder.glob('*.png')))} figures)")
    return report


def _cell(value: object) -> str:
    """A statistic as text: numbers rounded, missing ones (text columns have no mean) blank."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return f"{value:.4g}" if isinstance(value, (int, float)) else str(value)
