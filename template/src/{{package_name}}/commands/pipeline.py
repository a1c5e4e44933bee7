"""`pipeline`: run a chosen subset of steps in order, as MLproject's entry point does.

`python -m <package> pipeline --steps etl,train train.cv_folds=3` is what
`mlflow run . -P steps=etl,train -P overrides="train.cv_folds=3"` runs (seed 002's main.py).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

# step name -> command module, in pipeline order
STEPS = {"etl": "data", "train": "train", "evaluate": "evaluate", "predict": "predict"}


def parse_steps(text: str) -> list[str]:
    """"etl,train" -> ["etl", "train"] in pipeline order, refusing unknown names."""
    chosen = [step.strip() for step in text.split(",") if step.strip()]
    unknown = [step for step in chosen if step not in STEPS]
    if unknown or not chosen:
        raise ValueError(f"Unknown or no steps {unknown or text!r}; choose from {', '.join(STEPS)} (comma-separated).")
    return [step for step in STEPS if step in chosen]


def main(steps: str = ",".join(STEPS), overrides: Sequence[str] = ()) -> list[str]:
    """Run each chosen step's command with the same overrides; return the steps run."""
    ran = []
    for step in parse_steps(steps):
        print(f"step       {step}")
        importlib.import_module(f"{__package__}.{STEPS[step]}").main(overrides=overrides)
        ran.append(step)
    return ran
