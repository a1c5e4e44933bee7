"""Faults in a generated project, for real: commands killed midway, run twice at once, fed damaged files.

One default project (DVC, MLflow, FastAPI) is rendered from a tagged copy of the template, built with
`make env` and trained once; every test uses it. A command is killed with SIGKILL (its whole process
group: make, DVC, the tracking child) when a temporary file of its own appears or after a delay. Then
nothing may hold a final name half-written, and the next run must succeed: no stale lock (DVC's
.dvc/tmp/rwlock and lock, the MLflow SQLite store, filelock files) may block it, and the temporary files
of the killed run are gone after it. The last test interrupts `make update`, which changes the project.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .helpers import TOOLS_BIN, make_env, project_python, run
from .template_repo import commit_and_tag, edit, git, release_v2, template_repository

pytestmark = pytest.mark.e2e
PACKAGE = "penguin_classifier"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The template's working tree as a repository tagged v0.1.0 (a release that `make update` can leave)."""
    return template_repository(tmp_path_factory.mktemp("faults") / "template")


@pytest.fixture(scope="module")
def project(template) -> Path:
    """The default project, built, committed and trained once through DVC."""
    root = template.parent / "project"
    run(["copier", "copy", "--trust", "--defaults", str(template), str(root)], cwd=template.parent)
    make_env(root)
    commit_and_tag(root, None, "Start from template v0.1.0")
    run(["make", "train"], cwd=root)
    return root


def cli(root: Path, *args: str) -> list[str]:
    return [str(root / ".venv" / "bin" / "python"), "-m", PACKAGE, *args]


def dvc(root: Path, *args: str) -> list[str]:
    """dvc as the Makefile runs it (the project's python first on PATH); called through env for that."""
    return ["env", f"PATH={root / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
            str(root / ".venv" / "bin" / "dvc"), *args]


def kill_when(command: list[str], cwd: Path, ready: Callable[[], bool], what: str, timeout: float = 600) -> None:
    """Start command in its own process group and SIGKILL the whole group as soon as ready() is true.

    Fails when the command ends first: the fault would not have been injected.
    """
    env = {**os.environ, "PATH": f"{TOOLS_BIN}{os.pathsep}{os.environ['PATH']}"}
    process = subprocess.Popen(command, cwd=cwd, env=env, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            raise AssertionError(f"{command} ended (exit {process.returncode}) before {what}:\n{process.stdout.read()}")
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            raise AssertionError(f"{command}: no {what} after {timeout} s")
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, f"{command} was not killed (exit {process.returncode})"


def appears(folder: Path, pattern: str) -> Callable[[], bool]:
    return lambda: any(folder.glob(pattern))


def after(seconds: float) -> Callable[[], bool]:
    start = time.monotonic()
    return lambda: time.monotonic() - start >= seconds


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def models_consistent(root: Path) -> None:
    """Every metadata JSON parses and its model matches its sha256; every model has its metadata."""
    metadata_dir = root / "models" / "metadata"
    described = set()
    for path in metadata_dir.glob("*.json"):
        metadata = json.loads(path.read_text())
        model = root / metadata["model"]["path"]
        assert sha256(model) == metadata["model"]["sha256"], f"{model} does not match {path}"
        described.add(model.name)
    assert {p.name for p in (root / "models").glob("*.skops")} == described


def bundles_verify(folder: Path) -> list[str]:
    """Names of the bundles (non-hidden folders) in folder; each must verify against its SHA256SUMS."""
    names = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")) \
        if folder.is_dir() else []
    for name in names:
        listed = dict(reversed(line.split("  ", 1)) for line in (folder / name / "SHA256SUMS").read_text().splitlines())
        present = {p.name for p in (folder / name).iterdir()} - {"SHA256SUMS"}
        assert set(listed) == present, f"{folder / name}: files {present} != listed {set(listed)}"
        assert all(sha256(folder / name / file) == digest for file, digest in listed.items()), f"{name} altered"
    return names


def leftovers(root: Path, *folders: Path) -> list[str]:
    """Temporary files and partial bundles of killed runs still lying around."""
    places = [root / "models", root / "models" / "metadata", *(root / "data").iterdir(), root / "artifacts",
              *folders]
    return sorted(str(p) for folder in places if folder.is_dir()
                  for p in folder.iterdir() if p.name.endswith(".tmp") or ".partial-" in p.name or ".old-" in p.name)


def latest_model(root: Path) -> dict:
    path = max((root / "models" / "metadata").glob("*.json"), key=lambda p: p.stem.rsplit("-", 1)[-1])
    return json.loads(path.read_text())


@pytest.mark.parametrize("point", ["while the model is written", "after 1.5 s"])
def test_killed_train_leaves_no_half_model_and_the_next_train_succeeds(project, point):
    before = set((project / "models").glob("*.skops"))
    ready = appears(project / "models", ".*.tmp") if point.startswith("while") else after(1.5)
    kill_when(dvc(project, "repro", "--force", "--single-item", "train"), project, ready, point)
    models_consistent(project)

    run(dvc(project, "repro", "--force", "--single-item", "train"), cwd=project)  # DVC's locks do not block it
    models_consistent(project)
    assert len(set((project / "models").glob("*.skops")) - before) >= 1
    assert leftovers(project) == []
    assert latest_model(project)["tracking"]["run_id"]  # the MLflow store took the new run


@pytest.fixture(scope="module")
def big_input(project) -> Path:
    """The hold-out set repeated to 300,000 rows, so that writing predictions takes a while."""
    path = project / "data" / "big.parquet"
    project_python(project, "import pandas as pd, sys; frame = pd.read_parquet(sys.argv[1]); "
                   "pd.concat([frame] * (300_000 // len(frame)), ignore_index=True).to_parquet(sys.argv[2])",
                   str(project / "data" / "transformed" / "penguins-test.parquet"), str(path))
    return path


def test_killed_predict_leaves_no_partial_output(project, big_input):
    output = project / "data" / "predictions" / "big.parquet"
    output.unlink(missing_ok=True)
    command = cli(project, "predict", "--input", str(big_input), "--output", str(output), "predict.chunk_rows=2000")
    kill_when(command, project, appears(output.parent, ".big.parquet.*.tmp"), "predictions being written")
    assert not output.exists()

    run(command, cwd=project)
    rows = project_python(project, "import pyarrow.parquet as pq, sys; "
                          "print(*(pq.ParquetFile(path).metadata.num_rows for path in sys.argv[1:]))",
                          str(output), str(big_input)).split()
    assert rows[0] == rows[1]
    assert leftovers(project) == []


@pytest.mark.parametrize("point", ["when its folder is made", "during the ONNX conversion"])
def test_killed_export_leaves_no_partial_bundle(project, point):
    artifacts = project / "artifacts"
    bundle = artifacts / Path(latest_model(project)["model"]["path"]).stem
    run(["rm", "-rf", str(bundle)], cwd=project)
    pattern = f".{bundle.name}.partial-*" + ("/metadata.json" if point.startswith("during") else "")
    kill_when(cli(project, "export"), project, appears(artifacts, pattern), point)
    bundles_verify(artifacts)  # the bundle is absent, or complete if the kill came after its rename

    run(cli(project, "export"), cwd=project)
    assert bundle.name in bundles_verify(artifacts)
    assert leftovers(project) == []


@pytest.mark.parametrize("point", ["while the bundle is uploaded", "once it is delivered (MLflow registration next)"])
def test_killed_deploy_leaves_a_verified_bundle_or_none(project, tmp_path, point):
    target = tmp_path / "deployed"
    command = cli(project, "deploy", "--target", str(target))
    # A model of 1,500 trees (tens of MB), so that copying and verifying the bundle lasts long enough to be
    # interrupted on any machine; a small one is delivered between two looks.
    run(cli(project, "train", "train.cv_folds=0", "tracking.backend=none",
            "train.hyperparams.n_estimators.tuning.max=1500", "train.hyperparams.n_estimators.default_value=1500"),
        cwd=project)
    run(cli(project, "export"), cwd=project)  # the bundle exists: the kill lands in the delivery or registration
    name = Path(latest_model(project)["model"]["path"]).stem
    ready = appears(target, ".*.partial-*/*") if point.startswith("while the bundle") else appears(target, name)
    kill_when(command, project, ready, point)
    assert bundles_verify(target) in ([], [name])

    result = run(command, cwd=project)
    assert bundles_verify(target) == [name] and "registered" in result.stdout
    assert leftovers(project, target) == []


def test_two_first_trains_at_once_both_make_valid_models_with_their_own_metadata(project):
    (project / "mlflow.db").unlink()
    run(["rm", "-rf", "mlruns"], cwd=project)
    before = set((project / "models" / "metadata").glob("*.json"))
    command = cli(project, "train", "train.cv_folds=0")
    processes = [subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for _ in range(2)]
    outputs = [process.communicate(timeout=600)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], "\n".join(outputs)

    new = sorted(set((project / "models" / "metadata").glob("*.json")) - before)
    assert len(new) == 2
    models_consistent(project)
    run_ids = [json.loads(path.read_text())["tracking"]["run_id"] for path in new]
    assert len(set(run_ids)) == 2 and all(run_ids)
    statuses = project_python(project, "import mlflow, sys; mlflow.set_tracking_uri('sqlite:///mlflow.db'); "
                              "print(' '.join(mlflow.get_run(r).info.status for r in sys.argv[1:]))", *run_ids)
    assert statuses == "FINISHED FINISHED"


def test_two_deploys_at_once_leave_one_verified_bundle_and_one_registered_version(project, tmp_path):
    target = tmp_path / "deployed"
    command = cli(project, "deploy", "--target", str(target))
    processes = [subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for _ in range(2)]
    outputs = [process.communicate(timeout=600)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], "\n".join(outputs)

    metadata = latest_model(project)
    assert bundles_verify(target) == [Path(metadata["model"]["path"]).stem]
    assert leftovers(project, target) == []
    versions = project_python(
        project, "import sys; from mlflow import MlflowClient; c = MlflowClient('sqlite:///mlflow.db'); "
        "print(len(c.search_model_versions(f\"name = '{sys.argv[1]}' and tags.sha256 = '{sys.argv[2]}'\")))",
        metadata["model"]["name"], metadata["model"]["sha256"])
    assert versions == "1"


def cut_header(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:12])


def empty(path: Path) -> None:
    path.write_bytes(b"")


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def garble(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 4)


DAMAGE = [
    # (file, damage, command, what the message must say besides the file)
    ("data/raw/penguins.csv", cut_header, ["data", "stage"], "make data"),
    ("data/raw/penguins.csv", empty, ["data", "stage"], "make data"),
    ("data/staging/penguins.parquet", truncate, ["data", "transform"], "make data"),
    ("data/transformed/penguins-train.parquet", truncate, ["train", "tracking.backend=none"], "make data"),
    ("data/transformed/penguins-test.parquet", garble, ["evaluate"], "make data"),
    ("model", truncate, ["predict"], "make train"),
    ("metadata", truncate, ["predict"], "make train"),
    ("metadata", garble, ["export"], "make train"),
    ("params.yaml", truncate, ["train"], "git checkout -- params.yaml"),
    ("params.yaml", garble, ["data", "all"], "git checkout -- params.yaml"),
]


@pytest.mark.parametrize("name, damage, command, remedy", DAMAGE,
                         ids=[f"{name.rsplit('/', 1)[-1]}-{damage.__name__}-{'-'.join(command)}"
                              for name, damage, command, _ in DAMAGE])
def test_a_damaged_input_is_named_with_what_to_do_and_nothing_is_overwritten(project, name, damage, command, remedy):
    metadata = max((project / "models" / "metadata").glob("*.json"), key=lambda p: p.stem.rsplit("-", 1)[-1])
    path = {"model": project / latest_model(project)["model"]["path"], "metadata": metadata}.get(name, project / name)
    original = path.read_bytes()
    snapshot = {p: sha256(p) for folder in ("data", "models", "reports") for p in (project / folder).rglob("*")
                if p.is_file()}
    damage(path)
    try:
        result = run(cli(project, *command), cwd=project, check=False)
    finally:
        damaged = path.read_bytes()
        path.write_bytes(original)
    message = result.stdout + result.stderr
    assert result.returncode != 0, message
    assert "Traceback" not in message and str(path.relative_to(project)) in message and remedy in message, message
    assert damaged != original
    assert {p: sha256(p) for p in snapshot} == snapshot  # nothing was overwritten (the damaged file restored)


def test_interrupted_update_is_explained_by_git_status_and_undone_by_git(template, project):
    edit(project / "src" / PACKAGE / "trainers" / "scikit_learn.py", "from ..model import train as model_recipe",
         "from ..model import train as model_recipe  # my recipe")  # the release changes this line too
    run(["git", "add", "-A"], cwd=project)
    commit_and_tag(project, None, "Trained, my edit")
    head_files = {name: sha256(project / name) for name in git(project, "ls-files").splitlines()}
    release_v2(template)

    kill_when(["make", "update"], project, appears(project / "docs", "UPGRADING.md"), "the new release's files")
    status = git(project, "status", "--porcelain")
    assert "Makefile" in status and "docs/" in status  # git status names what the update changed so far
    # The release's migration staged a rename (git mv), which `git checkout -- .` keeps: reset --hard undoes all.
    assert "R  src/" in status
    run("git reset --hard && git clean -fd", cwd=project)
    assert git(project, "status", "--porcelain") == ""
    assert {name: sha256(project / name) for name in git(project, "ls-files").splitlines()} == head_files

    # An update that completes with a conflict leaves unmerged paths, which `git checkout -- .` refuses:
    # `git reset --hard && git clean -fd` is the undo that always works.
    result = run(["make", "update"], cwd=project, check=False)
    assert result.returncode != 0 and f"src/{PACKAGE}/trainers/scikit_learn.py" in result.stderr
    assert run(["git", "checkout", "--", "."], cwd=project, check=False).returncode != 0
    run("git reset --hard && git clean -fd", cwd=project)
    assert git(project, "status", "--porcelain") == ""
    assert {name: sha256(project / name) for name in git(project, "ls-files").splitlines()} == head_files
