"""Add a generated step's parameter defaults to the project's params.yaml, keeping the user's values.

The editing itself is the project's own module (src/<package>/steps/params_file.py), which
`make remove-step` uses too: one implementation. On `copier update` this also runs in copier's
temporary renders, which hold no params.yaml: there is nothing to do there.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path
from typing import Any


def add_step_params(project_root: Path, package: str, name: str, parameters: list[dict[str, Any]]) -> int:
    """Add steps.<name>.<parameter>: default for each parameter params.yaml lacks; return an exit status."""
    params_yaml = project_root / "params.yaml"
    if not params_yaml.is_file():
        return 0
    editor = project_root / "src" / package / "steps" / "params_file.py"
    if not editor.is_file():
        print(f"src/{package}/steps/params_file.py not found: this project predates pipeline steps. "
              "Run `make update` first, then add the step again.", file=sys.stderr)
        return 1
    module = runpy.run_path(str(editor))
    added = module["add_defaults"](params_yaml, name, {p["name"]: p["default"] for p in parameters})
    for key in added:
        print(f"params.yaml: added steps.{name}.{key}")
    return 0
