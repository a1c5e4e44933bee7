"""The project questions of copier.yml and the values each can take.

Read by the reserved-names script and by the tests' answer matrix, so that neither keeps a second
list of copier.yml's choices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parents[1]
COPIER_YML = TEMPLATE / "copier.yml"
# dvc_remote is free text; its form decides the DVC extra (dvc[s3]...). One example of each form
# that copier.yml's validator accepts.
DVC_REMOTE_EXAMPLES = ["~/dvc-storage/x", "../dvc-storage", "s3://bucket/x", "gs://bucket/x",
                       "azure://container/x", "ssh://user@host/x"]


def project_questions() -> dict[str, Any]:
    """The questions a new project asks (settings, computed and recorded values and the other generators
    left out)."""
    documents = yaml.safe_load_all(COPIER_YML.read_text().replace("!include", "#"))
    merged: dict[str, Any] = {}
    for document in documents:
        merged.update(document or {})
    return {key: value for key, value in merged.items()
            if not key.startswith("_") and "kind == 'project'" in str(value.get("when")) and value.get("ask", True)}


def question_values(name: str) -> list[Any]:
    """Every value a choice or yes/no question accepts, in copier.yml's order."""
    question = project_questions()[name]
    if question.get("type") == "bool":
        return [True, False]
    choices = question["choices"]
    return list(choices.values()) if isinstance(choices, dict) else list(choices)
