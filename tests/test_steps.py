"""The pipeline-step generator (kind: step): `make step` in generated projects, for real.

Two steps go into a default project (uv, DVC, MLflow) and into a `use_dvc=false tracking=none`
project: `featurize` (two parameters, reads the transformed training set) and `validate_data`
(the generator's defaults, after featurize). Each project is built once per module. Bad answers and
`copier update` of a step need no environment, so those tests only render.
"""

from __future__ import annotations

import json
import os
import re
import runpy
from pathlib import Path

import copier
import pytest
import yaml

from .helpers import DEFAULTS, TEMPLATE, copier_copy, make_env, project_python, render, run
from .template_repo import commit_and_tag, edit, git, template_repository

PACKAGE = "penguin_classifier"
STEPS_DIR = Path("src") / PACKAGE / "steps"
FEATURIZE = {
    "after": "etl",
    "job_type": "features",
    "short_description": "Scale one feature",
    "parameters": [{"name": "scale", "type": "float", "default": 1.5},
                   {"name": "column", "type": "str", "default": "bill_length_mm"}],
    "inputs": ["data/transformed/penguins-train.parquet"],
    "outputs": ["data/features/featurize.json"],
}
VALIDATE = {"after": "featurize"}  # the rest: the generator's defaults (parameter1: 1, reports/validate_data.json)
NO_DVC = {**DEFAULTS, "use_dvc": False, "tracking": "none"}


def make_step(root: Path, name: str, answers: dict) -> str:
    """`make step NAME=...` with the answers in a data file, from the template's working tree."""
    data_file = root.parent / f"{name}-answers.yml"
    data_file.write_text(yaml.safe_dump(answers))
    return run(["make", "step", f"NAME={name}", f"DATA_FILE={data_file}", "DEFAULTS=1", "REF=HEAD"], cwd=root).stdout


def step_record(root: Path, path: str) -> dict:
    """What the baseline step script wrote: its parameters and the inputs it read."""
    return json.loads((root / path).read_text())


def build_with_steps(root: Path, answers: dict) -> Path:
    copier_copy(root, answers, **({"dvc_remote": root.parent / "dvc-remote"} if answers["use_dvc"] else {}))
    make_env(root)
    commit_and_tag(root, None, "Start from template")
    make_step(root, "featurize", FEATURIZE)
    make_step(root, "validate_data", VALIDATE)
    commit_and_tag(root, None, "Add steps featurize and validate_data")
    return root


def in_env(root: Path) -> dict[str, str]:
    return {"PATH": f"{root / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}


def stages_run(output: str) -> list[str]:
    return re.findall(r"^Running stage '(?:[^']*:)?([^':]+)'", output, re.MULTILINE)


def steps_run(output: str) -> list[str]:
    return re.findall(r"^step {7}(\w+)$", output, re.MULTILINE)


@pytest.fixture(scope="module")
def default_project(tmp_path_factory) -> Path:
    return build_with_steps(tmp_path_factory.mktemp("steps-default") / "project", dict(DEFAULTS))


@pytest.fixture(scope="module")
def plain_project(tmp_path_factory) -> Path:
    return build_with_steps(tmp_path_factory.mktemp("steps-nodvc") / "project", NO_DVC)


@pytest.mark.e2e
def test_make_step_writes_the_step_and_its_parameters(default_project):
    root = default_project
    folder = root / STEPS_DIR / "featurize"
    assert sorted(p.name for p in folder.iterdir() if p.name != "__pycache__") == [
        "MLproject", "__init__.py", "conda.yml", "dvc.yaml", "python_env.yaml", "run.py", "step.yml"]
    assert (root / "tests" / "test_step_featurize.py").is_file()
    answers = yaml.safe_load((root / ".copier" / "step-featurize.yml").read_text())
    assert answers["kind"] == "step" and answers["host_project"]["package_name"] == PACKAGE
    params = yaml.safe_load((root / "params.yaml").read_text())
    assert params["steps"] == {"featurize": {"scale": 1.5, "column": "bill_length_mm"},
                               "validate_data": {"parameter1": 1}}
    assert "# Every parameter of the pipeline" in (root / "params.yaml").read_text()  # comments survive
    stage = yaml.safe_load((folder / "dvc.yaml").read_text())["stages"]["featurize"]
    assert stage["deps"] == [f"{STEPS_DIR}/featurize/run.py", "data/transformed/penguins-train.parquet"]
    assert stage["params"] == ["steps.featurize"] and stage["outs"] == ["data/features/featurize.json"]
    helped = run(["make", "help"], cwd=root).stdout
    assert "make step NAME=featurize" in helped and "remove-step" in helped


@pytest.mark.e2e
def test_make_pipeline_runs_generated_steps_in_order_with_overrides(default_project):
    root = default_project
    result = run(["make", "pipeline", "STEPS=validate_data,featurize,etl",
                  "ARGS=steps.featurize.scale=2.5 steps.validate_data.parameter1=7"], cwd=root)
    assert steps_run(result.stdout) == ["etl", "featurize", "validate_data"]
    assert step_record(root, "data/features/featurize.json")["params"] == {"scale": 2.5, "column": "bill_length_mm"}
    record = step_record(root, "reports/validate_data.json")
    assert record["params"] == {"parameter1": 7} and record["job_type"] == "validate_data"
    refused = run(["make", "pipeline", "STEPS=featurize", "ARGS=steps.featurize.scale=high"], cwd=root, check=False)
    assert refused.returncode != 0 and "steps.featurize.scale: 'high' is not a valid float" in refused.stderr


@pytest.mark.e2e
def test_dvc_repro_runs_the_new_stages_then_nothing(default_project):
    root = default_project
    first = run(["make", "repro"], cwd=root, timeout=900)
    assert {"featurize", "validate_data", "train"} <= set(stages_run(first.stdout))
    assert step_record(root, "data/features/featurize.json")["params"]["scale"] == 1.5
    second = run(["make", "repro"], cwd=root)
    assert stages_run(second.stdout) == [] and "up to date" in second.stdout
    text = (root / "params.yaml").read_text().replace("scale: 1.5", "scale: 3.0")
    (root / "params.yaml").write_text(text)
    assert stages_run(run(["make", "repro"], cwd=root).stdout) == ["featurize"]
    run(["git", "checkout", "params.yaml"], cwd=root)


@pytest.mark.e2e
def test_mlflow_runs_the_step_alone_and_through_the_root_project(default_project):
    root = default_project
    env = {**in_env(root), "MLFLOW_TRACKING_URI": "sqlite:///mlflow.db"}
    mlflow = str(root / ".venv" / "bin" / "mlflow")
    run([mlflow, "run", str(STEPS_DIR / "featurize"), "-P", "scale=4.5", "--env-manager", "local",
         "--experiment-name", "steps"], cwd=root, env=env)
    assert step_record(root, "data/features/featurize.json")["params"] == {"scale": 4.5, "column": "bill_length_mm"}
    result = run([mlflow, "run", ".", "-P", "steps=featurize,validate_data", "-P",
                  "hydra_options=steps.featurize.column=flipper_length_mm steps.validate_data.parameter1=3",
                  "--env-manager", "local", "--experiment-name", "steps"], cwd=root, env=env)
    assert steps_run(result.stdout) == ["featurize", "validate_data"]
    assert step_record(root, "data/features/featurize.json")["params"] == {"scale": 1.5, "column": "flipper_length_mm"}
    assert step_record(root, "reports/validate_data.json")["params"] == {"parameter1": 3}
    statuses = project_python(root, (
        "import mlflow; mlflow.set_tracking_uri('sqlite:///mlflow.db'); "
        "print(sorted(r.info.status for r in mlflow.search_runs(experiment_names=['steps'], output_format='list')))"))
    assert statuses == "['FINISHED', 'FINISHED']"


@pytest.mark.e2e
def test_generated_step_tests_pass(default_project):
    root = default_project
    files = ["tests/test_step_featurize.py", "tests/test_step_validate_data.py"]
    result = run([str(root / ".venv" / "bin" / "python"), "-m", "pytest", "-q", *files], cwd=root)
    # Every test the generator wrote ran and passed: none skipped, none left uncollected.
    written = sum(len(re.findall(r"^def test_", (root / name).read_text(), re.MULTILINE)) for name in files)
    assert written >= 6 and re.search(rf"^{written} passed in", result.stdout, re.MULTILINE), result.stdout


@pytest.mark.e2e
def test_steps_without_dvc_run_in_the_pipeline_and_pass_make_test(plain_project):
    root = plain_project
    assert not (root / STEPS_DIR / "featurize" / "dvc.yaml").exists()
    result = run(["make", "pipeline", "STEPS=etl,featurize,train", "ARGS=train.cv_folds=0"], cwd=root)
    assert steps_run(result.stdout) == ["etl", "featurize", "train"]
    assert step_record(root, "data/features/featurize.json")["inputs"][0]["path"].endswith("penguins-train.parquet")
    tested = run(["make", "test"], cwd=root, timeout=1200).stdout
    assert re.search(r"^tests/test_step_featurize\.py \.{4}", tested, re.MULTILINE), tested
    assert re.search(r"^=+ \d+ passed", tested, re.MULTILINE), tested


@pytest.mark.e2e
def test_remove_step_takes_it_out_everywhere(plain_project):
    root = plain_project
    refused = run(["make", "remove-step", "NAME=featurize"], cwd=root, check=False)
    assert refused.returncode != 0 and "validate_data run after featurize" in refused.stderr
    run(["make", "remove-step", "NAME=validate_data"], cwd=root)
    run(["make", "remove-step", "NAME=featurize"], cwd=root)
    assert not (root / STEPS_DIR / "featurize").exists() and not (root / ".copier" / "step-featurize.yml").exists()
    assert git(root, "diff", "HEAD~1", "--", "params.yaml") == ""  # as it was before the steps
    result = run(["make", "pipeline", "STEPS=featurize"], cwd=root, check=False)
    assert result.returncode != 0 and "Unknown or no steps ['featurize']" in result.stderr


# Bad answers: refused by copier's validators before anything is written. No environment needed.

@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    """A default project (no environment) with one step, committed, to try bad answers in."""
    root = render(tmp_path_factory.mktemp("steps-answers") / "project")
    copy_step(root, {"name": "featurize"})
    commit_and_tag(root, None, "Start with a step")
    return root


def copy_step(root: Path, data: dict, src: Path = TEMPLATE, vcs_ref: str | None = "HEAD") -> None:
    copier.run_copy(str(src), str(root), data={"kind": "step", **data}, defaults=True, unsafe=True,
                    vcs_ref=vcs_ref, quiet=True)


@pytest.mark.parametrize("data, message", [
    ({"name": "class"}, "Python keyword"),
    ({"name": "mlflow"}, "a module that the project's dependencies install"),
    ({"name": "json"}, "a standard-library module"),
    ({"name": "Featurize"}, "lowercase Python identifier"),
    ({"name": "train"}, "built-in step"),
    ({"name": "featurize"}, "already exists"),
    ({"name": "scale", "parameters": [{"name": "n", "type": "int", "default": "abc"}]},
     'default "abc" is not an integer'),
    ({"name": "scale", "parameters": [{"name": "flag", "type": "bool", "default": 1}]}, "is not true or false"),
    ({"name": "scale", "parameters": [{"name": "n", "type": "complex", "default": 1}]}, "not one of str, int"),
    ({"name": "scale", "parameters": [{"name": "n", "type": "int", "default": 1}] * 2}, "listed twice"),
    ({"name": "scale", "inputs": ["/etc/passwd"]}, "under data/, models/ or reports/"),
    ({"name": "scale", "outputs": ["models/scaled.json"]}, "train stage owns models/"),
    ({"name": "scale", "after": "nothing"}, "not a step of this project"),
    ({"name": "scale\n"}, "lowercase Python identifier"),
    ({"name": "scale", "job_type": "scale\n"}, "Job type must be"),
    ({"name": "scale", "short_description": "Scales\nthe features"}, "one line of printable text"),
    ({"name": "scale", "short_description": ""}, "must not be empty"),
    ({"name": "scale", "long_description": "Tab\tstop"}, "tabs and control characters are not"),
    ({"name": "scale", "long_description": "Ends with a space \nnext line"}, "nor end a line with a space"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_bad_answers_are_refused_before_anything_is_written(rendered, data, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        copy_step(rendered, data)
    assert git(rendered, "status", "--porcelain", "--untracked-files=all") == ""


def test_a_step_outside_a_project_is_refused(tmp_path):
    with pytest.raises(ValueError, match="inside a generated project"):
        copy_step(tmp_path, {"name": "featurize"})
    assert list(tmp_path.iterdir()) == []


# Updates: a new release of the step template reaches a step; project updates leave steps alone.

def test_step_update_brings_the_release_and_keeps_user_edits_project_update_leaves_steps_alone(tmp_path):
    template = template_repository(tmp_path / "template")
    root = tmp_path / "project"
    copier.run_copy(str(template), str(root), defaults=True, unsafe=True, quiet=True)
    commit_and_tag(root, None, "Start from template v0.1.0")
    copy_step(root, {"name": "featurize", **FEATURIZE}, src=template, vcs_ref=None)
    script = root / STEPS_DIR / "featurize" / "run.py"
    edit(script, '        "job_type": STEP.job_type,\n', '        "job_type": STEP.job_type,\n        "owner": "me",\n')
    commit_and_tag(root, None, "Step featurize, with my edit")

    generator_script = template / "generators" / "step" / "src" / "{{ host_project.package_name }}" / "steps" \
        / "{{ name }}" / "{{ script_name }}.jinja"
    edit(generator_script, "    return step_params\n", '    print(f"{STEP.name:<10} done")\n    return step_params\n')
    # The release also reserves the name the step already has: the update keeps it all the same.
    edit(template / "copier" / "reserved-names.yml", '"fnmatch",', '"featurize", "fnmatch",')
    commit_and_tag(template, "v0.2.0", "template release 0.2.0: steps say when they are done")
    copier.run_update(str(root), answers_file=".copier/step-featurize.yml", defaults=True, overwrite=True,
                      unsafe=True, quiet=True, conflict="inline")

    text = script.read_text()
    assert '"owner": "me"' in text and 'print(f"{STEP.name:<10} done")' in text and "<<<<<<<" not in text
    assert yaml.safe_load((root / ".copier" / "step-featurize.yml").read_text())["_commit"] == "v0.2.0"
    assert yaml.safe_load((root / ".copier" / "step-featurize.yml").read_text())["name"] == "featurize"
    assert yaml.safe_load((root / ".copier-answers.yml").read_text())["_commit"] == "v0.1.0"
    assert yaml.safe_load((root / "params.yaml").read_text())["steps"]["featurize"]["scale"] == 1.5
    commit_and_tag(root, None, "Update step featurize to v0.2.0")

    edit(generator_script, "    return step_params\n", "    return dict(step_params)\n")
    edit(template / "template" / "Makefile.jinja", "ARGS ?=\n", "ARGS ?=\n# release 0.3.0\n")
    commit_and_tag(template, "v0.3.0", "template release 0.3.0")
    step_files = {path: path.read_bytes() for path in (root / STEPS_DIR / "featurize").iterdir()}
    copier.run_update(str(root), defaults=True, overwrite=True, unsafe=True, quiet=True, conflict="inline")

    assert "# release 0.3.0" in (root / "Makefile").read_text()
    assert {path: path.read_bytes() for path in (root / STEPS_DIR / "featurize").iterdir()} == step_files
    assert yaml.safe_load((root / ".copier" / "step-featurize.yml").read_text())["_commit"] == "v0.2.0"
    assert yaml.safe_load((root / "params.yaml").read_text())["steps"]["featurize"] == {
        "scale": 1.5, "column": "bill_length_mm"}
    assert git(root, "status", "--porcelain", "--", str(STEPS_DIR), ".copier") == ""


# The params.yaml editing that the generator's task and remove-step share, on its own.

PARAMS_FILE = runpy.run_path(str(TEMPLATE / "template" / "src" / "{{package_name}}" / "steps" / "params_file.py"))


def test_params_file_adds_only_missing_keys_and_keeps_comments():
    with_defaults, without_step = PARAMS_FILE["with_defaults"], PARAMS_FILE["without_step"]
    original = "etl:\n  seed: 42  # mine\n"
    text, added = with_defaults(original, "clean", {})
    assert added == [] and yaml.safe_load(text)["steps"] == {"clean": {}}
    text, added = with_defaults(text, "clean", {"tiny": 1e-05, "flag": True, "label": "yes"})
    assert added == ["tiny", "flag", "label"] and "# mine" in text
    assert yaml.safe_load(text)["steps"]["clean"] == {"tiny": 1e-05, "flag": True, "label": "yes"}
    text = text.replace("tiny: 1.0e-05", "tiny: 0.5")  # the user's value
    text, added = with_defaults(text, "other", {"n": 2})
    assert added == ["n"] and yaml.safe_load(text)["steps"]["clean"]["tiny"] == 0.5
    assert with_defaults(text, "clean", {"tiny": 1e-05}) == (text, [])
    assert without_step(without_step(text, "other"), "clean") == original


def test_params_file_refuses_a_layout_it_cannot_edit():
    with pytest.raises(ValueError, match="add it by hand"):
        PARAMS_FILE["with_defaults"]("steps: {other: {n: 1}}\n", "clean", {"n": 1})
