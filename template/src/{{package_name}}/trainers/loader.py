"""Find trainers through entry points without importing them; import one only when it trains.

This is what keeps `--help` and `train list` fast with any number of plugins installed: listing
reads entry points and package metadata, and the one-line description is the first line of the
docstring of the trainer's module, read from its source file (only its parent package, which a
plugin keeps empty, is imported to find it). A plugin's own imports run when it trains.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import click

ENTRY_POINT_GROUP = f"{__name__.split('.')[0]}.trainers"


class TrainerError(RuntimeError):
    """A trainer that is not installed, does not import or does not keep to the contract."""


@dataclass(frozen=True)
class TrainerInfo:
    """One installed trainer as `train list` shows it."""

    name: str
    package: str
    version: str
    description: str


def installed() -> dict[str, EntryPoint]:
    """The entry points of the trainer group by name, sorted; nothing is imported."""
    return {entry.name: entry for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)}


def summary(module: str) -> str:
    """First line of a module's docstring, read from its source without running the module."""
    try:
        spec = importlib.util.find_spec(module)
    except Exception as error:  # a parent package that fails to import: say so, list the others
        return f"(cannot be read: {type(error).__name__}: {error})"
    if spec is None or not (spec.origin or "").endswith(".py"):
        return ""
    docstring = ast.get_docstring(ast.parse(Path(spec.origin).read_text()))
    return docstring.strip().splitlines()[0] if docstring else ""


def describe(entry: EntryPoint) -> TrainerInfo:
    """Name, distribution, version and one-line description of a trainer's entry point."""
    dist = entry.dist
    package, version = (dist.metadata["Name"], dist.version) if dist else ("?", "?")
    return TrainerInfo(entry.name, package, version,
                       summary(entry.module) or (dist.metadata["Summary"] if dist else "") or "")


def load_trainer(name: str) -> click.Group:
    """Import the trainer called name: its click group, which has a `train` command."""
    available = installed()
    if name not in available:
        raise TrainerError(
            f"Unknown trainer {name!r} in train.trainer; installed: {', '.join(available) or 'none'}. "
            "`make train-list` describes them; `make plugins` installs the plugins in plugins/."
        )
    entry = available[name]
    package = entry.dist.metadata["Name"] if entry.dist else entry.module
    try:
        group = entry.load()
    except Exception as error:
        others = ", ".join(other for other in available if other != name) or "none"
        raise TrainerError(
            f"Trainer {name!r} (package {package}, {entry.value}) failed to import: "
            f"{type(error).__name__}: {error}. Reinstall or fix it, or pick another with "
            f"train.trainer=<name> (installed: {others})."
        ) from error
    if not isinstance(group, click.Group) or "train" not in group.commands:
        raise TrainerError(f"Trainer {name!r} ({entry.value}) is not a click group with a `train` command.")
    return group
