"""`report`: the delivery report of the latest model, reports/report.md with its figures in
reports/figures/report/, rendered from reports/report.template.md (the project's own text around
$-placeholders for the sections built here). It is what the CML workflow posts on a commit or pull
request and the delivery report that `make check` expects; DVC's `report` stage rebuilds it when the
model or the template changes."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import project_root
from ..helpers.files import atomic_write_text
from ..model.features import select_features, split_target
from ..paths import ProjectPaths
from ..reporting import figures
from ..reporting.markdown import class_balance, image, number, table
from ..reporting.summary import data_summary
from ..model.loading import load_trained

REPORT = Path("reports") / "report.md"
TEMPLATE = Path("reports") / "report.template.md"
AUTHOR_NOTES = re.compile(r"<!--.*?-->\n*", re.DOTALL)  # the template's HTML comments, not for readers
FIGURES = Path("reports") / "figures" / "report"


def hold_out_metrics(paths: ProjectPaths, metadata: dict[str, Any]) -> dict[str, float]:
    """The hold-out metrics in reports/metrics.json, which must be those of this model."""
    if not paths.metrics_file.is_file():
        raise FileNotFoundError(f"{paths.metrics_file.relative_to(paths.root)} not found: run `make evaluate` first.")
    scored = json.loads(paths.metrics_file.read_text())
    if scored.get("model") != metadata["model"]["path"]:
        raise RuntimeError(
            f"reports/metrics.json scores {scored.get('model')}, not the latest model {metadata['model']['path']}: "
            "run `make evaluate` first."
        )
    return scored["metrics"]


def importances(model: Any, features: pd.DataFrame, target: pd.Series, metric: str) -> tuple[dict[str, float], str]:
    """The model's own feature importances, or permutation importance on the hold-out set when it has none."""
    own = getattr(model, "feature_importances_", None)
    if own is not None:
        return dict(zip(map(str, features.columns), map(float, own))), "the model's feature_importances_"
    from sklearn.inspection import permutation_importance

    from ..model.scoring import scorer

    result = permutation_importance(model, features, target, scoring=scorer(metric, "evaluate.metrics"), n_repeats=5,
                                    random_state=0)
    return (dict(zip(map(str, features.columns), map(float, result.importances_mean))),
            f"permutation importance: mean drop of {metric} over 5 shuffles of the hold-out set")


def model_section(metadata: dict[str, Any]) -> list[str]:
    model, git = metadata["model"], metadata["git"]
    commit = "not committed" if not git.get("commit") else git["commit"][:12] + (" (dirty)" if git.get("dirty") else "")
    return [
        table(["", "model metadata"], [
            ("model", f"`{model['name']}` version {model['version']}"),
            ("type", f"`{model['type']}`"),
            ("file", f"`{model['path']}` ({model['size_bytes']} bytes, sha256 {model['sha256'][:12]})"),
            ("trained", f"{metadata['created_at']} in {metadata['training_seconds']} s, git {commit}"),
            ("data", f"{metadata['data']['dataset']}: {metadata['data']['train']['rows']} training and "
                     f"{metadata['data']['test']['rows']} hold-out rows, {len(metadata['features'])} features"),
            ("testing", f"hold-out ({format(metadata['testing']['test_size'], '.0%')}), "
                        f"{metadata['testing']['cv_folds']}-fold cross-validation on the training set"),
        ]),
    ]


def data_section(frame: pd.DataFrame, target: str, report: Path, root: Path,
                 task: str = "classification") -> list[str]:
    summary = data_summary(frame, target)
    missing = (table(["column", "missing values"], summary["missing"].items()) if summary["missing"]
               else "No missing values.")
    if task == "regression":
        values = frame[target].astype(float)
        figure = figures.histograms(frame[[target]], root / FIGURES / "target_distribution.png")
        return [
            f"{summary['rows']} rows (training and hold-out), {summary['columns']} columns.",
            missing,
            table([target, "value"], [("min", number(values.min())), ("median", number(values.median())),
                                      ("mean", number(values.mean())), ("max", number(values.max()))]),
            image("Target distribution", figure, report),
        ]
    figure = figures.bars(summary["classes"], f"Class balance of {target!r}", "rows",
                          root / FIGURES / "class_balance.png")
    return [
        f"{summary['rows']} rows (training and hold-out), {summary['columns']} columns.",
        missing,
        class_balance(summary["classes"], target),
        image("Class balance", figure, report),
    ]


def roc_section(model: Any, features: pd.DataFrame, actual: pd.Series, paths: ProjectPaths, report: Path) -> str:
    if not hasattr(model, "predict_proba"):
        return "The model gives no class probabilities (no `predict_proba`), so no ROC curves."
    roc = figures.roc_curves(actual, model.predict_proba(features), list(model.classes_),
                             paths.root / FIGURES / "roc_curves.png")
    return image("ROC curves", roc, report)


def learning_curves_section(metadata: dict[str, Any], paths: ProjectPaths, report: Path) -> str:
    """The learning curves of a model whose trainer recorded a history.json (loss and metrics per epoch), else "".

    The file must still be the one the model's metadata describes: a later training run rewrites it.
    """
    from ..helpers.files import sha256_file

    found = [item for item in metadata.get("artifacts", []) if item["path"].endswith("history.json")]
    if not found:
        return ""
    path = paths.resolve(found[0]["path"])
    if not path.is_file() or sha256_file(path) != found[0].get("sha256"):
        return f"\n\nNo learning curves: `{found[0]['path']}` is missing or belongs to a later training run."
    history = json.loads(path.read_text()).get("history") or {}
    curves = figures.learning_curves(history, paths.root / FIGURES / "learning_curves.png")
    return f"\n\nPer epoch, from `{found[0]['path']}`:\n\n" + image("Learning curves", curves, report)


SECTIONS = ("model_name", "model", "metrics", "confusion_matrix", "roc_curves", "feature_importance", "data")


def read_template(path: Path) -> string.Template:
    """reports/report.template.md, checked before any work: it exists and uses only known $placeholders."""
    known = ", ".join(f"${name}" for name in SECTIONS)
    if not path.is_file():
        raise FileNotFoundError(
            f"reports/{path.name} not found: restore it with `git checkout -- reports/{path.name}`, or write your "
            f"own report there with placeholders among {known}."
        )
    template = string.Template(path.read_text(encoding="utf-8"))
    if not template.is_valid():
        raise ValueError(f"reports/{path.name} has a lone $ sign: write a dollar sign of your own as $$.")
    unknown = sorted(set(template.get_identifiers()) - set(SECTIONS))
    if unknown:
        raise ValueError(f"reports/{path.name} has unknown placeholders ${', $'.join(unknown)}: use {known}.")
    return template


def main(model_path: Path | None = None) -> Path:
    """Write reports/report.md and its figures for the latest (or given) model; return its path."""
    paths = ProjectPaths(project_root())
    template = read_template(paths.root / TEMPLATE)
    model, metadata = load_trained(paths, model_path)
    report = paths.root / REPORT
    hold_out = hold_out_metrics(paths, metadata)
    target = metadata["data"]["target"]
    test = pd.read_parquet(paths.resolve(metadata["data"]["test"]["path"]))
    train = pd.read_parquet(paths.resolve(metadata["data"]["train"]["path"]))
    features, actual = split_target(test, target)
    features = select_features(features, {f["name"]: f["type"] for f in metadata["features"]})
    predicted = model.predict(features)
    metric = next(iter(hold_out))

    sections = {"model_name": metadata["model"]["name"], "model": "\n\n".join(model_section(metadata))}
    sections["metrics"] = table(["metric", "hold-out", "cross-validation"], [
        (name, number(value), number(metadata["metrics"].get(name, {}).get("cross_val")))
        for name, value in hold_out.items()
    ]) + learning_curves_section(metadata, paths, report)
    task = metadata.get("task", "classification")
    if task == "regression":  # the same two sections, with a regressor's figures
        scatter = figures.predicted_against_actual(actual, predicted, paths.root / FIGURES / "predicted_vs_actual.png")
        sections["confusion_matrix"] = image("Predicted against actual", scatter, report)
        spread = figures.residuals(actual, predicted, paths.root / FIGURES / "residuals.png")
        sections["roc_curves"] = image("Residuals", spread, report)
    else:
        confusion = figures.confusion_matrix(actual.astype(str), predicted.astype(str),
                                             paths.root / FIGURES / "confusion_matrix.png")
        sections["confusion_matrix"] = image("Confusion matrix", confusion, report)
        sections["roc_curves"] = roc_section(model, features, actual, paths, report)
    values, method = importances(model, features, actual, metric)
    importance = figures.bars(values, "Feature importance", method.split(":")[0],
                              paths.root / FIGURES / "feature_importance.png")
    sections["feature_importance"] = f"From {method}.\n\n" + image("Feature importance", importance, report)
    both = pd.concat([train, test], ignore_index=True)
    sections["data"] = "\n\n".join(data_section(both, target, report, paths.root, task))
    atomic_write_text(report, AUTHOR_NOTES.sub("", template.substitute(sections)))
    print(f"report     {REPORT.as_posix()} ({len(list((paths.root / FIGURES).glob('*.png')))} figures)")
    return report
