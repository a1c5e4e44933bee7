"""Each question's validator accepts good answers and rejects bad ones before anything is written."""

from __future__ import annotations

import pytest
import yaml

from .helpers import project_questions, render

GOOD = {
    "project_name": ["Penguin Classifier", "churn_model-2", "X"],
    "project_slug": ["penguin-classifier", "model2", "a-b-c"],
    "package_name": ["penguin_classifier", "model2", "my_json_tools"],
    "author_email": ["ada@example.com", "first.last+ml@sub.example.org"],
    "author_name": ["Ada Lovelace"],
    "description": ["Churn model: predicts who leaves"],
    "license": ["MIT", "BSD-3-Clause", "Proprietary", "Apache-2.0"],
    "python_version": ["3.10", "3.12", "3.13"],
    "env_manager": ["pip", "conda", "uv"],
    "task": ["classification", "regression"],
    "dvc_remote": ["/srv/dvc/models", "~/dvc-storage/x", "../shared-remote", "s3://my-bucket/ml",
                   "gs://bucket-1/path", "azure://container/path", "ssh://user@host.example.com/data"],
    "tracking": ["mlflow", "wandb", "dvclive", "none"],
    "api": ["fastapi", "flask", "none"],
    "ci": ["github", "gitlab", "none"],
    "cml_cloud": ["gcp", "aws", "azure"],
    "cml_region": ["us-west", "eu-north", "us-central1-a", "europe-west4"],
    "cml_type": ["m", "xl", "n1-standard-4", "g4dn.xlarge", "Standard_NC6"],
    "cml_gpu": ["nogpu", "k80", "v100", "nvidia-tesla-t4"],
    "cml_label": ["cml-penguin", "gpu2"],
}
BAD = {
    "project_name": [("", "must start with a letter"), ("1st model", "must start with a letter"),
                     ("a/b", "only letters, digits"), ("Penguin\n", "only letters, digits"),
                     ("Penguin ", "only letters, digits")],
    "project_slug": [("Penguin", "lowercase"), ("my--model", "single dashes"), ("-model", "starting with a letter"),
                     ("my_model", "lowercase letters and digits"), ("2model", "starting with a letter")],
    "package_name": [("class", "is a Python keyword"), ("json", "is a standard-library module"),
                     ("os", "is a standard-library module"), ("sklearn", "dependencies install"),
                     ("mlflow", "dependencies install"), ("flask", "dependencies install"),
                     ("dvc", "dependencies install"), ("My_pkg", "lowercase"), ("my-pkg", "Python identifier"),
                     ("1pkg", "starting with a letter")],
    "author_email": [("nope", "name@example.com"), ("a@b", "name@example.com"),
                     ("a b@example.com", "name@example.com"), ('"ada"@example.com', "name@example.com"),
                     ("ada#1@example.com", "name@example.com"), ("ada@example.com\n", "name@example.com"),
                     ("ada..l@example.com", "name@example.com")],
    "author_name": [("   ", "must not be empty"), ("Ada\nLovelace", "one line of printable text"),
                    ("Ada\tLovelace", "one line of printable text"), ("Ada\x7f", "one line of printable text"),
                    (" Ada", "start or end with a space")],
    "description": [("", "must not be empty"), ("Line one\nline two", "one line of printable text"),
                    ("A\u2028B", "one line of printable text"), ("Trailing space ", "start or end with a space")],
    "license": [("GPL-3.0", "is not in")],
    "python_version": [("3.9", "is not in"), ("3.14", "is not in")],
    "env_manager": [("poetry", "is not in")],
    "task": [("ranking", "is not in")],
    "dvc_remote": [("", "DVC remote must be"), ("http://host/path", "DVC remote must be"),
                   ("s3://", "DVC remote must be"), ("ftp://host/path", "DVC remote must be"),
                   ("relative folder", "DVC remote must be"), ("hdfs://namenode/x", "DVC remote must be")],
    "tracking": [("comet", "is not in")],
    "api": [("django", "is not in")],
    "ci": [("jenkins", "is not in")],
    "cml_cloud": [("digitalocean", "is not in")],
    "cml_region": [("US West", "Region must be"), ("us-west-", "Region must be"), ("", "Region must be"),
                   ("us-west\n", "Region must be")],
    "cml_type": [("m; rm -rf /", "Machine type must be"), ("", "Machine type must be")],
    "cml_gpu": [("Tesla V100", "GPU must be"), ("", "GPU must be")],
    "cml_label": [("self-hosted", "not self-hosted"), ("CML", "Label must be"), ("a,b", "Label must be")],
}


BOOLEANS = {"include_example", "use_dvc", "docker", "cml", "cml_reuse"}


def test_every_question_is_covered():
    assert set(project_questions()) - BOOLEANS == set(GOOD) == set(BAD)


def good_answer_rounds() -> list[dict[str, str]]:
    """Every good answer in a few renders: round i takes the i-th good answer of each question (questions
    are independent), except ci, which has renders of its own: cml_* are asked only with ci=github."""
    rounds = [{question: answers[i] for question, answers in GOOD.items() if i < len(answers) and question != "ci"}
              for i in range(max(map(len, GOOD.values())))]
    return rounds + [{"ci": ci} for ci in GOOD["ci"]]


@pytest.mark.parametrize("answers", good_answer_rounds(), ids=lambda answers: f"{len(answers)}-answers")
def test_good_answers_are_accepted(tmp_path, answers):
    dst = render(tmp_path / "project", **answers)
    recorded = yaml.safe_load((dst / ".copier-answers.yml").read_text())
    assert {question: recorded[question] for question in answers} == answers


def test_every_good_answer_is_in_a_round():
    rendered = {(question, answer) for answers in good_answer_rounds() for question, answer in answers.items()}
    assert rendered == {(question, answer) for question, answers in GOOD.items() for answer in answers}


@pytest.mark.parametrize("question, answer, message",
                         [(q, a, m) for q, cases in BAD.items() for a, m in cases],
                         ids=lambda value: repr(value)[1:-1].strip() or "empty")
def test_bad_answer_is_rejected_and_nothing_is_written(tmp_path, question, answer, message):
    dst = tmp_path / "project"
    with pytest.raises(ValueError) as error:
        render(dst, **{question: answer})
    assert question in str(error.value) or answer in str(error.value)
    assert message in str(error.value)
    assert not dst.exists()


def test_a_project_is_the_default_kind(tmp_path):
    dst = render(tmp_path / "project")
    assert "kind: project" in (dst / ".copier-answers.yml").read_text()
    assert not (dst / ".copier").exists()


def test_derived_names_follow_the_project_name(tmp_path):
    dst = render(tmp_path / "project", project_name="Churn Model_v2")
    answers = (dst / ".copier-answers.yml").read_text()
    assert "project_slug: churn-model-v2" in answers
    assert "package_name: churn_model_v2" in answers
    assert (dst / "src" / "churn_model_v2" / "cli.py").is_file()


def test_dvclive_needs_dvc(tmp_path):
    dst = tmp_path / "project"
    with pytest.raises(ValueError, match="DVCLive writes metrics for DVC to read"):
        render(dst, tracking="dvclive", use_dvc=False)
    assert not dst.exists()


@pytest.mark.parametrize("use_dvc", [True, False])
def test_use_dvc_decides_the_dvc_files(tmp_path, use_dvc):
    dst = render(tmp_path / "project", use_dvc=use_dvc, tracking="none")
    for name in ["dvc.yaml", ".dvc/config", ".dvcignore"]:
        assert (dst / name).exists() is use_dvc, name
    assert (dst / "models" / ".gitkeep").exists() is not use_dvc  # DVC owns models/ when used
