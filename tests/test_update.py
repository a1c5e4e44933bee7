"""`copier update` across template releases: template changes arrive, user edits survive.

Each test builds a temporary template repository tagged v0.1.0, renders a project from it and
commits it, then changes the template and tags v0.2.0, exactly as a real release would.
"""

from __future__ import annotations

import sys
from pathlib import Path

import copier
import pytest
import yaml

from .helpers import make_env, run
from .template_repo import (answers, clone_with_current_state, commit_and_tag, edit, last_release, leftover_conflicts,
                            release_v2, template_repository)

pytestmark = pytest.mark.e2e
PACKAGE = "penguin_classifier"


@pytest.fixture
def template_v1(tmp_path) -> Path:
    return template_repository(tmp_path / "template")


@pytest.fixture
def project(template_v1, tmp_path) -> Path:
    """A project rendered from v0.1.0 with a built environment, everything committed."""
    root = tmp_path / "project"
    copier.run_copy(str(template_v1), str(root), defaults=True, unsafe=True, quiet=True)
    make_env(root)
    commit_and_tag(root, None, "Start from template v0.1.0")
    return root


def test_update_brings_template_changes_and_keeps_every_user_edit(template_v1, project):
    package = project / "src" / PACKAGE
    edit(package / "model" / "train.py", "max_iter=1000", "max_iter=2500")
    edit(project / "params.yaml", "default_value: 100\n", "default_value: 300\n")  # n_estimators
    (package / "features_extra.py").write_text('"""My own features."""\n')
    (project / ".pre-commit-config.yaml").unlink()
    commit_and_tag(project, None, "My changes")
    release_v2(template_v1)

    result = run(["make", "update"], cwd=project)

    assert "show-params:" in (project / "Makefile").read_text()
    assert (project / "docs" / "UPGRADING.md").is_file()
    assert "from ..model import estimator as model_recipe" in (package / "trainers" / "scikit_learn.py").read_text()
    assert not (package / "model" / "train.py").exists()
    assert "max_iter=2500" in (package / "model" / "estimator.py").read_text()
    assert result.stdout.count("migration 0.2.0: moved") == 1
    assert "default_value: 300\n" in (project / "params.yaml").read_text()
    assert (package / "features_extra.py").read_text() == '"""My own features."""\n'
    assert not (project / ".pre-commit-config.yaml").exists()
    assert answers(project)["_commit"] == "v0.2.0"
    assert leftover_conflicts(project) == []
    # the updated project still works, with the user's parameter
    run(["make", "train"], cwd=project)
    metadata = max((project / "models" / "metadata").glob("*.json"))
    assert yaml.safe_load(metadata.read_text())["model"]["hyperparameters"]["n_estimators"] == 300


def test_conflicting_edit_fails_update_and_names_the_file(template_v1, project):
    edit(project / "Makefile", "ARGS ?=\n", "ARGS ?= train.cv_folds=0\n")
    commit_and_tag(project, None, "My default arguments")
    edit(template_v1 / "template" / "Makefile.jinja", "ARGS ?=\n", "ARGS ?= etl.seed=1\n")
    commit_and_tag(template_v1, "v0.2.0", "template release 0.2.0")

    result = run(["make", "update"], cwd=project, check=False)

    assert result.returncode != 0
    assert "left 1 file(s) to resolve by hand" in result.stderr and "  Makefile" in result.stderr
    assert leftover_conflicts(project) == ["Makefile"]


def test_files_deleted_on_one_side_and_changed_on_the_other_and_rej_files_fail_update(template_v1, project):
    """copier 9.19 exits 0 and leaves no marker: it keeps the user's deletion (dropping the release's
    change) and applies the release's deletion (dropping the user's edits). `make update` names both,
    and a .rej file too (`copier update --conflict rej` leaves them; inline mode turns them into markers)."""
    (project / "parago.yml").unlink()
    edit(project / ".flake8", "[flake8]\n", "[flake8]\n# my rules\n")
    (project / "Makefile.rej").write_text("diff a/Makefile b/Makefile\t(rejected hunks)\n@@ -1 +1 @@\n-x\n+y\n")
    commit_and_tag(project, None, "My changes, and a .rej left by an earlier `copier update --conflict rej`")
    edit(template_v1 / "template" / "parago.yml.jinja", "commands:", "# Run with parago.\ncommands:")
    (template_v1 / "template" / ".flake8").unlink()
    commit_and_tag(template_v1, "v0.2.0", "template release 0.2.0")

    result = run(["make", "update"], cwd=project, check=False)

    assert result.returncode != 0
    assert "left 3 file(s) to resolve by hand" in result.stderr
    assert "  .flake8 (this release deleted it and you had changed it" in result.stderr
    assert "  parago.yml (you deleted it and this release changed it" in result.stderr
    assert "  Makefile.rej\n" in result.stderr
    assert not (project / ".flake8").exists() and not (project / "parago.yml").exists()
    assert answers(project)["_commit"] == "v0.2.0"


def test_update_refuses_a_dirty_project(template_v1, project):
    (project / "notes.txt").write_text("draft\n")
    edit(project / "params.yaml", "test_size: 0.2", "test_size: 0.25")
    release_v2(template_v1)

    result = run(["make", "update"], cwd=project, check=False)

    assert result.returncode != 0 and "Refusing to update" in result.stderr
    assert "notes.txt" in result.stderr and "params.yaml" in result.stderr
    assert answers(project)["_commit"] == "v0.1.0"


def test_an_answer_the_release_refuses_stops_the_update_and_changes_nothing(template_v1, project):
    """A project from a laxer release may hold an answer that today's validators refuse: copier stops
    (it does not swap in the default), the command says what to do, and the work tree is untouched."""
    edit(project / ".copier-answers.yml", "author_email: you@example.com", "author_email: o'brien@example.com")
    commit_and_tag(project, None, "An answer recorded by an older release")
    release_v2(template_v1)

    result = run(["make", "update"], cwd=project, check=False)

    assert result.returncode != 0
    assert "Validation error for question 'author_email'" in result.stdout + result.stderr
    assert "correct it in .copier-answers.yml" in result.stderr
    assert run(["git", "status", "--porcelain"], cwd=project).stdout == ""
    assert answers(project)["author_email"] == "o'brien@example.com" and answers(project)["_commit"] == "v0.1.0"


def test_update_with_a_changed_answer(template_v1, project):
    run(["make", "update", "REF=v0.1.0", "DATA=license=MIT"], cwd=project)
    assert "MIT License" in (project / "LICENSE").read_text()
    assert 'license = { text = "MIT" }' in (project / "pyproject.toml").read_text()
    assert answers(project)["license"] == "MIT"
    assert leftover_conflicts(project) == []


def test_check_update_reports_a_newer_release(template_v1, project):
    assert "up to date" in run(["make", "check-update"], cwd=project).stdout
    release_v2(template_v1)
    assert "latest     0.2.0: run `make update`" in run(["make", "check-update"], cwd=project).stdout


def test_hooks_do_not_scaffold_or_overwrite_on_update(template_v1, tmp_path):
    root = tmp_path / "stubs"
    copier.run_copy(str(template_v1), str(root), data={"include_example": False}, defaults=True, unsafe=True,
                    quiet=True)
    stub = root / "src" / PACKAGE / "model" / "predict.py"
    stub.write_text('"""Mine."""\n')
    (root / "src" / PACKAGE / "model" / "deploy.py").unlink()
    commit_and_tag(root, None, "start")
    release_v2(template_v1)
    copier.run_update(str(root), defaults=True, overwrite=True, unsafe=True, quiet=True, conflict="inline")
    assert stub.read_text() == '"""Mine."""\n'
    assert not (root / "src" / PACKAGE / "model" / "deploy.py").exists()  # no re-scaffolding on update
    assert leftover_conflicts(root) == []


def test_update_from_the_last_release_of_this_repository_to_now(tmp_path):
    """The real upgrade path of users: previous tagged state of this template -> the current one."""
    tag, _ = last_release()
    clone, current = clone_with_current_state(tmp_path / "template", last_release())

    root = tmp_path / "project"
    copier.run_copy(str(clone), str(root), vcs_ref=tag, defaults=True, unsafe=True, quiet=True)
    commit_and_tag(root, None, f"Start from {tag}")
    copier.run_update(str(root), vcs_ref=current, defaults=True, overwrite=True, unsafe=True, quiet=True,
                      conflict="inline")

    assert answers(root)["_commit"] == current
    assert leftover_conflicts(root) == []
    run([sys.executable, f"src/{PACKAGE}/structure.py"], cwd=root)
