"""`pipeline`: run a chosen subset of steps in order, as MLproject's entry point does.

`python -m <package> pipeline --steps etl,train train.cv_folds=3` is what
`mlflow run . -P steps=etl,train -P hydra_options="train.cv_folds=3"` runs.
Steps added with `make step` are discovered from src/<package>/steps/ and run after the step
their step.yml names.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from ..steps import discover, pipeline_order, run_step, split_overrides

# built-in step name -> command module
BUILTIN = {"etl": "data", "train": "train", "evaluate": "evaluate", "predict": "predict"}


def parse_steps(text: str) -> list[str]:
    """"etl,train" -> ["etl", "train"] in pipeline order, refusing unknown names."""
    order = pipeline_order()
    chosen = [step.strip() for step in text.split(",") if step.strip()]
    unknown = [step for step in chosen if step not in order]
    if unknown or not chosen:
        raise ValueError(f"Unknown or no steps {unknown or text!r}; choose from {', '.join(order)} (comma-separated).")
    return [step for step in order if step in chosen]


def main(steps: str = "etl,train,evaluate", overrides: Sequence[str] = ()) -> list[str]:
    """Run each chosen step with the same overrides (space-separated pairs allowed); return the steps run."""
    overrides = split_overrides(overrides)
    generated = discover()
    ran = []
    for step in parse_steps(steps):
        print(f"step       {step}")
        if step in generated:
            run_step(step, overrides)
        else:
            importlib.import_module(f"{__package__}.{BUILTIN[step]}").main(overrides=overrides)
        ran.append(step)
    return ran
