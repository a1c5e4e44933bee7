"""copier/reserved-names.yml stays in step with the projects' dependencies (`make reserved-names` writes it;
tests/test_e2e.py and tests/test_tracking.py check it against real project environments)."""

from __future__ import annotations

import keyword

import copier
import pytest
import yaml

from scripts.reserved_names import (dependency_answers, distribution_name, every_direct_dependency,
                                    recorded_distributions, reserved_names)

from .helpers import question_values
from .template_repo import commit_and_tag, edit, template_repository


def test_every_direct_dependency_of_every_answer_is_recorded():
    recorded = recorded_distributions()
    missing = sorted({distribution_name(requirement) for requirement in every_direct_dependency()} - set(recorded))
    assert not missing, f"copier/reserved-names.yml predates these dependencies: {missing}; run make reserved-names"


def test_every_answer_that_chooses_dependencies_is_rendered():
    answers = dependency_answers()
    for question in ["use_dvc", "tracking", "api"]:
        assert {combination[question] for combination in answers} == set(question_values(question))
    remotes = {combination["dvc_remote"].partition("://")[0] for combination in answers}
    assert {"s3", "gs", "azure", "ssh"} < remotes  # and local folders
    assert {"mlflow", "wandb", "dvclive", "flask", "fastapi", "ray", "pytest"} <= {
        distribution_name(requirement) for requirement in every_direct_dependency()}


def test_keywords_standard_library_and_dependencies_are_reserved():
    reserved = set(reserved_names())
    assert {"class", "json", "os", "tomllib", "distutils", "mlflow", "flask", "dvc", "sklearn", "wandb",
            "optuna", "onnx", "fsspec", "fastapi", "ray", "yaml", "pip"} <= reserved
    assert {name for name in keyword.kwlist if name.islower()} <= reserved
    assert not any(name.startswith("_") for name in reserved)


def test_an_update_keeps_a_package_name_that_a_newer_release_reserves(tmp_path):
    """A project whose name a release starts reserving keeps it: copier would otherwise drop the answer
    and render the package under the default name."""
    template = template_repository(tmp_path / "template")
    reserved = template / "copier" / "reserved-names.yml"
    edit(reserved, '"flask",', "")  # a release from before flask was reserved
    commit_and_tag(template, "v0.1.1", "flask not reserved")
    answers = {"project_name": "My Flask", "package_name": "flask", "use_dvc": False, "tracking": "none",
               "api": "none"}
    root = tmp_path / "project"
    copier.run_copy(str(template), str(root), data=answers, defaults=True, unsafe=True, quiet=True)
    edit(root / ".copier-answers.yml", "created_package_name: flask\n", "")  # as a project from before it
    commit_and_tag(root, None, "Start from template")
    edit(reserved, '"fnmatch",', '"flask", "fnmatch",')
    commit_and_tag(template, "v0.2.0", "flask reserved")
    copier.run_update(str(root), defaults=True, overwrite=True, unsafe=True, quiet=True)
    assert "_commit: v0.2.0" in (root / ".copier-answers.yml").read_text()
    recorded = yaml.safe_load((root / ".copier-answers.yml").read_text())
    assert recorded["package_name"] == recorded["created_package_name"] == "flask"
    assert sorted(path.name for path in (root / "src").iterdir()) == ["flask"]
    with pytest.raises(ValueError, match='Package name "flask" is a module that the project'):
        copier.run_copy(str(template), str(tmp_path / "new"), data=answers, defaults=True, unsafe=True, quiet=True)
