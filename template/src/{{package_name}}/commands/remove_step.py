"""`remove-step`: take out a step that `make step` added, everywhere it was wired in.

Its folder holds the script, MLproject, environment files, step.yml (which the pipeline command
discovers) and its DVC stage (dvc.yaml, dvc.lock), so deleting the folder unwires it. The answers
file, the generated test and the params section go too; its outputs under data/ and reports/ stay.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..config import PARAMS_FILE, project_root
from ..steps import STEPS_DIR, discover
from ..steps.params_file import remove_section


def main(name: str) -> list[Path]:
    """Delete the step's files and its params section; return what was removed."""
    root = project_root()
    folder = STEPS_DIR / name
    if not (folder / "step.yml").is_file():
        raise ValueError(f"No step {name!r}: {folder} has no step.yml.")
    followers = [step.name for step in discover().values() if step.after == name]
    if followers:
        raise ValueError(f"Step(s) {', '.join(followers)} run after {name}: remove them first, "
                         "or change `after` in their step.yml.")
    removed = [folder]
    shutil.rmtree(folder)
    for path in (root / ".copier" / f"step-{name}.yml", root / "tests" / f"test_step_{name}.py"):
        if path.is_file():
            path.unlink()
            removed.append(path)
    for path in removed:
        print(f"removed    {path.relative_to(root) if path.is_relative_to(root) else path}")
    if remove_section(root / PARAMS_FILE, name):
        print(f"removed    steps.{name} from {PARAMS_FILE}")
    return removed
