"""Parameters: params.yaml is the one source of truth, overridable with dotted `a.b=c` pairs.

Order of precedence, lowest first:
1. params.yaml in the project root;
2. the PARAMS_OVERRIDES environment variable, space-separated `a.b=c` pairs (parago.yml's `env`
   exports it, so `pgo train --env params_overrides=etl.test_size=0.3` reaches this);
3. `a.b=c` arguments on the command line
   (`make train ARGS="train.hyperparams.n_estimators.default_value=50"`).
Values are parsed as YAML (`3` is an int, `null` is None). A key that params.yaml does not
define is an error, so a typo never silently does nothing, with one widening: `train` and `tune`
also accept train.hyperparams entries that the chosen trainer declares (a plugin's own hyperparameters,
e.g. `train.hyperparams.epochs.default_value=20` with train.trainer=keras) though params.yaml lacks
them. The result, overrides included, is then checked against params.schema.json and the rules in
params_validation.py.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from .params_validation import problems

PARAMS_FILE = "params.yaml"
OVERRIDES_ENV = "PARAMS_OVERRIDES"
RESTORE_HINT = "If the file was damaged, restore it with `git checkout -- params.yaml` (or `git diff params.yaml`)."


class ConfigError(ValueError):
    """A parameter file or override that cannot be used; the message says how to fix it."""


def project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above start that holds params.yaml (the current one if none)."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / PARAMS_FILE).is_file():
            return folder
    return start


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split `a.b=c` into (["a", "b"], parsed c)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"Override {text!r} must look like section.key=value, e.g. train.seed=1")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as error:
        raise ConfigError(f"Override {text!r}: value is not valid YAML ({error})") from error
    return key.strip().split("."), value


def apply_override(params: dict[str, Any], text: str) -> None:
    """Set one dotted key in params, refusing keys that params.yaml does not define."""
    path, value = parse_override(text)
    node: Any = params
    for depth, part in enumerate(path):
        if not isinstance(node, dict) or part not in node:
            known = ", ".join(sorted(node)) if isinstance(node, dict) else "none (not a section)"
            where = ".".join(path[:depth]) or "the top level"
            raise ConfigError(
                f"Unknown parameter {'.'.join(path)!r}: {where} has no key {part!r}. "
                f"Known keys there: {known}."
            )
        if depth == len(path) - 1:
            node[part] = value
        else:
            node = node[part]


def names_a_new_hyperparameter(params: dict[str, Any], text: str) -> bool:
    """`train.hyperparams.<name>...=` for a name that params.yaml's train.hyperparams lacks."""
    path = parse_override(text)[0]
    hyperparams = params.get("train", {}).get("hyperparams") if isinstance(params.get("train"), dict) else None
    return (len(path) > 2 and path[:2] == ["train", "hyperparams"] and isinstance(hyperparams, dict)
            and path[2] not in hyperparams)


def load_params(
    overrides: Sequence[str] = (),
    root: Path | None = None,
    environ: Mapping[str, str] | None = None,
    trainer_hyperparams: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Read params.yaml, apply environment then command-line overrides, and check the result.

    trainer_hyperparams(trainer, params) gives a trainer's hyperparameter specs: with it, an override of a
    train.hyperparams entry that params.yaml lacks takes the chosen trainer's entry of that name.
    """
    root = root or project_root()
    path = root / PARAMS_FILE
    if not path.is_file():
        raise ConfigError(f"{path} not found: run commands from the project folder.")
    try:
        params = yaml.safe_load(path.read_text()) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path} is not valid YAML: {error}\n{RESTORE_HINT}") from None
    if not isinstance(params, dict):
        raise ConfigError(f"{path} must hold a mapping of sections, not {type(params).__name__}.\n{RESTORE_HINT}")
    params = copy.deepcopy(params)
    environ = os.environ if environ is None else environ
    texts = [*environ.get(OVERRIDES_ENV, "").split(), *overrides]
    deferred = [text for text in texts if trainer_hyperparams and names_a_new_hyperparameter(params, text)]
    for text in texts:
        if text not in deferred:
            apply_override(params, text)
    if deferred:  # once train.trainer has its final value: that trainer's own entries become overridable
        declared = trainer_hyperparams(str(params["train"].get("trainer", "sklearn")), params)
        for text in deferred:
            name, trainer = parse_override(text)[0][2], params["train"]["trainer"]
            if name not in declared:
                known = ", ".join(sorted({*params["train"]["hyperparams"], *declared}))
                raise ConfigError(f"Unknown parameter in {text!r}: neither params.yaml's train.hyperparams nor "
                                  f"the {trainer} trainer (train.trainer) has {name!r}. Known names: {known}.")
            params["train"]["hyperparams"].setdefault(name, copy.deepcopy(declared[name]))
            apply_override(params, text)
    found = problems(params)
    if found:
        raise ConfigError(f"Invalid parameters in {path} or its overrides:\n  " + "\n  ".join(found)
                          + f"\n{RESTORE_HINT}")
    return params


def hyperparameter_values(train_params: dict[str, Any]) -> dict[str, Any]:
    """{name: default_value} of train.hyperparams: the values a model is built with by `train`."""
    return {name: spec["default_value"] for name, spec in train_params["hyperparams"].items()}
