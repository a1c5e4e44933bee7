"""Rendering: every supported combination of answers gives a clean, complete project."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib

import pytest
import yaml

from .helpers import (MAKE_TEST_PROJECTS, MATRIX_QUESTIONS, answer_pairs, combo_id, is_valid,
                      project_questions, question_values, render, render_matrix, run, valid_combinations)

MATRIX = render_matrix()
JINJA_MARKERS = re.compile(r"(?<!\$){{|{%|%}|{#|#}")  # "}}" alone is valid JSON; "${{" is a GitHub expression
REQUIRED_SEED_FILES = ["environment.yml", "parago.yml", "LICENSE", "README.md", "data/.gitkeep",
                       "artifacts/.gitkeep", "Makefile", "params.yaml", "pyproject.toml"]
MAKE_TARGETS = ["help", "env", "data", "train", "predict", "evaluate", "export", "deploy", "lint", "test",
                "check", "clean", "pytest", "create-environment", "requirements", "generate_dataset",
                "prediction", "count_report_files", "count_test_files", "init", "init-train", "update", "check-update",
                "tune", "pipeline"]


def test_matrix_questions_are_every_choice_and_yes_no_question():
    asked_only_with_cml = {name for name, question in project_questions().items() if "and cml" in question["when"]}
    choice_questions = {name for name, question in project_questions().items()
                        if "choices" in question or question["type"] == "bool"}
    assert set(MATRIX_QUESTIONS) == choice_questions - asked_only_with_cml


def test_matrix_covers_every_valid_pair_of_answer_values():
    every_valid_pair = set().union(*map(answer_pairs, valid_combinations()))
    assert set().union(*map(answer_pairs, MATRIX)) == every_valid_pair
    assert all(is_valid(answers) for answers in MATRIX)
    assert len(MATRIX) <= 24, "keep the matrix small: each combination renders and runs this module's checks"


def test_is_valid_applies_the_documented_rules():
    assert not is_valid({**MATRIX[0], "tracking": "dvclive", "use_dvc": False})
    assert not is_valid({**MATRIX[0], "cml": True, "ci": "gitlab"})
    assert not is_valid({**MATRIX[0], "cml": True, "use_dvc": False, "tracking": "none"})
    assert not is_valid({**MATRIX[0], "api": "django"})
    assert is_valid({**MATRIX[0], "cml": False, "ci": "gitlab", "use_dvc": False, "tracking": "wandb"})


def test_make_test_runs_for_every_api_tracking_use_dvc_and_example_value():
    for question in ["api", "tracking", "use_dvc", "include_example"]:
        tested = {answers[question] for answers in MAKE_TEST_PROJECTS.values()}
        assert tested == set(question_values(question)), question
    assert all(is_valid(answers) for answers in MAKE_TEST_PROJECTS.values())


@pytest.fixture(scope="module", params=MATRIX, ids=combo_id)
def project(request, tmp_path_factory):
    """One rendered project per combination, shared by the tests of this module."""
    answers = request.param
    dst = render(tmp_path_factory.mktemp(combo_id(answers)) / "project", **answers)
    return dst, answers


def test_the_ml_package_never_imports_the_template_tools(project):
    """template_tools/ (update, generators) stands apart: a project leaving the template deletes it in one step."""
    root, _ = project
    package = next((root / "src").iterdir())
    imports_tools = re.compile(r"^\s*(from|import) template_tools\b", re.MULTILINE)
    importers = [path for path in package.rglob("*.py") if imports_tools.search(path.read_text())]
    assert importers == [] and (root / "template_tools" / "__main__.py").is_file()
    tools = "\n".join(path.read_text() for path in (root / "template_tools").glob("*.py"))
    assert not re.search(rf"^\s*(from|import) {package.name}\b", tools, re.MULTILINE)
    # Rooms: library code (model/, prediction/, serving/, etl/...) never imports the command layer.
    imports_commands = re.compile(r"^\s*from \.+commands\b", re.MULTILINE)
    library = [path for path in package.rglob("*.py") if path.parent.name not in ("commands", package.name)]
    assert library and [path for path in library if imports_commands.search(path.read_text())] == []


def text_files(root):
    for path in sorted(root.rglob("*")):
        if path.is_file() and ".git" not in path.parts:
            yield path


def test_no_leftover_jinja_markers(project):
    root, _ = project
    leftovers = [str(p.relative_to(root)) for p in text_files(root)
                 if JINJA_MARKERS.search(p.read_text(errors="ignore")) or p.suffix == ".jinja"]
    assert leftovers == []


def tidy(text: str) -> bool:
    return not text or (text.endswith("\n") and not text.endswith("\n\n") and not re.search(r"[ \t]+$", text, re.M))


def test_text_files_end_as_the_pre_commit_hooks_want(project):
    """One newline at the end, no trailing spaces: the fresh project's pre-commit run changes nothing."""
    root, _ = project
    untidy = [str(path.relative_to(root)) for path in text_files(root) if not tidy(path.read_text(errors="ignore"))]
    assert untidy == []


def test_python_is_flake8_clean(project):
    root, _ = project
    result = subprocess.run([sys.executable, "-m", "flake8", "src", "tests"], cwd=root,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_yaml_toml_and_json_files_parse(project):
    root, _ = project
    for path in text_files(root):
        if path.suffix in {".yml", ".yaml"}:
            assert yaml.safe_load(path.read_text()) is not None, path
        elif path.suffix == ".toml":
            tomllib.loads(path.read_text())
        elif path.suffix == ".json":
            json.loads(path.read_text())


def test_structure_is_complete_and_hook_ran(project):
    root, answers = project
    for name in REQUIRED_SEED_FILES:
        assert (root / name).is_file(), name
    package = root / "src" / "penguin_classifier"
    for name in ["train.py", "predict.py", "deploy.py"]:
        module = (package / "model" / name).read_text()
        assert ("TODO" in module) is (not answers["include_example"]), name
    assert (root / ".git").is_dir()  # init_git hook
    run([sys.executable, "src/penguin_classifier/structure.py"], cwd=root)


def test_environment_yml_mirrors_pyproject(project):
    root, answers = project
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    declared = pyproject["dependencies"] + pyproject["optional-dependencies"]["dev"]
    environment = yaml.safe_load((root / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert sorted(pip_section) == sorted(declared)
    assert f"python>={answers['python_version']}" in environment["dependencies"]
    # requires-python accepts the chosen version and every newer interpreter
    assert pyproject["requires-python"] == f">={answers['python_version']}"


def test_license_matches_answer(project):
    root, answers = project
    text = (root / "LICENSE").read_text()
    expected = {"Apache-2.0": "Apache License", "MIT": "MIT License", "BSD-3-Clause": "BSD 3-Clause License",
                "Proprietary": "All rights reserved"}[answers["license"]]
    assert expected in text
    assert tomllib.loads((root / "pyproject.toml").read_text())["project"]["license"]["text"] == answers["license"]


def test_parago_yml_follows_the_parago_schema(project):
    root, _ = project
    parago = yaml.safe_load((root / "parago.yml").read_text())
    assert {"name", "description", "version", "author", "license", "system", "env", "commands", "tasks"} <= set(parago)
    assert parago["system"] == {"language": "python"}
    commands = parago["commands"]
    assert set(commands) == {"data", "train", "export", "deploy"} and set(commands["data"]) == {"load", "clean"}
    for command in [commands["data"]["load"], commands["data"]["clean"], commands["train"], commands["export"],
                    commands["deploy"], *parago["tasks"].values()]:
        assert command.startswith("python -m penguin_classifier "), command


def test_answers_choose_their_files(project):
    root, answers = project
    github = root / ".github" / "workflows"
    assert (github / "ci.yml").is_file() is (answers["ci"] == "github")
    assert (github / "cml.yaml").is_file() is answers["cml"]
    assert (root / ".gitlab-ci.yml").is_file() is (answers["ci"] == "gitlab")
    assert (root / "dvc.yaml").is_file() is answers["use_dvc"]
    assert (root / "MLproject").is_file() is (answers["tracking"] == "mlflow")
    assert (root / "docker-compose.yml").is_file() is answers["docker"]
    assert (root / "Dockerfile.api").is_file() is (answers["docker"] and answers["api"] != "none")


def test_make_help_lists_every_target_with_a_description(project):
    root, answers = project
    listed = {}
    for line in run(["make", "help"], cwd=root).stdout.splitlines()[1:]:
        name, _, description = line.strip().partition(" ")
        listed[name] = description.strip()
    expected_targets = MAKE_TARGETS + (["repro", "push", "pull", "import"] if answers["use_dvc"] else []) + (
        ["ui"] if answers["tracking"] == "mlflow" else [])
    assert set(expected_targets) <= set(listed)
    assert all(listed.values())
    dry_run = run(["make", "-n", "env"], cwd=root).stdout
    expected = {"uv": "uv sync", "pip": "-m venv", "conda": "env create --yes --prefix .conda"}
    assert expected[answers["env_manager"]] in dry_run


def test_a_remote_url_brings_its_dvc_extra(tmp_path):
    """A dvc_remote URL adds DVC's extra for its scheme: DVC's config points at the URL and the dependency
    resolves with DVC's plugin for that storage (what `make env` installs). One resolution for the four."""
    plugins = {"s3": "dvc-s3", "gs": "dvc-gs", "azure": "dvc-azure", "ssh": "dvc-ssh"}
    requirements = []
    for scheme in plugins:
        url = f"{scheme}://bucket-1/ml" if scheme != "ssh" else "ssh://user@host.example.com/ml"
        root = render(tmp_path / scheme, dvc_remote=url, tracking="none", api="none", docker=False)
        assert f"url = {url}" in (root / ".dvc" / "config").read_text()
        dependencies = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
        requirements += [dependency for dependency in dependencies if dependency.startswith(f"dvc[{scheme}]")]
    assert len(requirements) == len(plugins), requirements
    (tmp_path / "requirements.in").write_text("\n".join(requirements) + "\n")
    resolved = run(["uv", "pip", "compile", "--quiet", "--no-header", "requirements.in"], cwd=tmp_path).stdout
    assert all(re.search(rf"^{plugin}==", resolved, re.MULTILINE) for plugin in plugins.values()), resolved
