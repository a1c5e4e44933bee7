"""The questions of copier.yml as a Markdown table, for the documentation site.

The table is generated so that it can never drift from copier.yml: the site's build calls
`questions_table()` (through scripts/docs_hooks.py), and `python -m scripts.questions_table` prints it.
"""

from __future__ import annotations

import re
from typing import Any

from scripts.answers import project_questions

# What every project question's `when` says; only the rest is worth a column.
PROJECT_CONDITION = "kind == 'project'"


def cell(text: str) -> str:
    """One table cell: a pipe would end the cell and a line break the row."""
    return " ".join(str(text).split()).replace("|", "\\|")


def code(value: Any) -> str:
    """A value as inline code (a Jinja default is shown as the expression it is). Python-Markdown's
    tables do not split a row at a pipe inside backticks, and would show an escaping backslash there."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "`" + " ".join(str(value).split()) + "`"


def choices_cell(question: dict[str, Any]) -> str:
    """The accepted values, with their labels when copier.yml gives some."""
    if question.get("type") == "bool":
        return "yes, no"
    choices = question.get("choices")
    if not choices:
        return "free text"
    if isinstance(choices, dict):
        return "<br>".join(f"{code(value)}: {cell(label)}" for label, value in choices.items())
    return ", ".join(code(value) for value in choices)


def condition_cell(question: dict[str, Any]) -> str:
    """When the question is asked, beyond "for a new project"."""
    condition = re.sub(r"^\{\{\s*|\s*\}\}$", "", str(question.get("when", "")))
    rest = condition.replace(PROJECT_CONDITION, "").strip()
    rest = re.sub(r"^and\s+", "", rest)
    return code(rest) if rest else "always"


def questions_table() -> str:
    """The Markdown table of every question a new project asks, in copier.yml's order."""
    rows = ["| question | what it asks | default | values | asked |", "| --- | --- | --- | --- | --- |"]
    for name, question in project_questions().items():
        rows.append(f"| `{name}` | {cell(question.get('help', ''))} | {code(question.get('default', ''))} "
                    f"| {choices_cell(question)} | {condition_cell(question)} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(questions_table(), end="")
