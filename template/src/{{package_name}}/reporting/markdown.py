"""Markdown pieces shared by the reports: tables and image links."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped)."""
    def cells(values: Sequence[object]) -> str:
        return "| " + " | ".join(str(value).replace("|", "\\|") for value in values) + " |"

    lines = [cells(header), "| " + " | ".join("---" for _ in header) + " |"]
    lines += [cells(row) for row in rows]
    return "\n".join(lines)


def number(value: float | None, digits: int = 4) -> str:
    """A metric as text; n/a when it was not computed (e.g. cross-validation turned off)."""
    return "n/a" if value is None else f"{value:.{digits}f}"


def image(title: str, figure: Path, report: Path) -> str:
    """An image link relative to the report's folder, so it resolves wherever the folder is copied."""
    return f"![{title}]({figure.relative_to(report.parent).as_posix()})"


def class_balance(classes: dict[str, int], target: str) -> str:
    """Rows and share of each class of the target, as a table."""
    total = sum(classes.values())
    rows = [(name, count, format(count / total, ".1%")) for name, count in classes.items()]
    return table([target, "rows", "share"], rows)
