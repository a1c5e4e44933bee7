"""Which packages of the plugins' lock files nothing installed needs any more, for `install_all.sh -u`.

Run after the plugins themselves are uninstalled: `python -m <package>.trainers.dependencies LOCK...`
prints, one per line, the packages pinned in the lock files that are installed and that no other
installed distribution requires (the project itself, its dev tools, anything the user added), so
removing them cleans up after the plugins without breaking the project.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from importlib.metadata import Distribution, distributions, packages_distributions
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

PACKAGE = (__package__ or "").split(".")[0]  # also right when run with python -m


def locked_names(lock_files: Iterable[Path]) -> set[str]:
    """Canonical names of the packages pinned in requirements-style lock files."""
    names = set()
    for lock in lock_files:
        for line in Path(lock).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                try:
                    names.add(canonicalize_name(Requirement(line).name))
                except InvalidRequirement:
                    continue
    return names


def requirements(dist: Distribution, all_extras: bool = False) -> set[str]:
    """Names a distribution requires on this platform; with all_extras, also those of its extras.

    Which extras another package was installed with is not recorded, so only the project's own
    extras (dev) are counted.
    """
    extras = ["", *(dist.metadata.get_all("Provides-Extra") or [])] if all_extras else [""]
    names = set()
    for text in dist.requires or []:
        requirement = Requirement(text)
        if requirement.marker is None or any(requirement.marker.evaluate({"extra": e}) for e in extras):
            names.add(canonicalize_name(requirement.name))
    return names


def unused(candidates: set[str]) -> set[str]:
    """The candidates that are installed and that no installed distribution outside them requires."""
    installed = {canonicalize_name(dist.metadata["Name"]): dist for dist in distributions()}
    project = {canonicalize_name(name) for name in packages_distributions().get(PACKAGE, [])}
    removable = candidates & installed.keys()
    while True:
        needed = set().union(*(requirements(dist, all_extras=name in project)
                               for name, dist in installed.items() if name not in removable))
        if not removable & needed:
            return removable
        removable -= needed


def main(argv: list[str]) -> None:
    for name in sorted(unused(locked_names(Path(arg) for arg in argv))):
        print(name)


if __name__ == "__main__":
    main(sys.argv[1:])
