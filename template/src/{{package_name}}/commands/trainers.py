"""`train list`: the installed trainers, read from entry points without importing any of them."""

from __future__ import annotations

from ..trainers.loader import ENTRY_POINT_GROUP, describe, installed


def main() -> list[str]:
    """Print one line per trainer (name, package, version, description); return their names."""
    trainers = [describe(entry) for entry in installed().values()]
    if not trainers:
        print(f"No trainers installed (entry-point group {ENTRY_POINT_GROUP}): reinstall the project with `make env`.")
    width = max([len(t.name) for t in trainers] + [4])
    for trainer in trainers:
        print(f"{trainer.name:<{width}}  {trainer.package} {trainer.version}  {trainer.description}")
    return [trainer.name for trainer in trainers]
