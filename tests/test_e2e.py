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
import shlex
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import jsonschema
import pytest
import yaml

from .helpers import (MAKE_TEST_PROJECTS, TEMPLATE, assert_import_names_are_reserved, bare_machine, combo_id,
                      copier_copy, free_port, latest_metadata, project_python, run)

pytestmark = pytest.mark.e2e
PACKAGE = "penguin_classifier"
PROJECTS = [MAKE_TEST_PROJECTS["e2e-default"], MAKE_TEST_PROJECTS["e2e-stubs"]]
FREE_TEXT = {"description": 'Churn model: predicts who "leaves" #1 at $HOME \\ {{ x }} 😀',
             "author_name": "Zoë \"ML\" O'Brien, Co. & $USER \\"}


@pytest.fixture(scope="module", params=PROJECTS, ids=combo_id)
def project(request, tmp_path_factory):
    """A project rendered with the copier CLI whose environment `make env` has built on a bare machine:
    Python with pip, make, git and copier on PATH, nothing else (no uv: the uv project installs its own).
    The tests share it; test_every_command_on_a_bare_machine, which commits and adds a step, runs last."""
    answers = request.param
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
    result = run(["make", "data", "train", "predict", "evaluate", "test"], cwd=root)
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
    assert "warning: no report" not in result.stdout, "a new project starts with both report sources"
    assert f"tests: {count_test_files(root)} file(s)" in result.stdout


def test_seed_makefile_names_still_work(project):
    root, *_ = project
    result = run(["make", "generate_dataset", "init-train", "prediction", "count_test_files",
                  "count_report_files", "create-environment", "requirements", "init", "pytest"], cwd=root)
    assert f"tests: {count_test_files(root)} file(s)" in result.stdout and "predictions" in result.stdout


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


# ---------------------------------------------------------------------------------------------------
# Every command on the bare machine: the Makefile's targets (from `make help`), the generators and the
# guide's commands (README and docs pages). Last in the module: it commits the project, adds a step and plugins.

GIT_IDENTITY = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
                "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com"}
# Targets that start a server, which runs until stopped: each is started, must answer, then is stopped.
SERVER_PATHS = {"ui": "/", "serve": "/health", "deploy-endpoint": "/health", "docs-serve": "/"}
SERVER_PORT = {"ui": "UI_PORT={port}", "docs-serve": "DOCS_PORT={port}"}  # the others: HOST=... PORT=...
# README commands this machine cannot run, with what they need (matched on how the command starts).
README_NOT_RUN = {
    "make env EXTRAS=ray": "downloads Ray (hundreds of MB); tests/test_ray.py builds and runs it",
    'make tune ARGS="tuning.backend=ray"': "needs the ray extra; tests/test_ray.py runs it",
    'make predict ARGS="--backend ray': "needs the ray extra; tests/test_ray.py runs it",
    "docker ": "a Docker daemon; tests/test_docker.py runs these where one is",
    'git commit -m "[cml]': "a GitHub repository and a cloud account: it pushes to start the CML workflow",
    "schemathesis ": "not a dependency of the project (the README says to get it from PyPI)",
    'echo "DATABASE_URL=': "an example path; tests/test_own_data.py reads a SQLite database through .env",
}
# README commands run with a change, and why.
README_CHANGED = {
    "make step NAME=featurize": ("make step NAME=featurize DEFAULTS=1", "it asks its questions: no terminal here"),
    "make update": ("git add -A && git commit -q -m 'Before the update' && make update REF=HEAD",
                    "needs a clean tree, and the template under test has no release tag: its HEAD"),
}
# The generators run the template at the commit the project records, which copier made up in its clone
# when the template under test has uncommitted changes: they run its HEAD (with those changes) instead.
GENERATORS = ("make step ", "make plugin ")
# What a target the README does not run needs first, and why.
BEFORE_TARGET = {
    "update": "git add -A && git commit -q -m 'Before the update'",  # a clean tree
    "update-pr": "git add -A && git commit -q --allow-empty -m 'Before the update'",
    "pull": "make repro",  # dvc pull keeps outputs changed since (the README ran a step with mlflow run)
}
# Arguments for the targets the README does not run, so each does its work quickly.
TARGET_ARGS = {
    "tune": ['ARGS=tuning.max_trials=2 tuning.cv_folds=2'],
    "step": ["NAME=smooth", "DEFAULTS=1", "REF=HEAD"],
    "remove-step": ["NAME=featurize"],  # the README's step
    "plugin": ["NAME=blank", "TRAINER=blank", "REF=HEAD"],
    "update": ["REF=HEAD"],
}


def make_targets(root: Path, env: dict[str, str]) -> list[str]:
    """The targets `make help` lists: the Makefile's own list, so the test cannot miss a new one."""
    lines = run(["make", "help"], cwd=root, env=env).stdout.splitlines()[1:]
    return [line.split()[0] for line in lines]


def readme_commands(readme: str) -> list[list[str]]:
    """The commands of the README's code blocks, one list per block: every line of a ```bash block, and
    the `make` lines of the others; continued lines (a trailing backslash, an open quote) joined, trailing
    comments cut."""
    blocks = []
    for fence, body in re.findall(r"^```(\w*)\n(.*?)^```", readme, flags=re.M | re.S):
        commands, pending = [], ""
        for line in body.replace("\\\n", " ").splitlines():
            pending = f"{pending} {line.strip()}" if pending else re.sub(r"\s+#.*$", "", line).strip()
            try:
                shlex.split(pending)
            except ValueError:  # a quoted string goes on over the next line
                continue
            if pending and (fence == "bash" or pending.startswith("make ")):
                commands.append(pending)
            pending = ""
        if commands:
            blocks.append(commands)
    return blocks


def wait_until_answering(url: str, server: subprocess.Popen, headers: dict[str, str] | None = None,
                         seconds: int = 120) -> int:
    """The HTTP status of url once the server answers; fails if the server exits or never answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the server exited {server.returncode}: see {server.args}'s output above"
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"nothing answered on {url} in {seconds} s")


class Server:
    """`make <target>` started in its own process group, stopped (the whole group) on exit."""

    def __init__(self, command: str, root: Path, env: dict[str, str]):
        self.command, self.root, self.env = command, root, env

    def __enter__(self) -> subprocess.Popen:
        # Its output goes to the test's own (shown when the test fails), never to a pipe that could fill up.
        self.process = subprocess.Popen(self.command, shell=True, cwd=self.root, env={**os.environ, **self.env},
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        return self.process

    def __exit__(self, *exc_info) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def run_server_block(block: list[str], root: Path, env: dict[str, str], active: dict[str, str]) -> list[str]:
    """A README block that starts the API with `make serve`: each `make serve` line is started on a free
    port, and the block's curl lines run against it while it runs. Returns the targets run."""
    for line in block:
        assert line.startswith(("make serve", "curl ", "export SERVE_API_KEY=", *README_NOT_RUN)), line
    api_key = "a-test-key" if any(line.startswith("export SERVE_API_KEY=") for line in block) else None
    model = latest_metadata(root)["model"]["path"]
    serves = [line for line in block if line.startswith("make serve")]
    for line in serves:
        port = free_port()
        command = f"{line.replace('<name>-<version>.skops', Path(model).name)} HOST=127.0.0.1 PORT={port}"
        server_env = {**env, "SERVE_API_KEY": api_key} if api_key else env
        with Server(command, root, server_env) as server:
            assert wait_until_answering(f"http://127.0.0.1:{port}/health", server) == 200, line
            for curl in [line for line in block if line.startswith("curl ")]:
                curl = re.sub(r"localhost:\d+", f"127.0.0.1:{port}", curl)
                answered = run(f"curl --fail --silent --show-error {curl[len('curl '):]}", cwd=root,
                               env={**active, "SERVE_API_KEY": api_key or ""})
                assert answered.stdout.strip(), curl
            if api_key:
                assert wait_until_answering(f"http://127.0.0.1:{port}/metadata", server) == 401
    return ["serve"] if serves else []


def user_guide(root: Path) -> str:
    """The README, then the documentation pages in the site's order: the commands a user reads, in turn."""
    nav = yaml.safe_load((root / "mkdocs.yml").read_text())["nav"]
    pages = [root / "docs" / page for entry in nav for page in entry.values()]
    return "\n".join(path.read_text() for path in [root / "README.md", *pages])


def write_the_own_data_pages_tables(folder: Path) -> None:
    """The user's own tables that the "Your own data" page trains and predicts on: an id column, text
    categories, missing values and a yes/no target."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["customer_id,plan,tenure_months,monthly_spend,churned"]
    for i in range(300):
        plan = ["basic", "plus", "", "pro"][i % 4]
        spend = "" if i % 17 == 0 else f"{20 + (i * 7) % 80}.5"
        rows.append(f"C{i:05d},{plan},{i % 48},{spend},{'yes' if (i % 48) < 12 else 'no'}")
    (folder / "churn.csv").write_text("\n".join(rows) + "\n")
    new_rows = [row.rsplit(",", 1)[0] for row in rows[:21]]
    (folder / "new-customers.csv").write_text("\n".join(new_rows) + "\n")


def record_a_real_commit(root: Path) -> None:
    """Uncommitted template changes are rendered from a commit that copier makes in its own clone, which
    `make update` cannot find again: record the template's HEAD instead (what the changes apply to)."""
    answers_file = root / ".copier-answers.yml"
    recorded = str(yaml.safe_load(answers_file.read_text())["_commit"])
    if run(["git", "cat-file", "-e", f"{recorded}^{{commit}}"], cwd=TEMPLATE, check=False).returncode != 0:
        head = run(["git", "rev-parse", "HEAD"], cwd=TEMPLATE).stdout.strip()
        answers_file.write_text(answers_file.read_text().replace(f"_commit: {recorded}\n", f"_commit: {head}\n"))


def test_every_command_on_a_bare_machine(project, tmp_path):
    """On the bare machine (Python, make, git, copier; the uv project's own uv only): every target of
    `make help`, the generators, and the commands of the README and the docs pages. The pip project goes
    through the plugin commands, whose installer is the environment's pip there."""
    root, answers, _, bare = project
    env = {**bare, **GIT_IDENTITY, "HOME": str(tmp_path)}  # HOME: the default DVC remote is under ~
    active = {**env, "PATH": f"{root / '.venv' / 'bin'}{os.pathsep}{bare['PATH']}"}  # "the environment active"
    record_a_real_commit(root)
    run("git add -A && git commit -q -m 'New project'", cwd=root, env=env)

    # Without a terminal, a generator that would ask says what to pass instead of copier's prompt error.
    asked = run(["make", "step", "NAME=featurize"], cwd=root, env=env, check=False)
    assert asked.returncode != 0 and "DEFAULTS=1" in asked.stderr and "DATA=" in asked.stderr, asked.stderr
    assert not (root / "src" / PACKAGE / "steps" / "featurize").exists()

    if answers["env_manager"] == "pip":
        for command in ["make plugin NAME=xgboost REF=HEAD", "make plugins", "make train-list",
                        'make train ARGS="train.trainer=xgboost tracking.backend=none"', "make plugins-uninstall"]:
            result = run(command, cwd=root, env=env)
        assert "Removing dependencies only plugins needed:" in result.stdout and "xgboost" in result.stdout
        assert "Locked by pip" in (root / "plugins" / f"{PACKAGE}_xgboost" / "requirements.txt").read_text()
        return

    targets = make_targets(root, env)
    guide = user_guide(root)
    mentioned = set(re.findall(r"`make ([a-z][\w-]*)", guide))
    assert mentioned <= set(targets), f"the guide names targets make help does not list: {mentioned - set(targets)}"
    write_the_own_data_pages_tables(Path(env["HOME"]) / "data")

    ran: set[str] = set()
    for block in readme_commands(guide):
        if any(line.startswith("make serve") for line in block):
            ran.update(run_server_block(block, root, env, active))
            continue
        for line in block:
            if line.startswith(("curl ", "export SERVE_API_KEY=")) or line.startswith(tuple(README_NOT_RUN)):
                continue
            command = README_CHANGED.get(line, (line, ""))[0] + (" REF=HEAD" if line.startswith(GENERATORS) else "")
            run(command, cwd=root, env=env if line.startswith("make ") else active)
            ran.update(re.findall(r"(?:^|&& )make ([a-z][\w-]*)", command))
    assert {"step", "plugin", "plugins", "plugins-uninstall", "update"} <= ran, "the guide's generator commands"
    assert len((root / "data" / "predictions" / "new.csv").read_text().splitlines()) == 21  # "Your own data"
    assert (root / "plugins" / f"{PACKAGE}_xgboost").is_dir()
    assert (root / "src" / PACKAGE / "steps" / "featurize").is_dir()

    for target in targets:
        if target in ran:
            continue
        if target in SERVER_PATHS:
            port = free_port()
            variables = SERVER_PORT.get(target, "HOST=127.0.0.1 PORT={port}").format(port=port)
            with Server(f"make {target} {variables}", root, env) as server:
                assert wait_until_answering(f"http://127.0.0.1:{port}{SERVER_PATHS[target]}", server) == 200
            continue
        if target in BEFORE_TARGET:
            run(BEFORE_TARGET[target], cwd=root, env=env)
        run(["make", target, *TARGET_ARGS.get(target, [])], cwd=root, env=env)
    assert not (root / "src" / PACKAGE / "steps" / "featurize").exists()  # make remove-step NAME=featurize
