"""A project in use, from this repository's first release to now, then with changed answers.

One project for the whole module (its environment is the slow part): rendered from the first release,
trained, used for predictions and edited by its user; then updated to the working tree with the default
answers, and updated again changing answers one way and back. Each state must train and pass `make test`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import copier
import pytest

from .helpers import TEMPLATE, latest_metadata, make_env, run
from .template_repo import (answers, clone_with_current_state, commit_and_tag, edit, first_release, git,
                            leftover_conflicts)

pytestmark = pytest.mark.e2e
PACKAGE = "penguin_classifier"
# Each update changes several answers at once; together they change every value both ways.
ANSWER_CHANGES = [
    {"use_dvc": False, "tracking": "none", "api": "flask", "docker": False},
    {"use_dvc": True, "tracking": "dvclive", "api": "none", "docker": True},
]


def announced_conflicts(root: Path) -> set[str]:
    """The project files that CHANGELOG.md's upgrade notes (Unreleased) say an update may leave in conflict."""
    unreleased = (TEMPLATE / "CHANGELOG.md").read_text().split("\n## Unreleased\n", 1)[1].split("\n## ", 1)[0]
    notes = unreleased.split("### Upgrade notes\n", 1)[1]
    named = {name for line in notes.splitlines() if "conflict" in line for name in re.findall(r"`([^`\s]+)`", line)}
    return {name for name in named if (root / name).is_file()}


@dataclass
class UsedProject:
    root: Path
    current: str  # the version tag of the template's working tree in the clone
    old_model: str  # a model trained before the update, relative to root
    conflicts: list[str]  # what the update to now left to resolve


def take_the_update_side(path: Path) -> None:
    """Resolve inline conflicts by keeping what the update brings."""
    text = re.sub(r"^<<<<<<< before updating\n.*?^=======\n(.*?)^>>>>>>> after updating\n", r"\1",
                  path.read_text(), flags=re.MULTILINE | re.DOTALL)
    path.write_text(text)


@pytest.fixture(scope="module")
def used_project(tmp_path_factory) -> UsedProject:
    """A project of the first release, trained, predicted and edited, then updated to now (committed)."""
    base = tmp_path_factory.mktemp("upgrade")
    tag, _ = first_release()
    clone, current = clone_with_current_state(base / "template", first_release())
    root = base / "project"
    copier.run_copy(str(clone), str(root), vcs_ref=tag, defaults=True, unsafe=True, quiet=True)
    if not (root / ".git").exists():  # the first release left `git init` to the user
        git(root, "init", "--quiet")
    make_env(root)
    for target in ("train", "predict"):
        run(["make", target], cwd=root)
    old_model = next((root / "models").glob("*.skops")).relative_to(root).as_posix()
    commit_and_tag(root, None, f"Start from {tag}")

    edit(root / "src" / PACKAGE / "model" / "train.py", "max_iter=1000", "max_iter=2500")
    edit(root / "params.yaml", "n_estimators: 100", "n_estimators: 300")
    edit(root / "params.yaml", "test_size: 0.2", "test_size: 0.25")
    (root / "src" / PACKAGE / "features_extra.py").write_text('"""My own features."""\n')
    (root / ".pre-commit-config.yaml").unlink()
    commit_and_tag(root, None, "My changes")

    copier.run_update(str(root), vcs_ref=current, defaults=True, overwrite=True, unsafe=True, quiet=True,
                      conflict="inline")
    conflicts = leftover_conflicts(root)
    # as CHANGELOG.md says: keep the new params.yaml and move the edited value to its new place
    take_the_update_side(root / "params.yaml")
    edit(root / "params.yaml", "default_value: 100\n", "default_value: 300\n")
    commit_and_tag(root, None, f"Update to {current}")
    return UsedProject(root, current, old_model, conflicts)


def test_first_release_updates_to_now_keeping_edits_and_models(used_project):
    root, package = used_project.root, used_project.root / "src" / PACKAGE
    # The user edited train.* values: the update leaves conflicts, and each is one the changelog announces.
    assert used_project.conflicts and set(used_project.conflicts) <= announced_conflicts(root)
    assert answers(root)["_commit"] == used_project.current
    assert "max_iter=2500" in (package / "model" / "train.py").read_text()
    assert "def present(" in (package / "model" / "predict.py").read_text()  # untouched example: new version
    assert (package / "features_extra.py").read_text() == '"""My own features."""\n'
    assert not (root / ".pre-commit-config.yaml").exists()
    assert "test_size: 0.25" in (root / "params.yaml").read_text()

    make_env(root)
    run(["make", "train"], cwd=root)  # with DVC: the first `dvc repro` after the update
    assert (root / "dvc.lock").is_file()
    assert latest_metadata(root)["model"]["hyperparameters"]["n_estimators"] == 300
    predicted = run(["make", "predict", f"ARGS=--model {used_project.old_model}"], cwd=root).stdout
    assert "predictions" in predicted and "(86 rows)" in predicted  # test_size 0.25 of 342 penguins
    run(["make", "test"], cwd=root)
    commit_and_tag(root, None, "Trained after the update")


@pytest.mark.parametrize("changes", ANSWER_CHANGES, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
def test_changing_answers_in_an_update_keeps_a_working_project(used_project, changes):
    root = used_project.root
    data = " ".join(f"{key}={str(value).lower()}" for key, value in changes.items())
    run(["make", "update", f"REF={used_project.current}", f"DATA={data}"], cwd=root)

    assert {key: answers(root)[key] for key in changes} == changes
    assert leftover_conflicts(root) == []
    assert (root / "dvc.yaml").exists() == changes["use_dvc"]
    assert (root / "Dockerfile.api").exists() == (changes["docker"] and changes["api"] != "none")
    assert (root / "src" / PACKAGE / "serving").exists() == (changes["api"] != "none")
    commit_and_tag(root, None, f"Answers {data}")
    make_env(root)
    run(["make", "train"], cwd=root)
    assert latest_metadata(root)["tracking"]["backend"] == changes["tracking"]
    run(["make", "test"], cwd=root)
    commit_and_tag(root, None, f"Trained with {data}")
    assert git(root, "ls-files", ".dvc/cache", "*.skops") == ""  # no DVC cache or model went into git
