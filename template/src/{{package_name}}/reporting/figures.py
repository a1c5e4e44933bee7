"""The figures of the reports, drawn with matplotlib's Agg backend (no display needed) and saved as PNG.

Every figure has the same size (FIGURE_INCHES at DPI: 960 x 720 pixels), so reports look alike and
tests can check the files. matplotlib is imported here only: other commands never load it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..helpers.files import atomic_path

FIGURE_INCHES = (8.0, 6.0)
DPI = 120
PIXELS = (int(FIGURE_INCHES[0] * DPI), int(FIGURE_INCHES[1] * DPI))


def _new_axes(title: str) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=FIGURE_INCHES, dpi=DPI)
    axes.set_title(title)
    return figure, axes


def _save(figure: Any, path: Path) -> Path:
    """Write the figure atomically at exactly PIXELS (no tight bounding box, which changes the size)."""
    import matplotlib.pyplot as plt

    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=DPI)
    plt.close(figure)
    return path


def bars(values: Mapping[str, float], title: str, xlabel: str, path: Path) -> Path:
    """Horizontal bars, largest on top: class counts, feature importances."""
    figure, axes = _new_axes(title)
    ordered = sorted(values.items(), key=lambda item: item[1])
    axes.barh([name for name, _ in ordered], [value for _, value in ordered], color="tab:blue")
    axes.set_xlabel(xlabel)
    return _save(figure, path)


def confusion_matrix(actual: Sequence[str], predicted: Sequence[str], path: Path) -> Path:
    """Counts of each (actual, predicted) class pair on the hold-out set."""
    from sklearn.metrics import ConfusionMatrixDisplay

    figure, axes = _new_axes("Confusion matrix (hold-out)")
    ConfusionMatrixDisplay.from_predictions(actual, predicted, ax=axes, colorbar=False)
    axes.set_title("Confusion matrix (hold-out)")
    return _save(figure, path)


def roc_curves(actual: pd.Series, probabilities: np.ndarray, classes: Sequence[Any], path: Path) -> Path:
    """One-vs-rest ROC curve per class (the positive class only for a binary target)."""
    from sklearn.metrics import RocCurveDisplay

    figure, axes = _new_axes("ROC curves (hold-out, one class against the rest)")
    shown = list(enumerate(classes))[1:] if len(classes) == 2 else list(enumerate(classes))
    for index, label in shown:
        RocCurveDisplay.from_predictions(actual == label, probabilities[:, index], ax=axes, name=str(label))
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1)
    axes.set_xlabel("False positive rate")
    axes.set_ylabel("True positive rate")
    axes.set_title("ROC curves (hold-out, one class against the rest)")
    return _save(figure, path)


def predicted_against_actual(actual: Sequence[float], predicted: Sequence[float], path: Path) -> Path:
    """A regressor's hold-out predictions against the true values; perfect ones lie on the diagonal."""
    figure, axes = _new_axes("Predicted against actual (hold-out)")
    axes.scatter(actual, predicted, s=12, alpha=0.6, color="tab:blue")
    low, high = float(min(np.min(actual), np.min(predicted))), float(max(np.max(actual), np.max(predicted)))
    axes.plot([low, high], [low, high], linestyle="--", color="grey", linewidth=1)
    axes.set_xlabel("Actual")
    axes.set_ylabel("Predicted")
    return _save(figure, path)


def residuals(actual: Sequence[float], predicted: Sequence[float], path: Path) -> Path:
    """Residuals (actual - predicted) against the predictions: a pattern is what the model misses."""
    figure, axes = _new_axes("Residuals (hold-out)")
    errors = np.asarray(actual, dtype=float) - np.asarray(predicted, dtype=float)
    axes.scatter(predicted, errors, s=12, alpha=0.6, color="tab:blue")
    axes.axhline(0, linestyle="--", color="grey", linewidth=1)
    axes.set_xlabel("Predicted")
    axes.set_ylabel("Actual - predicted")
    return _save(figure, path)


def learning_curves(history: Mapping[str, Sequence[float]], path: Path) -> Path:
    """Each metric of a trainer's history per epoch, training and validation (val_) side by side, one panel each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    names = [name for name in history if not name.startswith("val_")]
    figure, grid = plt.subplots(1, max(1, len(names)), figsize=FIGURE_INCHES, dpi=DPI, squeeze=False)
    for axes, name in zip(grid.flat, names):
        epochs = np.arange(1, len(history[name]) + 1)
        axes.plot(epochs, history[name], label="training", color="tab:blue")
        if f"val_{name}" in history:
            axes.plot(epochs, history[f"val_{name}"], label="validation", color="tab:orange")
        axes.set_title(name)
        axes.set_xlabel("epoch")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.legend()
    figure.suptitle("Learning curves")
    return _save(figure, path)


def histograms(frame: pd.DataFrame, path: Path, limit: int = 9) -> Path:
    """Distribution of the first `limit` numeric columns, one small panel each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = list(frame.select_dtypes("number").columns[:limit])
    across = max(1, int(np.ceil(np.sqrt(len(columns)))))
    down = max(1, int(np.ceil(len(columns) / across)))
    figure, grid = plt.subplots(down, across, figsize=FIGURE_INCHES, dpi=DPI, squeeze=False)
    for axes, column in zip(grid.flat, columns):
        axes.hist(frame[column].dropna(), bins=20, color="tab:blue")
        axes.set_title(column, fontsize=9)
        axes.tick_params(labelsize=7)
    for axes in list(grid.flat)[len(columns):]:
        axes.axis("off")
    figure.suptitle("Numeric columns")
    return _save(figure, path)


def correlations(frame: pd.DataFrame, path: Path) -> Path:
    """Pearson correlation between the numeric columns, as a heat map."""
    numeric = frame.select_dtypes("number")
    figure, axes = _new_axes("Correlation of numeric columns")
    matrix = numeric.corr().to_numpy() if numeric.shape[1] else np.zeros((0, 0))
    image = axes.imshow(matrix, vmin=-1, vmax=1, cmap="coolwarm")
    axes.set_xticks(range(numeric.shape[1]), numeric.columns, rotation=90, fontsize=7)
    axes.set_yticks(range(numeric.shape[1]), numeric.columns, fontsize=7)
    figure.colorbar(image, ax=axes)
    return _save(figure, path)
