"""copier/reserved-names.yml stays in step with the projects' dependencies (`make reserved-names` writes it;
tests/test_e2e.py and tests/test_tracking.py check it against real project environments)."""

from __future__ import annotations

import keyword

from scripts.reserved_names import (dependency_answers, distribution_name, every_direct_dependency,
                                    recorded_distributions, reserved_names)

from .helpers import question_values


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
