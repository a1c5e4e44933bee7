"""`make report` and `make explore` in generated projects, for every tracking option.

The figures must be whole PNG files of the size reporting/figures.py promises, the Markdown must link
only to files that exist, the metrics table must hold the numbers of reports/metrics.json (hold-out)
and of the model's metadata (cross-validation), and with both reports present `make test` warns about
nothing. A new project starts with both report sources (reports/exploration.py, report.template.md), so
it warns only once one is removed. With DVC, the `report` stage runs again when the model or the
template changes, and the authors' text in the template survives.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import sys
import zlib
from pathlib import Path

import pytest

from .helpers import (ANSWER_VALUES, DEFAULTS, MAKE_TEST_PROJECTS, REPORT_PROJECTS, latest_metadata, make_env,
                      project_python, render, run)

PACKAGE = "penguin_classifier"
FIGURE_PIXELS = (960, 720)  # reporting/figures.py: FIGURE_INCHES at DPI
REPORT_FIGURES = {"confusion_matrix.png", "roc_curves.png", "feature_importance.png", "class_balance.png"}
EXPLORATION_FIGURES = {"class_balance.png", "distributions.png", "correlations.png"}


@pytest.fixture(scope="module", params=ANSWER_VALUES["tracking"])
def reported(request, tmp_path_factory) -> tuple[Path, str]:
    """A project of each tracking option (helpers.REPORT_PROJECTS: with and without DVC, one without an
    API), trained, with both reports written (built once per module)."""
    tracking = request.param
    root = render(tmp_path_factory.mktemp(f"report-{tracking}") / "project", **REPORT_PROJECTS[f"report-{tracking}"])
    # Committed first, as the project's README asks (DVCLive refuses a repository without commits).
    run(["git", "add", "-A"], cwd=root)
    run(["git", "commit", "--quiet", "-m", "Start from template"], cwd=root)
    make_env(root)
    run(["make", "train", "report", "explore"], cwd=root, timeout=1800)
    return root, tracking


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG file, after checking its signature, every chunk's CRC and the end chunk."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file"
    offset, chunks = 8, []
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind, body = data[offset + 4:offset + 8], data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"{path}: bad CRC in chunk {kind!r}"
        chunks.append((kind, body))
        offset += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND" and any(k == b"IDAT" for k, _ in chunks)
    return struct.unpack(">II", chunks[0][1][:8])


def links(markdown: Path) -> list[Path]:
    """Every local file a Markdown file links to (images and plain links), resolved from its folder."""
    targets = re.findall(r"\]\(([^)\s]+)\)", markdown.read_text())
    assert all("://" not in target for target in targets), "reports link to local files only"
    return [markdown.parent / target for target in targets]


def table_rows(markdown: str, header: str) -> dict[str, list[str]]:
    """The rows of the Markdown table whose header line starts with `header`, by first cell."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.e2e
def test_report_figures_are_pngs_of_the_expected_size_and_links_resolve(reported):
    root, _ = reported
    for name, expected in [("report", REPORT_FIGURES), ("exploration", EXPLORATION_FIGURES)]:
        folder = root / "reports" / "figures" / name
        assert {path.name for path in folder.glob("*.png")} == expected
        assert all(png_size(path) == FIGURE_PIXELS for path in folder.glob("*.png"))
        markdown = root / "reports" / ("report.md" if name == "report" else "exploration.md")
        linked = links(markdown)
        assert {path.name for path in linked} == expected and all(path.is_file() for path in linked)


@pytest.mark.e2e
def test_report_metrics_table_equals_metrics_json_and_metadata(reported):
    root, _ = reported
    metrics = json.loads((root / "reports" / "metrics.json").read_text())
    metadata = latest_metadata(root)
    assert metrics["model"] == metadata["model"]["path"]
    report = (root / "reports" / "report.md").read_text()
    rows = table_rows(report, "| metric | hold-out | cross-validation |")
    assert set(rows) == set(metrics["metrics"])
    for name, (hold_out, cross_val) in rows.items():
        assert float(hold_out) == pytest.approx(metrics["metrics"][name], abs=5e-5)
        assert float(cross_val) == pytest.approx(metadata["metrics"][name]["cross_val"], abs=5e-5)
    assert metadata["model"]["version"] in report and metadata["model"]["sha256"][:12] in report
    classes = table_rows(report, "| species | rows | share |")
    assert set(classes) == {"Adelie", "Chinstrap", "Gentoo"} and sum(int(row[0]) for row in classes.values()) == 344
    assert "344 rows (training and hold-out), 8 columns." in report


# The projects' own suites run once each: here for those that helpers.MAKE_TEST_PROJECTS takes from this module.
@pytest.mark.e2e
@pytest.mark.parametrize("reported", [name.removeprefix("report-") for name in MAKE_TEST_PROJECTS
                                      if name.startswith("report-")], indirect=True)
def test_with_both_reports_make_test_warns_about_nothing(reported):
    root, _ = reported
    result = run(["make", "test"], cwd=root)
    assert "warning: no report" not in result.stdout and "structure  ok" in result.stdout
    assert "reports: " in result.stdout


@pytest.mark.e2e
def test_matplotlib_is_imported_only_by_the_report_commands(reported):
    root, _ = reported
    loaded = project_python(root, f"""
import sys
from {PACKAGE}.commands import train, evaluate, predict, export, data, tune
from {PACKAGE}.commands import report, explore
print('matplotlib' in sys.modules)
""")
    assert loaded == "False"


@pytest.mark.e2e
def test_report_follows_the_latest_model(reported):
    """With DVC, `make report` alone retrains when params change (the report stage depends on the model);
    without it, `make train report` does the same in two steps."""
    root, tracking = reported
    before = latest_metadata(root)["model"]["version"]
    use_dvc = REPORT_PROJECTS[f"report-{tracking}"]["use_dvc"]
    params = root / "params.yaml"
    params.write_text(params.read_text().replace("cv_folds: 5", "cv_folds: 2"))
    if not use_dvc:  # a model without feature_importances_: the report falls back to permutation importance
        params.write_text(params.read_text().replace("default_value: random_forest",
                                                     "default_value: logistic_regression"))
    template = root / "reports" / "report.template.md"
    template.write_text(template.read_text().replace("## Metrics", "## Metrics\n\nOur conclusion: ship it ($$0)."))
    result = run(["make", "report"] if use_dvc else ["make", "train", "report"], cwd=root)
    if use_dvc:
        assert "Running stage 'train'" in result.stdout and "Running stage 'report'" in result.stdout
    after = latest_metadata(root)["model"]["version"]
    assert after != before and after in (root / "reports" / "report.md").read_text()
    report = (root / "reports" / "report.md").read_text()
    assert "5-fold" not in report and "Our conclusion: ship it ($0)." in report
    assert "<!--" not in report and "$" not in report.replace("($0)", ""), "placeholders and author notes are gone"
    # The report names its source of feature importance; a model without its own (logistic regression)
    # gets permutation importance on the hold-out set.
    assert re.search(r"^From (permutation importance: mean drop of \w+|the model's feature_importances_)", report,
                     re.MULTILINE), report
    assert use_dvc or "From permutation importance: mean drop of" in report
    # Trained from the committed project with params.yaml edited: the metadata and the report say so.
    head = run(["git", "rev-parse", "HEAD"], cwd=root).stdout.strip()
    assert latest_metadata(root)["git"] == {"commit": head, "dirty": True}
    assert f"git {head[:12]} (dirty)" in report


def check_structure(root: Path) -> str:
    """The project's own structure check (src/<package>/structure.py), run as the post-copy hook runs it."""
    return run([sys.executable, str(root / "src" / PACKAGE / "structure.py"), "--root", str(root)], cwd=root).stdout


def test_a_new_project_starts_with_both_reports_and_warns_once_one_is_removed(tmp_path):
    root = render(tmp_path / "project", **DEFAULTS)
    assert {path.name for path in (root / "reports").iterdir()} >= {"exploration.py", "report.template.md"}
    assert "warning" not in check_structure(root)
    (root / "reports" / "exploration.py").unlink()
    (root / "reports" / "report.template.md").unlink()
    warnings = [line for line in check_structure(root).splitlines() if line.startswith("warning")]
    assert [line.split()[4] for line in warnings] == ["reports/exploration.*", "reports/report.*"]


@pytest.mark.e2e
@pytest.mark.parametrize("text, problem", [
    ("# $model_name\n\n$metrics and $conclusion", "unknown placeholders $conclusion"),
    ("# $model_name costs 5 $ a day", "lone $ sign"),
    (None, "reports/report.template.md not found"),
])
def test_a_broken_report_template_is_refused_before_any_work(reported, text, problem):
    root, _ = reported
    template, report = root / "reports" / "report.template.md", root / "reports" / "report.md"
    kept, before = template.read_text(), report.read_bytes()
    try:
        template.unlink()
        if text is not None:
            template.write_text(text)
        result = run([str(root / ".venv" / "bin" / "python"), "-m", PACKAGE, "report"], cwd=root, check=False)
        assert result.returncode != 0 and problem in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and report.read_bytes() == before
    finally:
        template.write_text(kept)


@pytest.mark.e2e
def test_explore_runs_the_projects_own_script_and_says_when_it_is_missing(reported):
    root, _ = reported
    script = root / "reports" / "exploration.py"
    kept = script.read_text()
    python = str(root / ".venv" / "bin" / "python")
    try:
        script.write_text(kept.replace('"## Correlations",', '"## Correlations",\n        "Our own note.",'))
        run([python, "-m", PACKAGE, "explore"], cwd=root)
        assert "Our own note." in (root / "reports" / "exploration.md").read_text()
        shutil.move(script, script.with_suffix(".bak"))
        result = run([python, "-m", PACKAGE, "explore"], cwd=root, check=False)
        assert result.returncode != 0 and "reports/exploration.py not found" in result.stderr, result.stderr
    finally:
        script.write_text(kept)
        script.with_suffix(".bak").unlink(missing_ok=True)
