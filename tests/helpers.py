"""Shared helpers for the template's tests: rendering, running commands, the answer matrix."""

from __future__ import annotations

import functools
import itertools
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any

import copier

from scripts.answers import TEMPLATE, project_questions, question_values  # noqa: F401 (project_questions: tests)
from scripts.reserved_names import INSTALLED_NAMES_CODE, reservable, reserved_names

TOOLS_BIN = Path(sys.executable).parent  # the template's .venv/bin: copier, uv, flake8
# The generated projects' own suites run without measuring coverage (a third of their time), except where a
# test checks it: tests/test_e2e.py's `make test`, which passes PYTEST_ARGS="" (the projects' default).
GENERATED_PYTEST_ARGS = {"PYTEST_ARGS": "--no-cov"}

# The questions whose every pair of values the render matrix covers: every choice and yes/no question
# of a project, except the cml_* machine settings (asked only with cml; tests/test_ci.py covers them).
MATRIX_QUESTIONS = ["license", "env_manager", "python_version", "include_example", "task", "use_dvc", "tracking",
                    "api", "docker", "ci", "cml"]
ANSWER_VALUES = {question: question_values(question) for question in MATRIX_QUESTIONS}  # from copier.yml
DEFAULTS: dict[str, Any] = {
    "license": "Apache-2.0", "env_manager": "uv", "python_version": "3.11", "include_example": True,
    "task": "classification", "use_dvc": True, "tracking": "mlflow", "api": "fastapi", "docker": True,
    "ci": "github", "cml": True,
}
# The report projects of tests/test_tracking.py: one per tracking, trained and reported; `make report` with and
# without `dvc repro`, and one without an API.
REPORT_PROJECTS: dict[str, dict[str, Any]] = {
    "report-mlflow": {**DEFAULTS, "tracking": "mlflow"},
    "report-wandb": {**DEFAULTS, "tracking": "wandb", "use_dvc": False, "cml": False, "api": "none"},
    "report-dvclive": {**DEFAULTS, "tracking": "dvclive"},
    "report-none": {**DEFAULTS, "tracking": "none", "use_dvc": False, "cml": False},
}
# Projects whose own `make test` the suite runs, in the modules that build their environments anyway
# (test_e2e.py, test_tracking.py); together they take every value of api, tracking, use_dvc and
# include_example (tests/test_render.py checks it), each project's suite run once.
MAKE_TEST_PROJECTS: dict[str, dict[str, Any]] = {
    "e2e-default": dict(DEFAULTS),
    # python_version 3.10 built with the machine's newer python3: requires-python must accept it
    "e2e-stubs": {**DEFAULTS, "include_example": False, "env_manager": "pip", "license": "MIT",
                  "python_version": "3.10", "use_dvc": False, "cml": False, "tracking": "none", "api": "flask"},
    "report-wandb": REPORT_PROJECTS["report-wandb"],
    "report-dvclive": REPORT_PROJECTS["report-dvclive"],
}


def render(dst: Path, **data: Any) -> Path:
    """Render the template's working tree into dst with the given answers (defaults otherwise)."""
    copier.run_copy(
        str(TEMPLATE), str(dst), data=data, defaults=True, unsafe=True, vcs_ref="HEAD", quiet=True,
    )
    return dst


def run(command: list[str] | str, cwd: Path, timeout: int = 900, check: bool = True,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run a command with the template's tools first on PATH, without a terminal (stdin is empty, as in
    CI); show its output when it fails."""
    full_env = {**GENERATED_PYTEST_ARGS, **os.environ, "PATH": f"{TOOLS_BIN}{os.pathsep}{os.environ['PATH']}",
                **(env or {})}
    started = time.monotonic()
    result = subprocess.run(
        command, cwd=cwd, env=full_env, shell=isinstance(command, str), stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    if os.environ.get("TEST_COMMAND_LOG"):  # where the suite's time goes, command by command
        with open(os.environ["TEST_COMMAND_LOG"], "a") as log:
            log.write(f"{time.monotonic() - started:7.1f}\t{os.environ.get('PYTEST_CURRENT_TEST', '')}\t{command}\n")
    if check and result.returncode != 0:
        raise AssertionError(
            f"{command} exited {result.returncode} in {cwd}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


def run_uv_offline_first(command: list[str], cwd: Path, env: dict[str, str] | None = None
                         ) -> subprocess.CompletedProcess:
    """A command that runs uv, resolving from uv's cache first: online, uv revalidates every package with
    the index (about 25 s a project, offline under 1 s). When the cache lacks something, the offline try
    fails at once and the command runs online."""
    offline = run(command, cwd=cwd, env={**(env or {}), "UV_OFFLINE": "1"}, check=False)
    return offline if offline.returncode == 0 else run(command, cwd=cwd, env=env)


def make_env(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`make env` in a project, offline first (run_uv_offline_first). Bare-machine tests call `make env`
    itself instead."""
    return run_uv_offline_first(["make", "env", *args], root, env)


def is_valid(answers: dict[str, Any]) -> bool:
    """Which answer combinations the template supports: each answer one of copier.yml's values, and
    the one cross-question rule of copier.yml, written out here:
    - DVCLive writes metrics for DVC to read: tracking dvclive needs use_dvc (the `tracking` validator);
    - the CML cloud-training workflow trains with `dvc repro` from GitHub Actions: cml needs use_dvc
      and ci github (copier asks it only then; answers without ci or cml take their defaults).
    Every other value combines with everything else. A new restriction adds its rule here.
    """
    ci = answers.get("ci", DEFAULTS["ci"])
    return (
        all(answers[question] in values for question, values in ANSWER_VALUES.items() if question in answers)
        and (answers["tracking"] != "dvclive" or answers["use_dvc"])
        and (not answers.get("cml") or (answers["use_dvc"] and ci == "github"))
    )


def answer_pairs(answers: dict[str, Any]) -> set[tuple[tuple[str, Any], tuple[str, Any]]]:
    """The pairs of (question, value) that one combination of answers covers."""
    return set(itertools.combinations([(question, answers[question]) for question in MATRIX_QUESTIONS], 2))


def valid_combinations() -> list[dict[str, Any]]:
    """Every combination of MATRIX_QUESTIONS' values that is_valid accepts."""
    combinations = (dict(zip(ANSWER_VALUES, values)) for values in itertools.product(*ANSWER_VALUES.values()))
    return [answers for answers in combinations if is_valid(answers)]


@functools.cache
def render_matrix(orders: int = 8) -> tuple[dict[str, Any], ...]:
    """An all-pairs covering set: the defaults, then, greedily, the valid combination that covers the most
    pairs of answer values not yet covered, until every pair that some valid combination has is covered.
    Greedy depends on the order candidates are tried in (ties go to the first): a few fixed shuffles are
    tried and the smallest set kept. Pairs are bits of an integer, so each round scores every candidate fast."""
    candidates = valid_combinations()
    bits: dict[Any, int] = {}
    masks = [sum(1 << bits.setdefault(pair, len(bits)) for pair in answer_pairs(answers)) for answers in candidates]
    after_defaults = ((1 << len(bits)) - 1) & ~sum(1 << bits[pair] for pair in answer_pairs(DEFAULTS))
    best: list[int] = []
    for seed in range(orders):
        order = list(range(len(candidates)))
        random.Random(seed).shuffle(order)
        chosen, uncovered = [], after_defaults
        while uncovered and (not best or len(chosen) < len(best)):
            pick = max(order, key=lambda index: (masks[index] & uncovered).bit_count())
            chosen.append(pick)
            uncovered &= ~masks[pick]
        if not uncovered and (not best or len(chosen) < len(best)):
            best = chosen
    return (dict(DEFAULTS), *(candidates[index] for index in best))


def combo_id(answers: dict[str, Any]) -> str:
    """Readable test id, e.g. MIT-stubs-pip-py3.12-wandb-nodvc-flask-docker-gitlab-nocml."""
    example = "example" if answers["include_example"] else "stubs"
    if answers.get("task", "classification") == "regression":
        example += "-regression"
    dvc = "dvc" if answers["use_dvc"] else "nodvc"
    docker = "docker" if answers["docker"] else "nodocker"
    cml = "cml" if answers.get("cml", DEFAULTS["cml"]) else "nocml"
    return (f"{answers['license']}-{example}-{answers['env_manager']}-py{answers['python_version']}"
            f"-{answers['tracking']}-{dvc}-{answers['api']}-{docker}-{answers.get('ci', DEFAULTS['ci'])}-{cml}")


def copier_copy(root: Path, answers: dict[str, Any], **extra: Any) -> Path:
    """Render the working tree with the copier CLI, as the README tells users to: --trust --defaults and
    a --data for each answer that differs from the defaults (extra: more answers, such as dvc_remote)."""
    data = [f"--data={key}={value}" for key, value in {**answers, **extra}.items()
            if key in extra or DEFAULTS[key] != value]
    run(["copier", "copy", "--trust", "--defaults", "--vcs-ref=HEAD", *data, str(TEMPLATE), str(root)],
        cwd=root.parent)
    return root


def project_python(root: Path, code: str, *args: str) -> str:
    """Run code with the project's own interpreter (it has pandas, mlflow...; the template's has not)."""
    return run([str(root / ".venv" / "bin" / "python"), "-c", code, *args], cwd=root).stdout.strip()


def assert_import_names_are_reserved(root: Path, project_slug: str = "penguin-classifier") -> None:
    """Every top-level import name that the project's environment installs (the project's own aside)
    is one copier/reserved-names.yml reserves, so that no package, step or plugin name shadows it."""
    installed = json.loads(project_python(root, INSTALLED_NAMES_CODE))["import_names"]
    reserved = set(reserved_names())
    unreserved = {name: distributions for name, distributions in installed.items()
                  if reservable(name) and name not in reserved and distributions != [project_slug]}
    assert not unreserved, f"not in copier/reserved-names.yml (run make reserved-names): {unreserved}"


def latest_metadata(root: Path) -> dict:
    """The metadata of the most recently trained model (versions are UTC timestamps)."""
    path = max((root / "models" / "metadata").glob("*.json"), key=lambda p: p.stem.rsplit("-", 1)[-1])
    return json.loads(path.read_text())


def bare_machine(folder: Path, copier: bool = False) -> dict[str, str]:
    """The environment of a machine with only Python (with pip), make and git: a fresh venv first on PATH,
    then the system folders; no uv, no copier, not the template's .venv. Asserted, not assumed.
    copier: also copier, as `pipx install copier` gives it: a folder holding only the template's copier
    (its own interpreter and packages come with it, nothing else of the template's .venv does)."""
    venv = folder / "bare-python"
    if not venv.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    folders = [venv / "bin"]
    if copier:
        pipx_bin = folder / "pipx-bin"
        pipx_bin.mkdir(exist_ok=True)
        if not (pipx_bin / "copier").exists():
            (pipx_bin / "copier").symlink_to(TOOLS_BIN / "copier")
        folders.append(pipx_bin)
    path = os.pathsep.join([*map(str, folders), "/usr/local/bin", "/usr/bin", "/bin"])
    assert shutil.which("uv", path=path) is None, f"uv is on the bare machine's PATH {path}"
    assert (shutil.which("copier", path=path) is not None) == copier, f"copier on PATH {path}: not {copier}"
    for tool in ("python3", "make", "git"):
        assert shutil.which(tool, path=path), f"{tool} missing from the bare machine's PATH {path}"
    return {"PATH": path, "VIRTUAL_ENV": ""}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def project_dvc(root: Path) -> Callable[..., Any]:
    """DVC of a project's environment, as data_registry calls it: dvc(*args, cwd=folder)."""
    return lambda *args, cwd: run([str(root / ".venv" / "bin" / "dvc"), *args], cwd=cwd)


def data_registry(registry: Path, files: dict[str, str], dvc: Callable[..., Any]) -> Path:
    """A DVC data registry: a git + DVC repository with its own DVC remote (<registry>-storage beside it),
    holding files (path -> text) added with `dvc add`. Each call commits and pushes the files' content: the
    first makes the registry, the next release new versions. dvc(*args, cwd=...) runs DVC."""
    if not registry.exists():
        run(["git", "init", "--quiet", "--initial-branch=main", str(registry)], cwd=registry.parent)
        dvc("init", "--quiet", cwd=registry)
        dvc("remote", "add", "--default", "storage", str(registry.with_name(f"{registry.name}-storage")), cwd=registry)
    for path, content in files.items():
        (registry / path).parent.mkdir(parents=True, exist_ok=True)
        (registry / path).write_text(content)
        dvc("add", "--quiet", path, cwd=registry)
    run(["git", "add", "-A"], cwd=registry)
    run(["git", "commit", "--quiet", "-m", "New version of " + ", ".join(files)], cwd=registry)
    dvc("push", "--quiet", cwd=registry)
    return registry
