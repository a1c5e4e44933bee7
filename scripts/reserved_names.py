"""Write copier/reserved-names.yml: the names a generated package, step or plugin may not take.

A package named like a module the project imports shadows it (a package `mlflow` breaks tracking),
and a hand-kept list misses some. So the list is computed: render includes/dependencies.jinja for
every answer, install each answer's dependencies (runtime, dev and optional extras) in turn from PyPI
into a throwaway environment with the template's uv, and take the top-level import names of every
installed distribution, the dependencies of dependencies too; then add Python's keywords and the
standard library of each supported Python found on this machine.

Usage (from the template's root): make reserved-names
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import keyword
import platform
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import jinja2
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .answers import DVC_REMOTE_EXAMPLES, TEMPLATE, question_values

RESERVED_NAMES_YML = TEMPLATE / "copier" / "reserved-names.yml"
UV = Path(sys.executable).parent / "uv"
DEPENDENCY_LISTS = (
    "{%- from 'includes/dependencies.jinja' import runtime_dependencies, dev_dependencies,"
    " optional_dependencies with context -%}"
    "{{ {'base': runtime_dependencies + dev_dependencies, 'extras': optional_dependencies} | tojson }}"
)
# Run by an environment's Python (the throwaway one here, a generated project's in the tests):
# its installed distributions (name==version) and the top-level import names of each.
INSTALLED_NAMES_CODE = """
import importlib.metadata as metadata, json
print(json.dumps({
    "distributions": sorted({f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()}),
    "import_names": metadata.packages_distributions(),
}))
"""
VENV_SEED = ["pip", "setuptools", "wheel"]
RECORDED_DISTRIBUTION = re.compile(r"^#     (?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)$", re.MULTILINE)


def dependency_answers() -> list[dict[str, Any]]:
    """Every combination of the answers that choose dependencies (dvc_remote: one remote of each form)."""
    values = {"use_dvc": question_values("use_dvc"), "dvc_remote": DVC_REMOTE_EXAMPLES,
              "tracking": question_values("tracking"), "api": question_values("api")}
    return [dict(zip(values, combination)) for combination in itertools.product(*values.values())]


@functools.cache
def dependency_lists() -> jinja2.Template:
    """includes/dependencies.jinja's lists as JSON, rendered as copier does (the template root as loader)."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE)).from_string(DEPENDENCY_LISTS)


def environments(answers: dict[str, Any]) -> list[list[str]]:
    """The requirements of each environment a project with these answers can build: its dependencies
    with the dev ones (`make env`), and with each optional extra too (`make env EXTRAS=ray`)."""
    lists = json.loads(dependency_lists().render(**answers))
    return [lists["base"], *(lists["base"] + extra for extra in lists["extras"].values())]


def dependency_sets() -> list[tuple[str, ...]]:
    """The distinct environments that answers give, each a sorted tuple of requirements, in a stable order."""
    return sorted({tuple(sorted(requirements)) for answers in dependency_answers()
                   for requirements in environments(answers)})


def every_direct_dependency() -> list[str]:
    """The requirements of every answer, each once, in a stable order."""
    return sorted({requirement for requirements in dependency_sets() for requirement in requirements})


def distribution_name(requirement: str) -> str:
    """The normalized distribution name of a requirement (`dvc[s3]>=3.50` -> `dvc`)."""
    return canonicalize_name(Requirement(requirement).name)


def reservable(name: str) -> bool:
    """Whether an import name belongs in the list. Private names (`_cffi_backend`) are left out: the
    validators' pattern (a lowercase letter first) refuses them before the list is read; so are
    names that are no identifier (nothing can import them)."""
    return name.isidentifier() and not name.startswith("_")


def installed_names(python: Path) -> dict[str, Any]:
    """What INSTALLED_NAMES_CODE reports for the environment of this Python."""
    return json.loads(subprocess.run([str(python), "-c", INSTALLED_NAMES_CODE], check=True,
                                     capture_output=True, text=True).stdout)


def install_each_environment(venv: Path) -> dict[str, Any]:
    """Resolve and install each environment of dependency_sets in turn (as a project would: resolving
    everything at once picks other versions, with other dependencies) into one fresh environment, from
    PyPI, and collect what INSTALLED_NAMES_CODE reports after each."""
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python, pins = venv / "bin" / "python", venv / "pins.txt"
    distributions: set[str] = set()
    import_names: dict[str, set[str]] = {}

    def collect() -> None:
        installed = installed_names(python)
        distributions.update(installed["distributions"])
        for name, owners in installed["import_names"].items():
            import_names.setdefault(name, set()).update(owners)

    # What `python -m venv` installs, a pip + venv project's start: this Python's bundled pip and
    # setuptools (with pkg_resources, which newer setuptools releases dropped).
    collect()
    sets = dependency_sets()
    for index, requirements in enumerate(sets, 1):
        print(f"[{index}/{len(sets)}] {len(requirements)} requirements", flush=True)
        # pip, setuptools and wheel at their newest too: a pip + venv project may upgrade them
        subprocess.run([str(UV), "pip", "compile", "--quiet", "--python", str(python), "--no-header",
                        "--no-annotate", "--output-file", str(pins), "-"],
                       input="\n".join([*requirements, *VENV_SEED]), text=True, check=True)
        subprocess.run([str(UV), "pip", "sync", "--quiet", "--python", str(python), str(pins)], check=True)
        collect()
    return {"distributions": sorted(distributions),
            "import_names": {name: sorted(owners) for name, owners in sorted(import_names.items())}}


def standard_libraries() -> dict[str, list[str]]:
    """sys.stdlib_module_names of each supported Python (python_version choices) that uv finds
    here, by full version; a missing one is named on stderr, never downloaded."""
    found = {}
    for version in question_values("python_version"):
        located = subprocess.run([str(UV), "python", "find", "--no-python-downloads", version],
                                 capture_output=True, text=True)
        if located.returncode != 0:
            print(f"warning: Python {version} not found; its standard-library names are not added "
                  f"(put a python{version} on PATH and run again)", file=sys.stderr)
            continue
        report = subprocess.run([located.stdout.strip(), "-c", "import json, platform, sys; print(json.dumps("
                                 "[platform.python_version(), sorted(sys.stdlib_module_names)]))"],
                                check=True, capture_output=True, text=True).stdout
        full_version, names = json.loads(report)
        found[full_version] = names
    return found


def reserved_names_yml(installed: dict[str, Any], stdlibs: dict[str, list[str]]) -> str:
    """The text of copier/reserved-names.yml: where the names come from, then the sorted names."""
    names = set(keyword.kwlist) | {name for names in stdlibs.values() for name in names}
    names |= set(installed["import_names"])
    stdlib = {name for names in stdlibs.values() for name in names}
    distributions = "\n".join(f"#     {distribution}" for distribution in installed["distributions"])
    return f"""\
# Names a generated package, step or plugin may not take: shadowing any of them breaks imports in
# confusing ways. Generated by `make reserved-names` (scripts/reserved_names.py); do not edit by hand.
# - Python keywords;
# - the standard-library modules (sys.stdlib_module_names) of Python {", ".join(stdlibs)};
# - the top-level import names (importlib.metadata.packages_distributions) of every distribution a
#   project installs for any answer (includes/dependencies.jinja: dependencies, dev and optional
#   extras; each answer's environments resolved on their own), dependencies of dependencies included,
#   and what `python -m venv` and pip, setuptools and wheel install. Installed on Python \
{platform.python_version()}, {sys.platform}:
{distributions}
# Names starting with "_" are left out: the validators' pattern (a lowercase letter first) refuses them.
# Included by copier.yml; computed values, never asked. reserved_keywords and reserved_standard_library
# repeat the names of those two rules, so that the validators say which rule refused a name.
# Each list is one JSON string, not a YAML list: copier renders every item of a list default as a
# template (seconds per render for thousands of names), and a string only once.
{computed_list("reserved_package_names", names)}\
{computed_list("reserved_keywords", set(keyword.kwlist))}\
{computed_list("reserved_standard_library", stdlib)}"""


def computed_list(key: str, names: set[str]) -> str:
    """A never-asked copier value holding the sorted reservable names as a folded JSON string."""
    items = textwrap.wrap(", ".join(json.dumps(name) for name in sorted(filter(reservable, names))), 110,
                          break_on_hyphens=False)
    lines = "".join(f"    {line}\n" for line in items)
    return f"{key}:\n  type: yaml\n  when: false\n  default: >-\n    [\n{lines}    ]\n"


def recorded_distributions(text: str | None = None) -> set[str]:
    """The normalized names of the distributions copier/reserved-names.yml was computed from."""
    text = RESERVED_NAMES_YML.read_text() if text is None else text
    return {canonicalize_name(match["name"]) for match in RECORDED_DISTRIBUTION.finditer(text)}


def reserved_names() -> list[str]:
    """The names copier/reserved-names.yml reserves (what copier.yml's validators read)."""
    return json.loads(yaml.safe_load(RESERVED_NAMES_YML.read_text())["reserved_package_names"]["default"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=TEMPLATE / "build" / "reserved-names",
                        help="throwaway environment to install every dependency into (replaced)")
    venv = parser.parse_args().venv
    installed = install_each_environment(venv)
    RESERVED_NAMES_YML.write_text(reserved_names_yml(installed, standard_libraries()))
    print(f"{RESERVED_NAMES_YML.relative_to(TEMPLATE)}: {len(installed['distributions'])} distributions")


if __name__ == "__main__":
    main()
