"""MkDocs hook of the template's documentation site (mkdocs.yml `hooks:`).

Replaces the marker QUESTIONS_MARKER in a page with the table of copier.yml's questions, generated at
every build, so the site never shows a hand-kept copy of the questions.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# MkDocs loads a hook by its path; the `scripts` package is importable from the template's root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.questions_table import questions_table  # noqa: E402

QUESTIONS_MARKER = "<!-- questions-table -->"


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Put the generated table where a page asks for it."""
    if QUESTIONS_MARKER not in markdown:
        return markdown
    return markdown.replace(QUESTIONS_MARKER, questions_table())
