"""CI files of generated projects: GitHub Actions (ci.yml, CML's cml.yaml) and GitLab CI.

- which files each answer renders;
- actionlint, the GitHub workflow JSON schema (check-jsonschema) and zizmor (no high-severity finding) on
  every workflow; the GitLab CI schema on .gitlab-ci.yml; every action pinned to a commit;
- end to end, as tests/test_docker.py does for Dockerfiles: the steps of ci.yml and then of cml.yaml run
  in order in clones of a rendered project, like a runner would (`uses:` steps are provided by this
  machine: Python, uv; the checkout is a real clone). Only the cloud is replaced: a stand-in `cml` on
  PATH records its arguments, which are checked against CML's documented flags, and the report that
  `cml comment create` would post must exist with every image it links.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .helpers import DEFAULTS, TOOLS_BIN, data_registry, render, run, run_uv_offline_first

GITHUB_FILES = [".github/workflows/ci.yml", ".github/workflows/cml.yaml", ".github/actionlint.yaml"]
GITLAB_FILE = ".gitlab-ci.yml"
E2E_PYTHON = "3.11"  # the machine's python (the template's .venv) stands in for actions/setup-python

VARIANTS = {
    "github": {**DEFAULTS, "python_version": E2E_PYTHON},
    "github-pip-aws": {**DEFAULTS, "env_manager": "pip", "cml_cloud": "aws", "cml_region": "us-east",
                       "cml_type": "g4dn.xlarge", "cml_gpu": "tesla", "cml_reuse": False, "cml_label": "gpu-box"},
    "github-conda-azure": {**DEFAULTS, "env_manager": "conda", "cml_cloud": "azure", "cml_region": "eu-west",
                           "tracking": "dvclive"},
    "github-nodvc": {**DEFAULTS, "use_dvc": False, "tracking": "none", "cml": False},
    "github-nocml": {**DEFAULTS, "cml": False},
    "gitlab": {**DEFAULTS, "ci": "gitlab", "cml": False},
    "gitlab-conda": {**DEFAULTS, "ci": "gitlab", "cml": False, "env_manager": "conda"},
    "none": {**DEFAULTS, "ci": "none", "cml": False},
}
WITH_CML = [name for name, answers in VARIANTS.items() if answers["cml"]]
WORKFLOWS = [(name, workflow) for name in VARIANTS if VARIANTS[name]["ci"] == "github"
             for workflow in (["ci.yml", "cml.yaml"] if VARIANTS[name]["cml"] else ["ci.yml"])]

# CML's documented options (https://cml.dev/doc/ref/runner, https://cml.dev/doc/ref/comment).
RUNNER_LAUNCH_FLAGS = {
    "labels", "idle-timeout", "name", "no-retry", "single", "reuse", "reuse-idle", "docker-volumes",
    "cloud", "cloud-region", "cloud-type", "cloud-permission-set", "cloud-metadata", "cloud-gpu",
    "cloud-hdd-size", "cloud-ssh-private", "cloud-spot", "cloud-spot-price", "cloud-startup-script",
    "cloud-aws-security-group", "cloud-aws-subnet", "cloud-image", "cloud-kubernetes-node-selector",
    "driver", "repo", "token", "workdir", "log",
}
COMMENT_CREATE_FLAGS = {
    "target", "watch", "publish", "publish-url", "native", "watermark-title", "pr", "commit-sha",
    "update", "driver", "repo", "token", "log",
}
CLOUD_SECRETS = {
    "gcp": {"GOOGLE_APPLICATION_CREDENTIALS_DATA"},
    "aws": {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"},
    "azure": {"AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_SUBSCRIPTION_ID", "AZURE_TENANT_ID"},
}
# Actions that this machine stands in for: Python and uv are on PATH, `cml` is the stand-in.
PROVIDED_ACTIONS = {"actions/setup-python", "astral-sh/setup-uv", "iterative/setup-cml",
                    "conda-incubator/setup-miniconda"}
STANDIN_CML = """#!{python}
\"\"\"Stand-in for CML: record the arguments and the environment names that matter, then succeed.\"\"\"
import json, os, sys
record = {{"argv": sys.argv[1:], "cwd": os.getcwd(),
          "env": {{name: os.environ.get(name) for name in {names!r}}}}}
with open(os.environ["CML_STANDIN_LOG"], "a") as log:
    log.write(json.dumps(record) + "\\n")
"""


@pytest.fixture(scope="module")
def projects(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("ci")
    return {name: render(root / name, **answers) for name, answers in VARIANTS.items()}


def load_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def recorded_answers(root: Path) -> dict[str, Any]:
    """The answers the project was rendered with, defaults included (cml_label defaults to the slug)."""
    return load_yaml(root / ".copier-answers.yml")


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    """The `on:` mapping (PyYAML reads the bare key `on` as True)."""
    return workflow.get("on", workflow.get(True))


# --- which files are rendered --------------------------------------------------------------------

@pytest.mark.parametrize("variant, expected", [
    ("github", GITHUB_FILES),
    ("github-pip-aws", GITHUB_FILES),
    ("github-nodvc", [".github/workflows/ci.yml"]),
    ("github-nocml", [".github/workflows/ci.yml"]),
    ("gitlab", [GITLAB_FILE]),
    ("none", []),
])
def test_ci_files_follow_the_answers(projects, variant, expected):
    present = [name for name in [*GITHUB_FILES, GITLAB_FILE] if (projects[variant] / name).is_file()]
    assert present == expected


# --- linters and schemas -------------------------------------------------------------------------

@pytest.mark.parametrize("variant, workflow", WORKFLOWS)
def test_workflow_passes_actionlint_schema_and_zizmor(projects, variant, workflow):
    root = projects[variant]
    path = root / ".github" / "workflows" / workflow
    # actionlint reads .github/actionlint.yaml (the CML runner's label) from the project.
    linted = run([str(TOOLS_BIN / "actionlint"), "-no-color", str(path)], cwd=root, check=False)
    assert (linted.returncode, linted.stdout + linted.stderr) == (0, "")
    run([str(TOOLS_BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)], cwd=root)
    audited = run([str(TOOLS_BIN / "zizmor"), "--offline", "--no-progress", "--format", "json", str(path)],
                  cwd=root, check=False)
    findings = json.loads(audited.stdout)
    high = [f for f in findings if f["determinations"]["severity"] == "High"]
    assert high == [], json.dumps(high, indent=2)


@pytest.mark.parametrize("variant", ["gitlab", "gitlab-conda"])
def test_gitlab_ci_passes_the_gitlab_schema_and_calls_make_only(projects, variant):
    path = projects[variant] / GITLAB_FILE
    run([str(TOOLS_BIN / "check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(path)], cwd=path.parent)
    offline = "PARAMS_OVERRIDES=tracking.backend=none "
    script = load_yaml(path)["test"]["script"]
    assert script == ["make env", "make test", offline + "make train", offline + "make report"]


@pytest.mark.parametrize("variant, workflow", WORKFLOWS)
def test_actions_are_pinned_and_run_steps_use_no_expressions(projects, variant, workflow):
    workflow_yaml = load_yaml(projects[variant] / ".github" / "workflows" / workflow)
    for job in workflow_yaml["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
            else:  # values reach scripts through env:, never pasted into the shell (template injection)
                assert "${{" not in step["run"] and set(step) <= {"name", "run", "env"}, step


def test_ci_workflow_runs_on_push_and_pull_request_and_calls_the_makefile_only(projects):
    workflow = load_yaml(projects["github"] / ".github" / "workflows" / "ci.yml")
    assert set(triggers(workflow)) == {"push", "pull_request"}
    assert workflow["permissions"] == {"contents": "read"}
    runs = [step["run"] for step in workflow["jobs"]["test"]["steps"] if "run" in step]
    assert runs == ["make env", "make test", "make train", "make report"]


@pytest.mark.parametrize("variant", WITH_CML)
def test_cml_workflow_shape(projects, variant):
    workflow = load_yaml(projects[variant] / ".github" / "workflows" / "cml.yaml")
    deploy, train = workflow["jobs"]["deploy_runner"], workflow["jobs"]["train"]
    assert workflow["permissions"] == {}
    assert deploy["if"] == "startsWith(github.event.head_commit.message, '[cml]')"
    assert deploy["permissions"] == {"contents": "read"}
    assert train["needs"] == "deploy_runner"
    assert train["runs-on"] == ["self-hosted", recorded_answers(projects[variant])["cml_label"]]
    assert train["permissions"] == {"contents": "write", "pull-requests": "write"}
    names = [step.get("name") for step in train["steps"]]
    order = ["Get input artifacts", "Train", "Commit the results", "Report on the commit or pull request"]
    assert [names.index(name) for name in order] == sorted(names.index(name) for name in order)


# --- running the workflows' steps ----------------------------------------------------------------

class Runner:
    """Runs the steps of a job in a workspace the way a GitHub runner does: bash -e per `run:`, the
    workflow, job and step env merged, $GITHUB_PATH honoured; expressions only for the secrets and
    github context values listed in CONTEXT."""

    CONTEXT = {"github.event.repository.default_branch": "main"}

    def __init__(self, workspace: Path, tools: Path, log: Path, branch: str):
        self.workspace, self.tools, self.log = workspace, tools, log
        self.github_path = workspace.parent / f"{workspace.name}-github-path"
        self.github_path.write_text("")
        sha = run(["git", "rev-parse", "HEAD"], cwd=workspace).stdout.strip()
        self.base_env = {"GITHUB_SHA": sha, "GITHUB_REF_NAME": branch, "GITHUB_WORKSPACE": str(workspace),
                         "GITHUB_PATH": str(self.github_path), "CML_STANDIN_LOG": str(log), "CI": "true"}
        self.executed: list[str] = []

    def expression(self, value: str) -> str:
        def evaluate(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("secrets."):
                return f"secret-{name.removeprefix('secrets.')}"
            assert name in self.CONTEXT, f"the test does not know the expression {name}"
            return self.CONTEXT[name]

        return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", evaluate, str(value))

    def env(self, *layers: dict[str, Any]) -> dict[str, str]:
        added = [line for line in self.github_path.read_text().splitlines() if line]
        path = os.pathsep.join([*reversed(added), str(self.tools), str(TOOLS_BIN), os.environ["PATH"]])
        merged = {key: self.expression(value) for layer in layers for key, value in (layer or {}).items()}
        return {**self.base_env, **merged, "PATH": path}

    def run_job(self, workflow: dict[str, Any], job: str) -> None:
        spec = workflow["jobs"][job]
        for number, step in enumerate(spec["steps"]):
            if "uses" in step:
                self.uses(step)
                continue
            script = self.workspace.parent / f"{self.workspace.name}-{job}-{number}.sh"
            script.write_text(step["run"])
            run(["bash", "-e", str(script)], cwd=self.workspace, timeout=1800,
                env=self.env(workflow.get("env"), spec.get("env"), step.get("env")))
            self.executed.append(step.get("name", step["run"]))

    def uses(self, step: dict[str, Any]) -> None:
        action = step["uses"].split("@")[0]
        if action == "actions/checkout":
            assert step["with"]["persist-credentials"] in (True, False)  # always a decision, never the default
        elif action == "actions/upload-artifact":
            paths = [line.strip() for line in step["with"]["path"].splitlines() if line.strip()]
            missing = [path for path in paths if not (self.workspace / path).exists()]
            assert paths and not missing, f"artifact paths missing: {missing}"
        else:
            assert action in PROVIDED_ACTIONS, f"the test cannot stand in for {action}"
        self.executed.append(action)


def cml_calls(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def flags(argv: list[str]) -> tuple[dict[str, str | bool], list[str]]:
    """`--name=value` and `--flag` options, and the positional arguments, of a recorded call."""
    options, positional = {}, []
    for argument in argv:
        if argument.startswith("--"):
            name, _, value = argument[2:].partition("=")
            options[name] = value or True
        else:
            positional.append(argument)
    return options, positional


def standin_tools(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    names = sorted({"REPO_TOKEN", *set().union(*CLOUD_SECRETS.values())})
    cml = folder / "cml"
    cml.write_text(STANDIN_CML.format(python=sys.executable, names=names))
    cml.chmod(0o755)
    return folder


def check_runner_launch(call: dict[str, Any], answers: dict[str, Any]) -> None:
    """cml runner launch got CML's documented flags, the answers' values and the cloud's secrets."""
    assert call["argv"][:2] == ["runner", "launch"]
    options, positional = flags(call["argv"][2:])
    assert positional == [] and set(options) <= RUNNER_LAUNCH_FLAGS, options
    assert {key: options.get(key) for key in ["cloud", "cloud-region", "cloud-type", "cloud-gpu", "labels"]} == {
        "cloud": answers["cml_cloud"], "cloud-region": answers["cml_region"], "cloud-type": answers["cml_type"],
        "cloud-gpu": answers["cml_gpu"], "labels": answers["cml_label"],
    }
    assert options.get("reuse", False) is answers["cml_reuse"]
    assert call["env"]["REPO_TOKEN"] == "secret-PERSONAL_ACCESS_TOKEN"
    given = {name for name, value in call["env"].items() if value and name != "REPO_TOKEN"}
    assert given == CLOUD_SECRETS[answers["cml_cloud"]]


@pytest.mark.parametrize("variant", WITH_CML)
def test_cml_runner_launch_step_passes_the_answers_as_documented_flags(projects, variant, tmp_path):
    """The deploy_runner job needs no environment: run it for every cloud answer."""
    root = projects[variant]
    run(["git", "add", "-A"], cwd=root)
    run(["git", "commit", "--quiet", "--allow-empty", "-m", "[cml] train"], cwd=root)
    log = tmp_path / "cml.log"
    runner = Runner(root, standin_tools(tmp_path / "bin"), log, "main")
    runner.run_job(load_yaml(root / ".github" / "workflows" / "cml.yaml"), "deploy_runner")
    (call,) = cml_calls(log)
    check_runner_launch(call, recorded_answers(root))


def dvc(*args: str, cwd: Path) -> None:
    """DVC from uv's tool cache (offline first), for a data registry outside any project."""
    run_uv_offline_first([str(TOOLS_BIN / "uv"), "tool", "run", "--from", "dvc", "dvc", *args], cwd)


FIRST_EXTRA, SECOND_EXTRA = "id,weight\n1,2.5\n", "id,weight\n1,2.5\n2,3.5\n"


@pytest.fixture(scope="module")
def origin(tmp_path_factory) -> tuple[Path, Path]:
    """A bare repository holding the default project on main and a [cml] commit on branch `experiment`;
    the project imports extra.csv from a data registry (`dvc import`), which then releases a new version."""
    root = tmp_path_factory.mktemp("ci-e2e")
    project = render(root / "project", **VARIANTS["github"], dvc_remote=str(root / "dvc-remote"))
    registry = data_registry(root / "registry", {"extra.csv": FIRST_EXTRA}, dvc)
    dvc("import", "--quiet", str(registry), "extra.csv", "-o", "data/raw/extra.csv", cwd=project)
    data_registry(registry, {"extra.csv": SECOND_EXTRA}, dvc)
    bare = root / "origin.git"
    run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare)], cwd=root)
    run(["git", "checkout", "--quiet", "-B", "main"], cwd=project)
    run(["git", "add", "-A"], cwd=project)
    run(["git", "commit", "--quiet", "-m", "Start from template"], cwd=project)
    run(["git", "checkout", "--quiet", "-b", "experiment"], cwd=project)
    params = project / "params.yaml"
    params.write_text(params.read_text().replace("cv_folds: 5", "cv_folds: 3"))
    run(["git", "commit", "--quiet", "-am", "[cml] three cross-validation folds"], cwd=project)
    run(["git", "push", "--quiet", str(bare), "main", "experiment"], cwd=project)
    return root, bare


def checkout(origin: tuple[Path, Path], name: str) -> Path:
    """What actions/checkout does with fetch-depth 0: a clone at the pushed commit, all branches fetched."""
    root, bare = origin
    workspace = root / name
    run(["git", "clone", "--quiet", "--branch", "experiment", str(bare), str(workspace)], cwd=root)
    return workspace


@pytest.mark.e2e
def test_ci_workflow_steps_run_in_order(origin, projects):
    workspace = checkout(origin, "ci-runner")
    runner = Runner(workspace, standin_tools(origin[0] / "ci-bin"), origin[0] / "ci-cml.log", "experiment")
    runner.run_job(load_yaml(workspace / ".github" / "workflows" / "ci.yml"), "test")
    assert runner.executed[-1] == "actions/upload-artifact"
    metrics = json.loads((workspace / "reports" / "metrics.json").read_text())
    assert metrics["metrics"]["accuracy"] > 0.9
    (metadata,) = (workspace / "models" / "metadata").glob("*.json")
    assert json.loads(metadata.read_text())["tracking"]["backend"] == "none"  # tracking off in CI
    assert cml_calls(origin[0] / "ci-cml.log") == []
    # The same make targets fill the GitLab job's artifact paths (the default project is the gitlab variant's).
    gitlab = load_yaml(projects["gitlab"] / GITLAB_FILE)["test"]
    assert all((workspace / path).exists() for path in gitlab["artifacts"]["paths"]), gitlab["artifacts"]


@pytest.mark.e2e
def test_cml_workflow_steps_run_in_order_and_report_back(origin):
    root, bare = origin
    workspace = checkout(origin, "cml-runner")
    log = root / "cml.log"
    runner = Runner(workspace, standin_tools(root / "cml-bin"), log, "experiment")
    workflow = load_yaml(workspace / ".github" / "workflows" / "cml.yaml")
    head_message = run(["git", "log", "-1", "--format=%s"], cwd=workspace).stdout
    assert head_message.startswith("[cml]")  # what deploy_runner's `if:` requires
    runner.run_job(workflow, "deploy_runner")
    runner.run_job(workflow, "train")

    launch, comment = cml_calls(log)
    check_runner_launch(launch, recorded_answers(workspace))
    assert comment["argv"][:2] == ["comment", "create"]
    options, (report_name,) = flags(comment["argv"][2:])
    assert set(options) <= COMMENT_CREATE_FLAGS and comment["env"]["REPO_TOKEN"] == "secret-GITHUB_TOKEN"
    report = Path(comment["cwd"]) / report_name
    text = report.read_text()
    assert "## Metrics compared with main" in text and "## Parameters compared with main" in text
    assert "train.cv_folds" in text  # the params diff shows the experiment's change
    assert "# Delivery report" in text
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(images) >= 4 and all((report.parent / image).is_file() for image in images), images

    # The results went back to the branch in one commit that skips CI, with the git-tracked outputs.
    log_line = run(["git", "log", "-1", "--format=%s", "experiment"], cwd=bare).stdout
    assert log_line.startswith("[skip ci] CML training results")
    committed = run(["git", "show", "--name-only", "--format=", "experiment"], cwd=bare).stdout.split()
    assert {"dvc.lock", "reports/metrics.json", "reports/report.md", "data/raw/extra.csv.dvc"} <= set(committed)
    assert any(name.startswith("reports/figures/report/") for name in committed)
    # "Get input artifacts" brought the registry's new version of the imported file (`dvc update`).
    assert (workspace / "data" / "raw" / "extra.csv").read_text() == SECOND_EXTRA
    # dvc push sent the pipeline's outputs to the remote.
    assert any((root / "dvc-remote").rglob("*"))
    assert subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=workspace,
                          capture_output=True, text=True).stdout == ""


def test_gitlab_job_installs_the_makefiles_uv(projects):
    """The GitLab job's script is the GitHub workflow's (test_gitlab_ci_passes_the_gitlab_schema_and_calls_make_only),
    which test_ci_workflow_steps_run_in_order runs; its own line is before_script's uv, the one `make env` installs
    when uv is missing (the generated Makefile's UV_VERSION)."""
    root = projects["gitlab"]
    (uv_version,) = re.findall(r"^UV_VERSION := (\S+)$", (root / "Makefile").read_text(), re.MULTILINE)
    assert load_yaml(root / GITLAB_FILE)["test"]["before_script"] == [f"pip install uv=={uv_version}"]
