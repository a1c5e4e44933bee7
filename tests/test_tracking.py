"""Experiment tracking, DVC and the reports in generated projects, checked through each tool's own API or CLI.

For every tracking choice, with DVC on and off (DVCLive needs DVC): render, build the
environment, run the pipeline, and ask the tool what it recorded. Four of these projects (one per tracking
choice, helpers.REPORT_PROJECTS) also write both reports, checked at the end of the module:

`make report` and `make explore`: the figures must be whole PNG files of the size reporting/figures.py
promises, the Markdown must link only to files that exist, the metrics table must hold the numbers of
reports/metrics.json (hold-out) and of the model's metadata (cross-validation), and with both reports
present `make test` warns about nothing. A new project starts with both report sources
(reports/exploration.py, report.template.md), so it warns only once one is removed. With DVC, the `report`
stage runs again when the model or the template changes, and the authors' text in the template survives.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import zlib
import urllib.request
from pathlib import Path

import pytest
import yaml

from .helpers import (DEFAULTS, MAKE_TEST_PROJECTS, REPORT_PROJECTS, assert_import_names_are_reserved, combo_id,
                      copier_copy, free_port, is_valid, latest_metadata, make_env, project_python, render, run)
from .template_repo import commit_and_tag

pytestmark = pytest.mark.e2e
PACKAGE = "penguin_classifier"
COMBOS = [c for c in ({**DEFAULTS, "tracking": t, "use_dvc": d, "cml": d}
                      for t in ["mlflow", "wandb", "dvclive", "none"] for d in [True, False]) if is_valid(c)]
# W&B without DVC has no API: then the report projects (helpers.REPORT_PROJECTS) are four of these.
COMBOS = [{**c, "api": "none"} if c["tracking"] == "wandb" and not c["use_dvc"] else c for c in COMBOS]
REPORTED = [answers for answers in COMBOS if answers in REPORT_PROJECTS.values()]
TRAINED: dict[str, tuple[Path, dict, subprocess.CompletedProcess]] = {}  # by combo_id: built once per module
WANDB_READER = Path(__file__).with_name("wandb_offline_run.py")


def render_and_build(root: Path, answers: dict, remote: Path | None) -> Path:
    """Render (with this DVC remote; None: the default one, under ~), build the environment, commit."""
    copier_copy(root, answers, **({"dvc_remote": remote} if answers["use_dvc"] and remote else {}))
    edit_params(root, lambda p: p["train"].update(cv_folds=2))
    make_env(root)
    commit_and_tag(root, None, "Start from template")
    return root


def edit_params(root: Path, change) -> None:
    """Change params.yaml as a user would (a YAML round trip is enough for the tests)."""
    path = root / "params.yaml"
    params = yaml.safe_load(path.read_text())
    change(params)
    path.write_text(yaml.safe_dump(params, sort_keys=False))


def in_env(root: Path) -> dict[str, str]:
    """The environment of a shell where the project's environment is activated."""
    return {"PATH": f"{root / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}


def dvc_metrics(root: Path) -> dict:
    """`dvc metrics show --json` of the workspace, as {file: metrics}."""
    shown = json.loads(run([str(root / ".venv" / "bin" / "dvc"), "metrics", "show", "--json"], cwd=root).stdout)
    (workspace,) = shown.values()  # one revision: the workspace
    return {path: entry["data"] for path, entry in workspace["data"].items()}


def trained_project(answers: dict, tmp_path_factory) -> tuple[Path, dict, subprocess.CompletedProcess]:
    """The combination's project, trained and evaluated once with `make train evaluate`, and with both
    reports written if it is a report project; built on first use, shared by the fixtures below."""
    key = combo_id(answers)
    if key not in TRAINED:
        base = tmp_path_factory.mktemp(key)
        root = render_and_build(base / "project", answers, base / "dvc-remote")
        reports = ["report", "explore"] if answers in REPORTED else []
        result = run(["make", "train", "evaluate", *reports], cwd=root, env={"WANDB_API_KEY": ""}, timeout=1800)
        TRAINED[key] = root, answers, result
    return TRAINED[key]


@pytest.fixture(scope="module", params=COMBOS, ids=combo_id)
def trained(request, tmp_path_factory):
    return trained_project(request.param, tmp_path_factory)


def test_tracking_backend_recorded_the_run(trained):
    root, answers, _ = trained
    metadata = latest_metadata(root)
    tracking = answers["tracking"]
    assert metadata["tracking"]["backend"] == tracking
    accuracy = metadata["metrics"]["accuracy"]["hold_out"]
    if tracking == "mlflow":
        runs = json.loads(project_python(root, (
            "import json, mlflow; mlflow.set_tracking_uri('sqlite:///mlflow.db'); "
            "c = mlflow.MlflowClient(); e = c.get_experiment_by_name('penguin-classifier'); "
            "rs = c.search_runs([e.experiment_id]); "
            "print(json.dumps([{'id': r.info.run_id, 'status': r.info.status, 'params': r.data.params, "
            "'metrics': r.data.metrics, 'artifacts': [a.path for a in c.list_artifacts(r.info.run_id)]} "
            "for r in rs]))")))
        assert len(runs) == 1 and runs[0]["id"] == metadata["tracking"]["run_id"]
        assert runs[0]["status"] == "FINISHED"
        assert runs[0]["params"]["train.cv_folds"] == "2"
        assert runs[0]["metrics"]["hold_out_accuracy"] == pytest.approx(accuracy)
        assert {Path(metadata["model"]["path"]).name, f"{Path(metadata['model']['path']).stem}.json"} <= set(
            runs[0]["artifacts"])
    elif tracking == "wandb":
        run_dirs = list((root / "wandb").glob("offline-run-*"))
        assert len(run_dirs) == 1 and metadata["tracking"]["run_id"] in run_dirs[0].name
        recorded = json.loads(run([str(root / ".venv" / "bin" / "python"), str(WANDB_READER), str(run_dirs[0])],
                                  cwd=root).stdout)
        assert recorded["config"]["train.cv_folds"] == 2
        assert recorded["summary"]["hold_out_accuracy"] == pytest.approx(accuracy)
        assert (run_dirs[0] / "files" / metadata["model"]["path"]).is_file()
    elif tracking == "dvclive":
        shown = dvc_metrics(root)
        assert shown["dvclive/metrics.json"]["hold_out_accuracy"] == pytest.approx(accuracy)
        params = yaml.safe_load((root / "dvclive" / "params.yaml").read_text())
        assert params["train.cv_folds"] == 2
    else:
        assert metadata["tracking"]["run_id"] is None
        assert not (root / "mlflow.db").exists() and not (root / "wandb").exists()


def test_metrics_and_plots_are_readable(trained):
    root, answers, _ = trained
    metrics = json.loads((root / "reports" / "metrics.json").read_text())
    assert 0.9 < metrics["metrics"]["accuracy"] <= 1.0
    if not answers["use_dvc"]:
        assert not (root / "dvc.yaml").exists()
        return
    shown = dvc_metrics(root)
    assert shown["reports/metrics.json"]["metrics"]["accuracy"] == metrics["metrics"]["accuracy"]
    plots = run([str(root / ".venv" / "bin" / "dvc"), "plots", "show", "--json"], cwd=root).stdout
    assert "reports/plots/confusion.csv" in plots
    if answers["tracking"] == "dvclive":
        assert "dvclive/plots/sklearn/confusion_matrix.json" in plots


def test_every_installed_import_name_is_reserved(trained):
    root, *_ = trained
    assert_import_names_are_reserved(root)


def test_metrics_logged_per_step_are_a_series(trained):
    """log_metrics(step=...) (a Keras plugin's epochs) records one value per step, through the child process.

    Last of the combination's tests: it opens a run of its own (an MLflow experiment of its own; W&B and
    DVCLive write beside the training run's files)."""
    root, answers, _ = trained
    tracking = answers["tracking"]
    run_id = run([str(root / ".venv" / "bin" / "python"), "-c", (
        f"from {PACKAGE}.config import load_params\n"
        f"from {PACKAGE}.tracking import tracking_run\n"
        "from pathlib import Path\n"
        "settings = {**load_params()['tracking'], 'experiment': 'steps'}\n"
        "with tracking_run(settings, Path.cwd()) as tracker:\n"
        "    for epoch, loss in enumerate([0.9, 0.5, 0.25]):\n"
        "        tracker.log_metrics({'loss': loss, 'val_loss': loss + 0.1}, step=epoch)\n"
        "print(tracker.run_id)\n"
    )], cwd=root, env={"WANDB_API_KEY": ""}).stdout.splitlines()[-1]
    if tracking == "mlflow":
        history = json.loads(project_python(root, (
            "import json, mlflow; mlflow.set_tracking_uri('sqlite:///mlflow.db'); "
            f"print(json.dumps([(m.step, m.value) for m in mlflow.MlflowClient().get_metric_history({run_id!r}, "
            "'loss')]))")))
        assert sorted(history) == [[0, 0.9], [1, 0.5], [2, 0.25]]
    elif tracking == "wandb":
        (run_dir,) = (root / "wandb").glob(f"offline-run-*{run_id}")
        steps = json.loads(run([str(root / ".venv" / "bin" / "python"), str(WANDB_READER), "--history", str(run_dir)],
                               cwd=root).stdout)["history"]
        assert [(row["_step"], row["loss"]) for row in steps] == [(0, 0.9), (1, 0.5), (2, 0.25)]
    elif tracking == "dvclive":
        rows = (root / "dvclive" / "plots" / "metrics" / "loss.tsv").read_text().splitlines()
        assert [line.split("\t")[-2:] for line in rows[1:]] == [["0", "0.9"], ["1", "0.5"], ["2", "0.25"]]
    else:
        assert run_id == "None"


DVC_PROJECT = {**DEFAULTS, "tracking": "none"}


@pytest.fixture(scope="module")
def dvc_project(tmp_path_factory):
    base = tmp_path_factory.mktemp("dvc")
    root = render_and_build(base / "project", DVC_PROJECT, None)  # the default remote, under HOME
    first = run(["make", "repro"], cwd=root)
    return root, base, first


def with_home(base: Path) -> dict[str, str]:
    """A HOME of the test's own, for the default remote `~/dvc-storage/<slug>`."""
    return {"HOME": str(base / "home")}


def dvc(root: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    base = root.parent
    return run([str(root / ".venv" / "bin" / "dvc"), *args], cwd=cwd or root, env={**in_env(root), **with_home(base)})


def remote_objects(folder: Path) -> set[str]:
    """The objects a DVC 3 remote or cache folder holds (files/md5/ab/cdef...)."""
    objects = folder / "files" / "md5"
    return {str(path.relative_to(objects)) for path in objects.rglob("*") if path.is_file()}


def stages_run(output: str) -> list[str]:
    return [line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage '")]


def test_repro_runs_every_stage_then_nothing(dvc_project):
    root, _, first = dvc_project
    assert stages_run(first.stdout) == ["load", "data", "train", "evaluate", "report"]
    models = sorted((root / "models").glob("*.skops"))
    second = run(["make", "repro"], cwd=root)
    assert stages_run(second.stdout) == []
    assert "up to date" in second.stdout
    assert sorted((root / "models").glob("*.skops")) == models


def test_changing_a_train_parameter_reruns_only_what_depends_on_it(dvc_project):
    root, _, _ = dvc_project
    edit_params(root, lambda p: p["train"]["hyperparams"]["n_estimators"].update(default_value=60))
    result = run(["make", "repro"], cwd=root)
    assert stages_run(result.stdout) == ["train", "evaluate", "report"]
    assert latest_metadata(root)["model"]["hyperparameters"]["n_estimators"] == 60


def test_dvc_exp_run_with_a_set_parameter(dvc_project):
    root, _, _ = dvc_project
    commit_and_tag(root, None, "Pipeline outputs")
    dvc(root, "exp", "run", "-S", "train.hyperparams.n_estimators.default_value=80")
    assert latest_metadata(root)["model"]["hyperparameters"]["n_estimators"] == 80
    assert '"default_value": 80' in dvc(root, "exp", "show", "--json").stdout


def test_push_then_pull_into_a_fresh_clone_restores_data_and_model(dvc_project):
    root, base, _ = dvc_project
    run(["make", "repro"], cwd=root)
    commit_and_tag(root, None, "Pipeline outputs")
    run(["make", "push"], cwd=root, env=with_home(base))
    pushed = remote_objects(base / "home" / "dvc-storage" / "penguin-classifier")
    assert pushed and pushed <= remote_objects(root / ".dvc" / "cache")
    clone = base / "clone"
    run(["git", "clone", "--quiet", str(root), str(clone)], cwd=base)
    dvc(root, "pull", cwd=clone)
    metadata = latest_metadata(root)
    for relative in [metadata["model"]["path"], metadata["data"]["train"]["path"], "data/raw/penguins.csv"]:
        assert (clone / relative).read_bytes() == (root / relative).read_bytes(), relative


def test_a_relative_remote_is_relative_to_the_project_folder(dvc_project, tmp_path):
    """As the README says: dvc_remote=../x is x next to the project, not inside it (DVC itself reads a
    relative url from .dvc/). The project's .dvc/config is swapped for that answer's, then restored."""
    root, base, _ = dvc_project
    rendered = copier_copy(tmp_path / "project", DVC_PROJECT, dvc_remote="../relative-remote")
    (root / ".dvc" / "config").write_text((rendered / ".dvc" / "config").read_text())
    try:
        run(["make", "push"], cwd=root)
    finally:
        run(["git", "checkout", ".dvc/config"], cwd=root)
    pushed = remote_objects(base / "relative-remote")
    assert pushed and pushed <= remote_objects(root / ".dvc" / "cache")
    assert not (root / "relative-remote").exists() and not (root / ".dvc" / "relative-remote").exists()


@pytest.fixture(scope="module")
def mlflow_project(tmp_path_factory):
    """The MLflow project without DVC of the combinations."""
    (answers,) = [answers for answers in COMBOS if answers["tracking"] == "mlflow" and not answers["use_dvc"]]
    return trained_project(answers, tmp_path_factory)[0]


def test_mlflow_run_runs_chosen_steps_with_overrides(mlflow_project):
    root = mlflow_project
    (root / "reports" / "metrics.json").unlink()  # written by the combination's `make train evaluate`
    run([str(root / ".venv" / "bin" / "mlflow"), "run", ".", "-P", "steps=etl,train", "-P",
         "overrides=train.cv_folds=3", "--env-manager", "local", "--experiment-name", "mlflow-run"],
        cwd=root, env={**in_env(root), "MLFLOW_TRACKING_URI": "sqlite:///mlflow.db"})
    runs = json.loads(project_python(root, (
        "import json, mlflow; mlflow.set_tracking_uri('sqlite:///mlflow.db'); "
        "rs = mlflow.search_runs(experiment_names=['mlflow-run'], output_format='list'); "
        "print(json.dumps([[r.info.status, r.data.params.get('train.cv_folds')] for r in rs]))")))
    assert runs == [["FINISHED", "3"]]
    assert not (root / "reports" / "metrics.json").exists()  # evaluate was not among the steps


def test_make_ui_serves_the_mlflow_ui(mlflow_project):
    root = mlflow_project
    port = free_port()
    server = subprocess.Popen(["make", "ui", f"UI_PORT={port}"], cwd=root, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail("the MLflow UI did not answer within 90 s")
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


FIGURE_PIXELS = (960, 720)  # reporting/figures.py: FIGURE_INCHES at DPI
REPORT_FIGURES = {"confusion_matrix.png", "roc_curves.png", "feature_importance.png", "class_balance.png"}
EXPLORATION_FIGURES = {"class_balance.png", "distributions.png", "correlations.png"}


@pytest.fixture(scope="module", params=REPORTED, ids=lambda answers: answers["tracking"])
def reported(request, tmp_path_factory) -> tuple[Path, str]:
    """A project of each tracking option (helpers.REPORT_PROJECTS: with and without DVC, one without an
    API), trained, with both reports written: the combination's project above, after its tracking tests."""
    root, answers, _ = trained_project(request.param, tmp_path_factory)
    return root, answers["tracking"]


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


def test_report_figures_are_pngs_of_the_expected_size_and_links_resolve(reported):
    root, _ = reported
    for name, expected in [("report", REPORT_FIGURES), ("exploration", EXPLORATION_FIGURES)]:
        folder = root / "reports" / "figures" / name
        assert {path.name for path in folder.glob("*.png")} == expected
        assert all(png_size(path) == FIGURE_PIXELS for path in folder.glob("*.png"))
        markdown = root / "reports" / ("report.md" if name == "report" else "exploration.md")
        linked = links(markdown)
        assert {path.name for path in linked} == expected and all(path.is_file() for path in linked)


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
@pytest.mark.parametrize("reported", [answers for name, answers in MAKE_TEST_PROJECTS.items()
                                      if name.startswith("report-")],
                         indirect=True, ids=lambda answers: answers["tracking"])
def test_with_both_reports_make_test_warns_about_nothing(reported):
    root, _ = reported
    result = run(["make", "test"], cwd=root)
    assert "warning: no report" not in result.stdout and "structure  ok" in result.stdout
    assert "reports: " in result.stdout


def test_matplotlib_is_imported_only_by_the_report_commands(reported):
    root, _ = reported
    loaded = project_python(root, f"""
import sys
from {PACKAGE}.commands import train, evaluate, predict, export, data, tune
from {PACKAGE}.commands import report, explore
print('matplotlib' in sys.modules)
""")
    assert loaded == "False"


def test_report_follows_the_latest_model(reported):
    """With DVC, `make report` alone retrains when params change (the report stage depends on the model);
    without it, `make train report` does the same in two steps."""
    root, tracking = reported
    before = latest_metadata(root)["model"]["version"]
    use_dvc = REPORT_PROJECTS[f"report-{tracking}"]["use_dvc"]
    params = root / "params.yaml"
    params.write_text(params.read_text().replace("cv_folds: 2", "cv_folds: 3"))
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
    assert "2-fold" not in report and "3-fold" in report and "Our conclusion: ship it ($0)." in report
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
