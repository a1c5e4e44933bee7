"""What the every-command test of tests/test_e2e.py needs: the Makefile's targets (from `make help`), the
guide's commands (the README, then the docs pages in the site's order), servers started and stopped.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

from .helpers import TEMPLATE, data_registry, free_port, latest_metadata, project_dvc, run

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
    "make import REPO=https://github.com/acme/data-registry FILE=tables/customers.csv": (
        "make import REPO=$HOME/data-registry FILE=tables/customers.csv",
        "the example's registry is on GitHub: a local one with the page's table (helpers.data_registry)"),
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
    # Each target on a line of its own, indented (under `make test`, make also prints "Entering directory").
    return re.findall(r"^  ([a-zA-Z0-9_-]+) ", run(["make", "help"], cwd=root, env=env).stdout, flags=re.M)


def prerequisites(root: Path, targets: list[str]) -> dict[str, set[str]]:
    """Each target's prerequisites that are targets too (`test: lint pytest check ...`): running the target
    ran them, so the test does not run them again on their own."""
    makefile = (root / "Makefile").read_text()
    found = {}
    for target in targets:
        line = re.search(rf"^{re.escape(target)}:([^#\n]*)", makefile, flags=re.M)
        found[target] = set(line.group(1).split()) & set(targets) if line else set()
    return found


def hoisted(targets: list[str], ran_with: dict[str, set[str]]) -> list[str]:
    """The targets in `make help` order, each target that has others as prerequisites moved just before the
    first of them (`test` before `lint`), so those run once, through it."""
    order: list[str] = []
    for target in targets:
        order += [parent for parent in targets if target in ran_with[parent] and parent not in order]
        order += [target] if target not in order else []
    return order


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


def run_every_command(root: Path, answers: dict, bare: dict[str, str], home: Path, package: str,
                      ran_before: set[str]) -> None:
    """On the bare machine (Python, make, git, copier; the uv project's own uv only): every target of
    `make help`, the generators, and the commands of the README and the docs pages. The pip project goes
    through the plugin commands, whose installer is the environment's pip there. Targets in ran_before
    passed on this project in the module's earlier tests (`make test`): each target runs once."""
    env = {**bare, **GIT_IDENTITY, "HOME": str(home)}  # HOME: the default DVC remote is under ~
    active = {**env, "PATH": f"{root / '.venv' / 'bin'}{os.pathsep}{bare['PATH']}"}  # "the environment active"
    record_a_real_commit(root)
    run("git add -A && git commit -q -m 'New project'", cwd=root, env=env)

    # Without a terminal, a generator that would ask says what to pass instead of copier's prompt error.
    asked = run(["make", "step", "NAME=featurize"], cwd=root, env=env, check=False)
    assert asked.returncode != 0 and "DEFAULTS=1" in asked.stderr and "DATA=" in asked.stderr, asked.stderr
    assert not (root / "src" / package / "steps" / "featurize").exists()
    # One usage-error convention: a generator target without NAME prints its usage on stderr and exits 2.
    for target in ["step", "remove-step", "plugin"]:
        usage = run(["make", target], cwd=root, env=env, check=False)
        assert usage.returncode == 2 and f"usage: make {target} NAME=" in usage.stderr, (target, usage.stderr)

    if answers["env_manager"] == "pip":
        for command in ["make plugin NAME=xgboost REF=HEAD", "make plugins", "make train-list",
                        'make train ARGS="train.trainer=xgboost tracking.backend=none"', "make plugins-uninstall"]:
            result = run(command, cwd=root, env=env)
        assert "Removing dependencies only plugins needed:" in result.stdout and "xgboost" in result.stdout
        assert "Locked by pip" in (root / "plugins" / f"{package}_xgboost" / "requirements.txt").read_text()
        return

    targets = make_targets(root, env)
    guide = user_guide(root)
    mentioned = set(re.findall(r"`make ([a-z][\w-]*)", guide))
    assert mentioned <= set(targets), f"the guide names targets make help does not list: {mentioned - set(targets)}"
    write_the_own_data_pages_tables(Path(env["HOME"]) / "data")
    if answers["use_dvc"]:  # the registry that the page's `make import` takes the churn table from
        churn = (Path(env["HOME"]) / "data" / "churn.csv").read_text()
        data_registry(Path(env["HOME"]) / "data-registry", {"tables/customers.csv": churn}, project_dvc(root))

    ran: set[str] = set(ran_before)
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
    ran_with = prerequisites(root, targets)
    ran.update(*[ran_with[target] for target in ran if target in ran_with])
    assert {"step", "plugin", "plugins", "plugins-uninstall", "update"} <= ran, "the guide's generator commands"
    assert len((root / "data" / "predictions" / "new.csv").read_text().splitlines()) == 21  # "Your own data"
    assert (root / "plugins" / f"{package}_xgboost").is_dir()
    assert (root / "src" / package / "steps" / "featurize").is_dir()

    for target in hoisted(targets, ran_with):
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
        ran |= {target, *ran_with[target]}
    assert not (root / "src" / package / "steps" / "featurize").exists()  # make remove-step NAME=featurize
