"""Shared helpers for the template's tests: rendering, running commands, the answer matrix."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import copier
import yaml

TEMPLATE = Path(__file__).resolve().parents[1]
COPIER_YML = TEMPLATE / "copier.yml"
TOOLS_BIN = Path(sys.executable).parent  # the template's .venv/bin: copier, uv, flake8

LICENSES = ["Apache-2.0", "MIT", "BSD-3-Clause", "Proprietary"]
ENV_MANAGERS = ["uv", "pip", "conda"]
PYTHON_VERSIONS = ["3.10", "3.11", "3.12", "3.13"]
TRACKINGS = ["mlflow", "wandb", "dvclive", "none"]
APIS = ["fastapi", "flask", "none"]
CIS = ["github", "gitlab", "none"]
DEFAULTS: dict[str, Any] = {
    "license": "Apache-2.0", "env_manager": "uv", "python_version": "3.11", "include_example": True,
    "use_dvc": True, "tracking": "mlflow", "api": "fastapi", "docker": True,
    "ci": "github", "cml": True,
}


def render(dst: Path, **data: Any) -> Path:
    """Render the template's working tree into dst with the given answers (defaults otherwise)."""
    copier.run_copy(
        str(TEMPLATE), str(dst), data=data, defaults=True, unsafe=True, vcs_ref="HEAD", quiet=True,
    )
    return dst


def run(command: list[str] | str, cwd: Path, timeout: int = 900, check: bool = True,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run a command with the template's tools first on PATH; show its output when it fails."""
    full_env = {**os.environ, "PATH": f"{TOOLS_BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})}
    result = subprocess.run(
        command, cwd=cwd, env=full_env, shell=isinstance(command, str),
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{command} exited {result.returncode} in {cwd}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


def is_valid(answers: dict[str, Any]) -> bool:
    """Which answer combinations the template supports.

    The one rule: DVCLive tracking writes metrics for DVC to read, so it needs use_dvc (copier.yml's
    validator on `tracking` rejects the other case). Every license, env_manager, python_version and
    include_example value combines with everything else. A new restriction adds its rule here.
    The CML cloud-training workflow trains with `dvc repro` from GitHub Actions: cml needs use_dvc and
    ci github (copier asks it only then; answers without ci or cml take their defaults).
    """
    return (
        answers["license"] in LICENSES
        and answers["env_manager"] in ENV_MANAGERS
        and answers["python_version"] in PYTHON_VERSIONS
        and isinstance(answers["include_example"], bool)
        and answers["tracking"] in TRACKINGS
        and (answers["tracking"] != "dvclive" or answers["use_dvc"])
        and answers["api"] in APIS
        and isinstance(answers["docker"], bool)
        and answers.get("ci", "github") in CIS
        and (not answers.get("cml") or (answers["use_dvc"] and answers.get("ci", "github") == "github"))
    )


def runnable_here(answers: dict[str, Any]) -> bool:
    """Whether a project with these answers can build its environment on this machine.

    conda is not installed on our machines and cannot come from PyPI, so conda projects are
    rendered and checked (environment.yml, `make -n env`) but not built.
    """
    return answers["env_manager"] != "conda"


def render_matrix() -> list[dict[str, Any]]:
    """A covering subset of all combinations: every tracking with and without DVC, every license
    with and without the example, env_manager and python_version cycling so each value appears."""
    combos = [dict(DEFAULTS)]
    pairs = list(itertools.product(TRACKINGS, [True, False]))
    for index, (license_, example) in enumerate(itertools.product(LICENSES, [True, False])):
        tracking, use_dvc = pairs[index % len(pairs)]
        combos.append({
            "license": license_, "include_example": example,
            "env_manager": ENV_MANAGERS[index % len(ENV_MANAGERS)],
            "python_version": PYTHON_VERSIONS[index % len(PYTHON_VERSIONS)],
            "tracking": tracking, "use_dvc": use_dvc or tracking == "dvclive",
            "api": APIS[index % len(APIS)], "docker": index % 2 == 0,
        })
    return [combo for combo in combos if is_valid(combo)]


def combo_id(answers: dict[str, Any]) -> str:
    """Readable test id, e.g. MIT-stubs-pip-py3.12."""
    example = "example" if answers["include_example"] else "stubs"
    dvc = "dvc" if answers["use_dvc"] else "nodvc"
    docker = "docker" if answers["docker"] else "nodocker"
    return (f"{answers['license']}-{example}-{answers['env_manager']}-py{answers['python_version']}"
            f"-{answers['tracking']}-{dvc}-{answers['api']}-{docker}")


def project_questions() -> dict[str, Any]:
    """The questions a new project asks (settings, computed values and the other generators left out)."""
    documents = yaml.safe_load_all(COPIER_YML.read_text().replace("!include", "#"))
    merged: dict[str, Any] = {}
    for document in documents:
        merged.update(document or {})
    return {key: value for key, value in merged.items()
            if not key.startswith("_") and "kind == 'project'" in str(value.get("when"))}


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


def latest_metadata(root: Path) -> dict:
    """The metadata of the most recently trained model (versions are UTC timestamps)."""
    path = max((root / "models" / "metadata").glob("*.json"), key=lambda p: p.stem.rsplit("-", 1)[-1])
    return json.loads(path.read_text())


def bare_machine(folder: Path) -> dict[str, str]:
    """The environment of a machine with only Python (with pip), make and git: a fresh venv first on PATH,
    then the system folders; no uv, no copier, not the template's .venv. Asserted, not assumed."""
    venv = folder / "bare-python"
    if not venv.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    path = os.pathsep.join([str(venv / "bin"), "/usr/local/bin", "/usr/bin", "/bin"])
    for tool in ("uv", "copier"):
        assert shutil.which(tool, path=path) is None, f"{tool} is on the bare machine's PATH {path}"
    for tool in ("python3", "make", "git"):
        assert shutil.which(tool, path=path), f"{tool} missing from the bare machine's PATH {path}"
    return {"PATH": path, "VIRTUAL_ENV": ""}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
