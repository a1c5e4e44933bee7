"""Experiment tracking and DVC in generated projects, checked through each tool's own API or CLI.

For every tracking choice, with DVC on and off (DVCLive needs DVC): render, build the
environment, run the pipeline, and ask the tool what it recorded.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from .helpers import (DEFAULTS, make_env, assert_import_names_are_reserved, combo_id, copier_copy, free_port,
                      is_valid, latest_metadata, project_python, run)
from .template_repo import commit_and_tag

pytestmark = pytest.mark.e2e
PACKAGE = "penguin_classifier"
COMBOS = [c for c in ({**DEFAULTS, "tracking": t, "use_dvc": d, "cml": d}
                      for t in ["mlflow", "wandb", "dvclive", "none"] for d in [True, False]) if is_valid(c)]
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


@pytest.fixture(scope="module", params=COMBOS, ids=combo_id)
def trained(request, tmp_path_factory):
    """A project per combination, trained and evaluated once with `make train evaluate`."""
    answers = request.param
    base = tmp_path_factory.mktemp(combo_id(answers))
    root = render_and_build(base / "project", answers, base / "dvc-remote")
    result = run(["make", "train", "evaluate"], cwd=root, env={"WANDB_API_KEY": ""}, timeout=600)
    return root, answers, result


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


MLFLOW_PROJECT = {**DEFAULTS, "use_dvc": False}


@pytest.fixture(scope="module")
def mlflow_project(tmp_path_factory):
    base = tmp_path_factory.mktemp("mlflow")
    return render_and_build(base / "project", MLFLOW_PROJECT, base / "remote")


def test_mlflow_run_runs_chosen_steps_with_overrides(mlflow_project):
    root = mlflow_project
    run([str(root / ".venv" / "bin" / "mlflow"), "run", ".", "-P", "steps=etl,train", "-P",
         "overrides=train.cv_folds=3", "--env-manager", "local", "--experiment-name", "steps"],
        cwd=root, env={**in_env(root), "MLFLOW_TRACKING_URI": "sqlite:///mlflow.db"})
    runs = json.loads(project_python(root, (
        "import json, mlflow; mlflow.set_tracking_uri('sqlite:///mlflow.db'); "
        "rs = mlflow.search_runs(experiment_names=['steps'], output_format='list'); "
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
