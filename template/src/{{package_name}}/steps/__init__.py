"""Pipeline steps you add with `make step NAME=...`: each is a folder here with a step.yml.

A step folder holds step.yml (what the pipeline needs to know: the step it runs after, its
parameters' types, its inputs and outputs), its script, MLproject, python_env.yaml, conda.yml and,
with DVC, a dvc.yaml stage. The pipeline command discovers the folders, so adding a step needs no
edit anywhere else, and deleting its folder (`make remove-step NAME=...`) takes it out again.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

STEPS_DIR = Path(__file__).parent
BUILTIN_STEPS = ("etl", "train", "evaluate", "predict")
# What a parameter of each declared type may hold (bool is not an int here, as in YAML).
TYPE_CHECKS = {
    "str": lambda value: isinstance(value, str),
    "path": lambda value: isinstance(value, str) and value != "",
    "int": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "float": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
    "bool": lambda value: isinstance(value, bool),
}


@dataclass(frozen=True)
class Step:
    """A generated step, as its step.yml describes it."""

    name: str
    script: str
    after: str
    parameters: Mapping[str, str]  # name -> type
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    description: str = ""
    job_type: str = ""

    @property
    def module(self) -> str:
        """Import name of the step's script, e.g. <package>.steps.featurize.run."""
        return f"{__name__}.{self.name}.{Path(self.script).stem}"


def load_step(folder: Path) -> Step:
    """Read folder/step.yml."""
    spec = yaml.safe_load((folder / "step.yml").read_text())
    return Step(
        name=spec["name"], script=spec["script"], after=spec["after"],
        parameters=dict(spec.get("parameters") or {}), inputs=tuple(spec.get("inputs") or ()),
        outputs=tuple(spec.get("outputs") or ()), description=spec.get("description", ""),
        job_type=spec.get("job_type", ""),
    )


@cache
def discover(folder: Path = STEPS_DIR) -> dict[str, Step]:
    """Every generated step under folder, by name."""
    return {path.parent.name: load_step(path.parent) for path in sorted(folder.glob("*/step.yml"))}


def pipeline_order(generated: Mapping[str, Step] | None = None) -> list[str]:
    """Built-in steps in their order, each followed by the generated steps that run after it (by name)."""
    generated = discover() if generated is None else generated
    followers: dict[str, list[str]] = {}
    for step in sorted(generated.values(), key=lambda step: step.name):
        followers.setdefault(step.after, []).append(step.name)
    order: list[str] = []

    def visit(name: str) -> None:
        order.append(name)
        for follower in followers.get(name, []):
            visit(follower)

    for name in BUILTIN_STEPS:
        visit(name)
    stranded = sorted(set(generated) - set(order))
    if stranded:
        detail = ", ".join(f"{name} (after {generated[name].after})" for name in stranded)
        raise ValueError(f"Step(s) {detail} run after a step that does not exist: "
                         "fix `after` in their step.yml.")
    return order


def step_arguments(name: str, arguments: Iterable[str]) -> list[str]:
    """Arguments of a step run on its own (MLproject, `python run.py`) as overrides for load_params.

    Each argument may hold several space-separated `key=value` pairs (MLflow passes a parameter as one
    argument); a bare key is the step's own parameter (`threshold=0.3` -> `steps.<name>.threshold=0.3`);
    an empty value (`threshold=`, what MLproject passes by default) keeps params.yaml's.
    """
    overrides = []
    for pair in split_overrides(arguments):
        key, _, value = pair.partition("=")
        if value == "":
            continue
        overrides.append(pair if "." in key else f"steps.{name}.{pair}")
    return overrides


def split_overrides(arguments: Iterable[str]) -> list[str]:
    """["a=1 b=2", ""] -> ["a=1", "b=2"]: MLflow passes `overrides`/`hydra_options` as one argument."""
    return [pair for argument in arguments for pair in argument.split()]


def parameter_problems(params: Mapping[str, Any], generated: Mapping[str, Step] | None = None) -> list[str]:
    """Problems of steps.<name> in params against each step's declared parameters and types."""
    generated = discover() if generated is None else generated
    sections = params.get("steps") or {}
    found = []
    for name, step in generated.items():
        section = sections.get(name)
        if section is None:
            found.append(f"steps.{name}: missing; add it to params.yaml with the parameters of "
                         f"src/{__name__.split('.')[0]}/steps/{name}/step.yml")
            continue
        for key, kind in step.parameters.items():
            if key not in section:
                found.append(f"steps.{name}.{key}: missing ({kind})")
            elif not TYPE_CHECKS[kind](section[key]):
                found.append(f"steps.{name}.{key}: {section[key]!r} is not a valid {kind}")
        for key in sorted(set(section) - set(step.parameters)):
            found.append(f"steps.{name}.{key}: unknown key; step {name} takes "
                         f"{', '.join(step.parameters) or 'no parameters'} (declared in its step.yml)")
    return found


def run_step(name: str, overrides: Sequence[str] = ()) -> Any:
    """Import a generated step's script and call its main() with the overrides."""
    return importlib.import_module(discover()[name].module).main(overrides=overrides)
