"""Generated projects, for real: render, build the environment, run the make targets, check outputs.

The default project goes through the exact commands of the README (`copier copy --trust
--defaults`, `make env`, `make train`) with uv; the stubs project goes through pip + venv.
Both share the machine's uv and pip caches, so only the first build downloads. Both take a description
and an author name full of quotes, `#`, `$`, backslashes and emoji (issue 14): the build backend checks the
metadata that `make env` installs, and `make test` lints and tests the code that carries them.
"""

from __future__ import annotations

import email.utils
import json
import os
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from .every_command import run_every_command
from .helpers import (MAKE_TEST_PROJECTS, assert_import_names_are_reserved, bare_machine, combo_id, copier_copy,
                      latest_metadata, project_python, run)

pytestmark = pytest.mark.e2e
PACKAGE = "penguin_classifier"
# The make targets each project passed in the tests above, for the every-command test (it runs the others).
TARGETS_RUN: dict[Path, set[str]] = {}
PROJECTS = [MAKE_TEST_PROJECTS["e2e-default"], MAKE_TEST_PROJECTS["e2e-stubs"]]
FREE_TEXT = {"description": 'Churn model: predicts who "leaves" #1 at $HOME \\ {{ x }} 😀',
             "author_name": "Zoë \"ML\" O'Brien, Co. & $USER \\"}


@pytest.fixture(scope="module", params=PROJECTS, ids=combo_id)
def project(request, tmp_path_factory):
    """The module's tests share it, one after the other; the every-command test goes last (it commits and
    adds steps and plugins)."""
    return bare_project(request.param, tmp_path_factory)


def bare_project(answers: dict, tmp_path_factory) -> tuple[Path, dict, subprocess.CompletedProcess, dict[str, str]]:
    """A project rendered with the copier CLI whose environment `make env` has built on a bare machine:
    Python with pip, make, git and copier on PATH, nothing else (no uv: the uv project installs its own).
    Returns (its root, its answers, the `make env` result, the bare machine's environment variables)."""
    folder = tmp_path_factory.mktemp(combo_id(answers))
    root = folder / "project"
    copier_copy(root, answers, **FREE_TEXT)
    built = run(["make", "env"], cwd=root, env=bare_machine(folder, copier=True))
    return root, answers, built, bare_machine(folder, copier=True)


def test_make_env_works_on_a_bare_machine_and_only_once(project):
    root, answers, built, bare = project
    if answers["env_manager"] == "uv":
        assert "uv not found on PATH: installing uv==" in built.stdout
        assert (root / ".tools" / "uv" / "bin" / "uv").is_file()
    else:
        assert "uv not found" not in built.stdout and not (root / ".tools").exists()
    again = run(["make", "env"], cwd=root, env=bare)
    assert "Nothing to be done for 'env'" in again.stdout
    metadata = json.loads(project_python(root, "import importlib.metadata as m, json; "
                                         "print(json.dumps(dict(m.metadata('penguin-classifier').items())))"))
    assert metadata["Summary"] == FREE_TEXT["description"]
    assert email.utils.parseaddr(metadata["Author-email"]) == (FREE_TEXT["author_name"], "you@example.com")
    assert ".tools/" in (root / ".gitignore").read_text()


def test_every_installed_import_name_is_reserved(project):
    root, *_ = project
    assert_import_names_are_reserved(root)


def count_test_files(root: Path) -> int:
    return len(list((root / "tests").glob("test_*.py")))


def test_pre_commit_hooks_pass_on_the_fresh_project(project):
    root, *_ = project
    run(["git", "add", "-A"], cwd=root)
    run(["pre-commit", "run", "--all-files"], cwd=root)


def test_make_train_on_a_fresh_project_prepares_data_and_trains(project):
    root, answers, _, bare = project
    result = run(["make", "train"], cwd=root, env=bare)
    if answers["use_dvc"]:  # through `dvc repro train`: every stage up to train runs
        assert "Running stage 'data'" in result.stdout and "Running stage 'train'" in result.stdout
    else:
        assert "running the data steps first" in result.stdout
    for line in ["raw        data/raw/penguins.csv", "model      models/", "metadata   models/metadata/"]:
        assert line in result.stdout
    metadata = latest_metadata(root)
    schema = json.loads((root / "src" / PACKAGE / "model" / "metadata.schema.json").read_text())
    jsonschema.validate(metadata, schema)
    assert metadata["git"]["commit"] is None  # fresh `git init`, no commit yet: recorded as null


def test_make_data_train_predict_evaluate_test(project):
    root, answers, *_ = project
    raw = root / "data" / "raw" / "penguins.csv"
    raw_before = raw.read_bytes() if raw.exists() else None
    # With the coverage measurement a project's suite has by default (the suite's other runs skip it).
    targets = ["data", "train", "predict", "evaluate", "test"]
    result = run(["make", *targets], cwd=root, env={"PYTEST_ARGS": ""})
    TARGETS_RUN.setdefault(root, set()).update(targets)  # the every-command test need not run them again
    if raw_before is not None:
        assert raw.read_bytes() == raw_before  # raw data is immutable

    metadata = latest_metadata(root)
    jsonschema.validate(metadata, json.loads((root / "src" / PACKAGE / "model" / "metadata.schema.json").read_text()))
    model_file = root / metadata["model"]["path"]
    assert model_file.is_file() and model_file.stat().st_size == metadata["model"]["size_bytes"]
    assert metadata["data"]["train"]["rows"] + metadata["data"]["test"]["rows"] == 344
    assert set(metadata["classes"]) == {"Adelie", "Chinstrap", "Gentoo"}
    assert {f["name"] for f in metadata["features"]} >= {"island", "sex", "bill_length_mm"}
    hold_out = metadata["metrics"]["accuracy"]["hold_out"]
    if answers["include_example"]:
        assert hold_out > 0.9, "the example random forest should classify penguins well"
    else:
        assert 0.3 < hold_out < 0.6, "the stub is a most-frequent-class baseline"

    rows = project_python(root, "import pandas as pd; "
                          "p = pd.read_parquet('data/predictions/predictions.parquet'); "
                          "print(len(p), p['prediction'].isna().sum())")
    assert rows == f"{metadata['data']['test']['rows']} 0"
    metrics = json.loads((root / "reports" / "metrics.json").read_text())
    assert metrics["metrics"]["accuracy"] == pytest.approx(hold_out)

    assert "passed" in result.stdout and "structure  ok" in result.stdout
    # `make test` measured the package's coverage, printed the lines it misses, and would fail under
    # fail_under (pyproject.toml): the same measurement against a threshold no project meets fails.
    assert re.search(r"^Required test coverage of \d+(\.\d+)?% reached. Total coverage: ", result.stdout, flags=re.M)
    assert re.search(rf"^src/{PACKAGE}/\S+\.py +\d+ +\d+ +\d+ +\d+ +\d+% +\d", result.stdout, flags=re.M)
    unmet = run([".venv/bin/python", "-m", "coverage", "report", "--fail-under=100"], cwd=root, check=False)
    assert unmet.returncode == 2 and "Coverage failure: total of" in unmet.stdout, unmet.stdout
    assert "warning: no report" not in result.stdout, "a new project starts with both report sources"
    assert f"tests: {count_test_files(root)} file(s)" in result.stdout


def test_seed_makefile_names_still_work(project):
    root, *_ = project
    result = run(["make", "generate_dataset", "init-train", "prediction", "count_test_files",
                  "count_report_files", "create-environment", "requirements", "init"], cwd=root)
    assert f"tests: {count_test_files(root)} file(s)" in result.stdout and "predictions" in result.stdout
    # `make pytest` is what `make test` (above) runs for its unit tests: the same command, not run twice
    assert "-m pytest --cov=penguin_classifier" in run(["make", "-n", "pytest"], cwd=root).stdout
    assert "pytest" in re.search(r"^test:(.*)##", (root / "Makefile").read_text(), flags=re.M).group(1).split()


def test_parago_commands_and_tasks_run_as_written(project):
    """What Parago's runner does: export env keys uppercased (with --env overrides), run each command."""
    root, *_ = project
    parago = yaml.safe_load((root / "parago.yml").read_text())
    commands = parago["commands"]
    env = {key.upper(): str(value) for key, value in parago["env"].items()}
    env["PATH"] = f"{root / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"  # an activated environment
    overridden = {**env, "PARAMS_OVERRIDES": "train.cv_folds=3 data.dataset=wine"}  # --env params_overrides=...
    for name, command, command_env in [
        ("data load", commands["data"]["load"], overridden),
        ("train", commands["train"], overridden),
        *[(task, line, env) for task, line in parago["tasks"].items()],
        ("export", commands["export"], env),
        ("deploy", commands["deploy"], env),
        ("data clean", commands["data"]["clean"], env),
    ]:
        result = run(command, cwd=root, env=command_env)
        assert result.returncode == 0, name
        if name == "train":
            metadata = latest_metadata(root)
            assert metadata["data"]["dataset"] == "wine" and metadata["params"]["train"]["cv_folds"] == 3
    assert (root / "data" / "raw" / "wine.csv").is_file()  # data clean keeps raw data
    assert not list((root / "data" / "transformed").glob("*.parquet"))
    assert list((root / "artifacts" / "deployed").iterdir())


def test_bad_input_fails_with_a_clear_message(project):
    root, *_ = project
    run(["make", "train"], cwd=root)
    unknown = run(["make", "train", "ARGS=train.no_such_key=1"], cwd=root, check=False)
    assert unknown.returncode != 0 and "Unknown parameter 'train.no_such_key'" in unknown.stderr
    missing = run(["make", "predict", "ARGS=predict.input=data/raw/missing.csv"], cwd=root, check=False)
    assert missing.returncode != 0 and "missing.csv not found" in missing.stderr
    model_file = root / latest_metadata(root)["model"]["path"]
    model_file.write_bytes(model_file.read_bytes()[:-10])
    corrupted = run(["make", "predict"], cwd=root, check=False)
    assert corrupted.returncode != 0 and "does not match its metadata" in corrupted.stderr
    assert "Traceback" not in corrupted.stderr


def test_make_clean_keeps_raw_data_and_models(project):
    root, *_ = project
    run(["make", "train"], cwd=root)
    run(["make", "clean"], cwd=root)
    assert list((root / "data" / "raw").glob("*.csv"))
    assert list((root / "models").glob("*.skops"))
    assert not list((root / "data" / "staging").glob("*.parquet"))


def test_make_tune_and_make_pipeline(project):
    root, *_ = project
    tuned = run(["make", "tune", "ARGS=tuning.max_trials=2 tuning.cv_folds=2"], cwd=root)
    report = json.loads((root / "reports" / "tuning.json").read_text())
    assert report["n_trials"] == 2 and len(report["trials"]) == 2
    assert "make train ARGS=" in tuned.stdout
    steps = run(["make", "pipeline", "STEPS=train,etl", "ARGS=train.cv_folds=0"], cwd=root).stdout
    assert steps.index("step       etl") < steps.index("step       train")  # pipeline order, not argument order
    assert "step       evaluate" not in steps and "model      models/" in steps


def test_every_command_on_a_bare_machine(project, tmp_path):
    """Last: every `make help` target, the generators and the guide's commands, on the project the tests
    above have used (tests/every_command.py)."""
    root, answers, _, bare = project
    run_every_command(root, answers, bare, tmp_path, PACKAGE, ran_before=TARGETS_RUN.get(root, set()))
