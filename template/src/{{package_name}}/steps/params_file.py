"""Add or remove a step's section (steps.<name>) in params.yaml as text, so comments and order survive.

The step generator's copier task (on copy and update) and `remove-step` both call this file; it needs
only the standard library and PyYAML, so the task can run it before the project has an environment.
Sections are written in block style with two-space indentation; every edit is checked by parsing the
result, and a file laid out differently is left untouched with a message saying what to add by hand.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

HEADER = "# Parameters of the pipeline steps added with `make step`, one section per step."


class ParamsFileError(ValueError):
    """params.yaml cannot be edited automatically; the message says what to change by hand."""


def scalar(value: Any) -> str:
    """A YAML scalar that PyYAML (YAML 1.1) reads back as the same value: 1e-05 needs a dot there."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)
        return re.sub(r"^(-?\d+)e", r"\1.0e", text) if "e" in text else text
    if isinstance(value, int):
        return str(value)
    return yaml.safe_dump(str(value), default_style='"').strip()


def _load(text: str) -> dict[str, Any]:
    return yaml.safe_load(text) or {}


def _section(text: str, name: str) -> Any:
    """steps.<name> of text; None when absent or when text is no longer valid YAML."""
    try:
        return (_load(text).get("steps") or {}).get(name)
    except yaml.YAMLError:
        return None


def _block_end(lines: list[str], start: int, indent: int) -> int:
    """Index after the block that begins at lines[start]: its lines are blank or indented deeper."""
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():  # trailing blank lines belong to what follows
        end -= 1
    return end


def _find(lines: list[str], key: str, indent: int, start: int = 0, stop: int | None = None) -> int | None:
    pattern = re.compile(rf"^{' ' * indent}{re.escape(key)}:(\s|$)")
    for index in range(start, len(lines) if stop is None else stop):
        if pattern.match(lines[index]):
            return index
    return None


def with_defaults(text: str, name: str, defaults: dict[str, Any]) -> tuple[str, list[str]]:
    """text with steps.<name> holding every key of defaults (existing values kept); and the keys added."""
    current = (_load(text).get("steps") or {}).get(name) or {}
    missing = {key: value for key, value in defaults.items() if key not in current}
    if name in (_load(text).get("steps") or {}) and not missing:
        return text, []
    lines = text.splitlines()
    body = [f"    {key}: {scalar(value)}" for key, value in missing.items()]
    steps = _find(lines, "steps", 0)
    if steps is None:
        lines += ["", HEADER, "steps:"]
        steps = len(lines) - 1
    elif lines[steps].split("#")[0].strip() == "steps: {}":
        lines[steps] = "steps:"
    end = _block_end(lines, steps, 0)
    section = _find(lines, name, 2, steps + 1, end)
    if section is None:
        lines[end:end] = [f"  {name}:" + ("" if body else " {}"), *body]
    else:
        if lines[section].split("#")[0].strip() == name + ": {}":
            lines[section] = f"  {name}:"
        lines[section + 1:section + 1] = body
    edited = "\n".join(lines) + "\n"
    expected = {**current, **missing}
    if (_section(edited, name) or {}) != expected or (not expected and _section(edited, name) is None):
        raise ParamsFileError(f"Could not add steps.{name} to params.yaml automatically; add it by hand:\n"
                              f"steps:\n  {name}:\n" + "\n".join(body))
    return edited, list(missing)


def without_step(text: str, name: str) -> str:
    """text without steps.<name> (and without steps: once it is empty)."""
    if name not in (_load(text).get("steps") or {}):
        return text
    lines = text.splitlines()
    steps = _find(lines, "steps", 0)
    if steps is None:
        raise ParamsFileError(f"Remove steps.{name} from params.yaml by hand (steps: is not a block here).")
    end = _block_end(lines, steps, 0)
    section = _find(lines, name, 2, steps + 1, end)
    if section is None:
        raise ParamsFileError(f"Remove steps.{name} from params.yaml by hand (it is not a block here).")
    del lines[section:_block_end(lines, section, 2)]
    edited = "\n".join(lines) + "\n"
    if not _load(edited).get("steps"):
        start = steps - 1 if steps and lines[steps - 1] == HEADER else steps
        del lines[start:_block_end(lines, steps, 0)]
        while lines and not lines[-1].strip():
            lines.pop()
        edited = "\n".join(lines) + "\n"
    if name in (_load(edited).get("steps") or {}):
        raise ParamsFileError(f"Could not remove steps.{name} from params.yaml automatically; remove it by hand.")
    return edited


def add_defaults(path: Path, name: str, defaults: dict[str, Any]) -> list[str]:
    """Add the missing steps.<name> keys to the params file at path; return the keys added."""
    edited, added = with_defaults(path.read_text(), name, defaults)
    if edited != path.read_text():
        path.write_text(edited)
    return added


def remove_section(path: Path, name: str) -> bool:
    """Remove steps.<name> from the params file at path; return whether it was there."""
    text = path.read_text()
    edited = without_step(text, name)
    if edited != text:
        path.write_text(edited)
    return edited != text
