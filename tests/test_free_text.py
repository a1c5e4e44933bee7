"""Free-text answers render valid files that carry the text unchanged, whatever its characters (issue 14).

Hypothesis draws descriptions and names made of quotes, colons, `#`, backslashes, `$`, Jinja markers,
Markdown punctuation and Unicode beyond the BMP or with combining marks. In every rendered project, step
and plugin, each YAML, TOML, JSON and Python file must parse, the Python code must be flake8-clean (long
text is wrapped), the Dockerfiles must pass hadolint, and every
format that carries the text (pyproject, parago.yml, docstrings, the API's description, Dockerfile labels,
the README rendered as Markdown) must give it back exactly. Renders only, no environment: a few examples
each, derandomized so that every run tries the same ones.
"""

from __future__ import annotations

import ast
import io
import itertools
import json
import shutil
import sys
import tempfile
import tomllib
from pathlib import Path

import copier
import pytest
import yaml
from dockerfile_parse import DockerfileParser
from hypothesis import HealthCheck, example, given, settings, strategies as st
from markdown_it import MarkdownIt

from .helpers import ANSWER_VALUES, TEMPLATE, TOOLS_BIN, render, run
from .test_render import text_files

ISSUE_DESCRIPTION = 'Churn model: predicts who "leaves"'
LONG = " ".join(['Churn "model" predicts who leaves, C:\\ and $HOME'] * 6)  # wrapped in Python files
EMAIL = "ada@example.com"
FRAGMENTS = ['"', "'", ":", ": ", "#", " # ", "\\", "\\'", "\\n", "$", "$HOME", "${x}", "{{ x }}", "{%", "%}", "{#",
             "*", "_", "`", "<b>", "&amp;", "[a](b)", "~~", "|", "- ", "1. ", "> ", "=", "---", "@", "null",
             "😀", "e\u0301", "\u0301", "Zoë", "日本語", "\U00010348"]
# Printable characters: copier's validators refuse the rest (test_questions.py); spaces come from FRAGMENTS.
CHARACTERS = st.characters(exclude_categories=("C", "Z"))
ONE_LINE = (st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(CHARACTERS, max_size=6)), min_size=1, max_size=8)
            .map(lambda parts: "".join(parts).strip())
            .filter(lambda text: text and text.isprintable()))
LINES = st.lists(st.one_of(ONE_LINE, st.just("")), min_size=1, max_size=4).map("\n".join).map(str.strip)
PROPERTY = settings(max_examples=2, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


# --- reading the rendered files back ----------------------------------------------------------------

def parse_every_file(root: Path, python: str) -> dict[Path, object]:
    """Parse each YAML, TOML, JSON and Python file (a syntax error fails the test); hadolint each Dockerfile;
    flake8 the python folder."""
    parsed: dict[Path, object] = {}
    for path in text_files(root):
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".yml", ".yaml") or path.name in ("MLproject", "dvc.lock"):
            parsed[path] = list(yaml.safe_load_all(text))
        elif path.suffix == ".toml":
            parsed[path] = tomllib.loads(text)
        elif path.suffix in (".json", ".ipynb"):
            parsed[path] = json.loads(text)
        elif path.suffix == ".py":
            parsed[path] = ast.parse(text, filename=str(path))
        elif path.name.startswith("Dockerfile"):
            run([str(TOOLS_BIN / "hadolint"), "--no-color", str(path)], cwd=root)
    run([sys.executable, "-m", "flake8", python], cwd=root)
    return parsed


def docstring(tree: ast.AST, function: str | None = None) -> str | None:
    if function is not None:
        tree = next(node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name == function)
    return ast.get_docstring(tree, clean=False)


def keyword_values(tree: ast.AST, name: str) -> list[str]:
    """The literal values passed as name=... anywhere in the module."""
    return [ast.literal_eval(node.value) for node in ast.walk(tree) if isinstance(node, ast.keyword)
            and node.arg == name and isinstance(node.value, ast.Constant)]


def labels(path: Path) -> dict[str, str]:
    """The LABELs of the Dockerfile's final stage, unquoted as Docker does."""
    return DockerfileParser(fileobj=io.BytesIO(path.read_bytes())).labels


def markdown_blocks(text: str) -> list[tuple[str, str]]:
    """(block, its text) for each heading and paragraph, as CommonMark with GitHub's tables and
    strikethrough renders it; inline markup shows as <type>, so text that became syntax cannot match."""
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = parser.parse(text)
    blocks = []
    for before, token in itertools.pairwise(tokens):
        if token.type == "inline":
            parts = [child.content if child.type == "text" else "\n" if child.type == "softbreak"
                     else f"<{child.type}>" for child in token.children or []]
            blocks.append((before.type, "".join(parts)))
    return blocks


# --- a project -----------------------------------------------------------------------------------------

@PROPERTY
@given(description=ONE_LINE, author_name=ONE_LINE, api=st.sampled_from(["fastapi", "flask"]),
       license_=st.sampled_from(ANSWER_VALUES["license"]))
@example(description=ISSUE_DESCRIPTION, author_name="Zoë O'Brien, \"ML\" <team> \\", api="fastapi",
         license_="MIT")
@example(description="# {{ 1 + 1 }} {% raw %} $HOME `x` *y* <b>&amp; 1. 😀 e\u0301 C:\\", author_name="${USER}",
         api="flask", license_="Proprietary")
@example(description=LONG, author_name=LONG, api="fastapi", license_="BSD-3-Clause")
def test_a_project_carries_free_text_into_every_file_unchanged(description, author_name, api, license_):
    with tempfile.TemporaryDirectory() as folder:
        root = render(Path(folder) / "project", description=description, author_name=author_name,
                      author_email=EMAIL, api=api, license=license_, docker=True)
        parsed = parse_every_file(root, "src")
        package = root / "src" / "penguin_classifier"
        author = f"{author_name} <{EMAIL}>"

        project = parsed[root / "pyproject.toml"]["project"]
        assert project["description"] == description
        assert project["authors"] == [{"name": author_name, "email": EMAIL}]
        parago = parsed[root / "parago.yml"][0]
        assert (parago["description"], parago["author"]) == (description, author)
        answers = parsed[root / ".copier-answers.yml"][0]
        assert (answers["description"], answers["author_name"]) == (description, author_name)

        assert docstring(parsed[package / "__init__.py"]) == description
        assert docstring(parsed[package / "cli.py"], "cli") == f"Penguin Classifier: {description}"
        app = parsed[package / "serving" / "app.py"]
        assert keyword_values(app, "title") == ["Penguin Classifier"]
        assert keyword_values(app, "description") == [description]

        for dockerfile in ("Dockerfile.api", "Dockerfile.jupyter"):
            assert labels(root / dockerfile) == {
                "org.opencontainers.image.title": "Penguin Classifier",
                "org.opencontainers.image.description": description,
                "org.opencontainers.image.authors": author,
                "org.opencontainers.image.licenses":
                    "LicenseRef-Proprietary" if license_ == "Proprietary" else license_,
            }
        readme = markdown_blocks((root / "README.md").read_text())
        assert readme[:2] == [("heading_open", "Penguin Classifier"), ("paragraph_open", description)]
        if license_ != "Apache-2.0":  # the Apache text names no copyright holder
            assert author_name in (root / "LICENSE").read_text()


# --- a step and a plugin in a project ------------------------------------------------------------------

@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A rendered project (no environment) that each example copies before adding its step or plugin."""
    return render(tmp_path_factory.mktemp("free-text") / "project")


def generate(project: Path, folder: str, data: dict) -> Path:
    root = Path(folder) / "project"
    shutil.copytree(project, root, symlinks=True)
    copier.run_copy(str(TEMPLATE), str(root), data=data, defaults=True, unsafe=True, vcs_ref="HEAD", quiet=True)
    return root


def assigned(tree: ast.AST, name: str) -> object:
    """The literal value of a module-level NAME = ... assignment."""
    (value,) = [node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                and [target.id for target in node.targets if isinstance(target, ast.Name)] == [name]]
    return ast.literal_eval(value)


@PROPERTY
@given(short=ONE_LINE, long=LINES, default=st.one_of(ONE_LINE, LINES))
@example(short=ISSUE_DESCRIPTION, long='First line: "quoted" \\ $x\n\n# not a comment\n- nor a list 😀',
         default="'😀' \\ $HOME")
@example(short=LONG, long=f"{LONG}\n{LONG}", default=LONG)
def test_a_step_carries_its_descriptions_and_text_parameter_unchanged(project, short, long, default):
    with tempfile.TemporaryDirectory() as folder:
        root = generate(project, folder, {"kind": "step", "name": "featurize", "short_description": short,
                                          "long_description": long,
                                          "parameters": [{"name": "text", "type": "str", "default": default}]})
        step = root / "src" / "penguin_classifier" / "steps" / "featurize"
        parsed = parse_every_file(root, str(step))
        assert parsed[step / "step.yml"][0]["description"] == short
        assert docstring(parsed[step / "__init__.py"]) == f"Pipeline step featurize: {short}"
        assert docstring(parsed[step / "run.py"]).startswith(f"Step featurize: {short}\n\n{long}\n\nRun it")
        assert parsed[root / "params.yaml"][0]["steps"]["featurize"] == {"text": default}
        assert assigned(parsed[root / "tests" / "test_step_featurize.py"], "DEFAULTS") == {"text": default}


@PROPERTY
@given(description=ONE_LINE)
@example(description=ISSUE_DESCRIPTION)
@example(description=LONG)
def test_a_plugin_carries_its_description_unchanged(project, description):
    with tempfile.TemporaryDirectory() as folder:
        root = generate(project, folder, {"kind": "plugin", "name": "blank", "plugin_description": description})
        plugin = root / "plugins" / "penguin_classifier_blank"
        parsed = parse_every_file(root, str(plugin))
        assert parsed[plugin / "pyproject.toml"]["project"]["description"] == description
        assert docstring(parsed[plugin / "penguin_classifier_blank" / "core.py"], "trainer") == description
        for module in ("__init__.py", "core.py"):
            assert docstring(parsed[plugin / "penguin_classifier_blank" / module]).startswith(f"{description}\n\n")
        readme = markdown_blocks((plugin / "README.md").read_text())
        assert ("paragraph_open", f"{description}.") in readme


@pytest.mark.parametrize("description, message", [
    ("Boosted\ntrees", "one line of printable text"), ("Bell\x07", "one line of printable text"),
    ("", "must not be empty"), (" Boosted trees", "must not start or end with a space"),
], ids=lambda value: repr(value)[1:-1] or "empty")
def test_a_bad_plugin_description_is_refused_before_anything_is_written(project, description, message):
    before = list(text_files(project))
    with pytest.raises(ValueError, match=f"plugin_description.*{message}"):
        copier.run_copy(str(TEMPLATE), str(project), data={"kind": "plugin", "name": "blank",
                        "plugin_description": description}, defaults=True, unsafe=True, vcs_ref="HEAD", quiet=True)
    assert list(text_files(project)) == before
