"""Validate a rendered project against its own required-files contract.

The list of required files is data inside the project (src/<package>/required_files.yml) and
the checker is the project's own structure module, so the hook and `make check` share one
implementation. It only reads, so it is safe in the temporary copies `copier update` renders.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path


def validate(project_root: Path, package: str) -> int:
    """Run the project's structure check on project_root; return its exit status."""
    checker = project_root / "src" / package / "structure.py"
    if not checker.is_file():
        print(f"Missing required file: src/{package}/structure.py", file=sys.stderr)
        return 1
    module = runpy.run_path(str(checker))
    return module["main"](["--root", str(project_root), "--quiet"])
