"""Checks of params.yaml, so a typo or an impossible value stops a run before it starts, naming the key.

params.schema.json (beside this module) states the keys and types of every section; an editor with a
YAML language server can use it too. The checks here relate two values, which a schema says poorly:
a tuning range, its sampling and step, and a default value that must fit its own spec.
To add a parameter, add it to params.yaml and to params.schema.json.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from .steps import parameter_problems

SCHEMA_FILE = Path(__file__).with_name("params.schema.json")
# The keys a tuning spec may hold besides tune and param_type, per param_type.
SPEC_KEYS = {
    "int": {"min", "max", "step", "sampling"},
    "float": {"min", "max", "step", "sampling"},
    "boolean": set(),
    "choice": {"values"},
}


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_FILE.read_text()))


def dotted(path: Iterable[Any]) -> str:
    """["evaluate", "metrics", 1] -> "evaluate.metrics[1]": the key as an override would spell it."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _describe(error: ValidationError) -> str:
    """One schema error as "key: what is wrong (what is valid)"."""
    key = dotted(error.absolute_path)
    if error.validator == "additionalProperties":
        known = ", ".join(error.schema["properties"])
        unknown = [name for name in error.instance if name not in error.schema["properties"]]
        return "; ".join(
            f"{dotted([*error.absolute_path, name])}: unknown key; {key or 'the top level'} takes {known}"
            for name in unknown
        )
    valid = error.schema.get("description")
    return f"{key or 'params.yaml'}: {error.message}" + (f" (expected {valid})" if valid else "")


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same type: in Python 1 == True, but a choice of 1 is not a choice of true."""
    return type(a) is type(b) and a == b


def _range_problems(key: str, spec: dict[str, Any], kind: str, default: Any) -> list[str]:
    """Problems of an int or float spec: its bounds, step and sampling, and the default inside them."""
    where = f"{key}.tuning"
    if "min" not in spec or "max" not in spec:
        return [f"{where}: param_type {kind} needs min and max"]
    if kind == "int":
        wrong = [field for field in ("min", "max", "step") if field in spec and not isinstance(spec[field], int)]
        if wrong:
            return [f"{where}.{field}: must be an integer for param_type int, got {spec[field]!r}" for field in wrong]
    low, high, sampling = spec["min"], spec["max"], spec.get("sampling", "linear")
    if low >= high:
        return [f"{where}: min ({low}) must be below max ({high})"]
    problems = []
    if sampling != "linear" and low <= 0:
        problems.append(f"{where}: {sampling} sampling needs min above 0, got {low}")
    if "step" in spec and sampling != "linear":
        problems.append(f"{where}: step works only with linear sampling, not {sampling}")
    elif kind == "int" and (high - low) % spec.get("step", 1):
        problems.append(f"{where}: max - min ({high - low}) must be a multiple of step ({spec['step']})")
    number = isinstance(default, int) if kind == "int" else isinstance(default, (int, float))
    if isinstance(default, bool) or not number:
        problems.append(f"{key}.default_value: must be {'an integer' if kind == 'int' else 'a number'} "
                        f"for param_type {kind}, got {default!r}")
    elif not low <= default <= high:
        problems.append(f"{key}.default_value: {default} is outside the tuning range [{low}, {high}]")
    return problems


def hyperparameter_problems(name: str, hyperparameter: dict[str, Any]) -> list[str]:
    """Problems of one train.hyperparams entry whose types the schema has already checked."""
    key = f"train.hyperparams.{name}"
    spec, default = hyperparameter.get("tuning"), hyperparameter["default_value"]
    if spec is None:
        return []
    kind = spec["param_type"]
    extra = sorted(set(spec) - {"tune", "param_type"} - SPEC_KEYS[kind])
    if extra:
        takes = ", ".join(sorted(SPEC_KEYS[kind])) or "nothing else"
        return [f"{key}.tuning: {', '.join(extra)} not used by param_type {kind}, which takes {takes}"]
    if kind == "boolean" and not isinstance(default, bool):
        return [f"{key}.default_value: must be true or false for param_type boolean, got {default!r}"]
    if kind == "choice":
        if "values" not in spec:
            return [f"{key}.tuning: param_type choice needs a non-empty list of values"]
        if not any(_same(default, value) for value in spec["values"]):
            return [f"{key}.default_value: {default!r} is not one of the tuning values {spec['values']}"]
    if kind in ("int", "float"):
        return _range_problems(key, spec, kind, default)
    return []


def problems(params: dict[str, Any]) -> list[str]:
    """Every problem of params, each naming its dotted key and what is valid; empty if params are usable."""
    errors = sorted(_validator().iter_errors(params), key=lambda error: dotted(error.absolute_path))
    if errors:  # the checks below assume the types are right
        return [_describe(error) for error in errors]
    found = [
        problem
        for name, hyperparameter in params["train"]["hyperparams"].items()
        for problem in hyperparameter_problems(name, hyperparameter)
    ]
    found += parameter_problems(params)
    tracking = params["tracking"]
    if tracking["backend"] == "mlflow" and "mlflow_uri" not in tracking:
        found.append("tracking.mlflow_uri: required when tracking.backend is mlflow, e.g. sqlite:///mlflow.db")
    return found
