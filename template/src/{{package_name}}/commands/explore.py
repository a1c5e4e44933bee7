"""`explore`: run reports/exploration.py, the project's own exploration report script.

The script lives in reports/ (the contract's exploration report, edited by the project's authors), so
this command only finds it, runs it and calls its main(overrides)."""

from __future__ import annotations

import runpy
from collections.abc import Sequence
from pathlib import Path

from ..config import project_root

SCRIPT = Path("reports") / "exploration.py"


def main(overrides: Sequence[str] = ()) -> Path:
    """Run reports/exploration.py's main(overrides); return the report it wrote."""
    script = project_root() / SCRIPT
    if not script.is_file():
        raise FileNotFoundError(
            f"{SCRIPT.as_posix()} not found: restore it with `git checkout -- {SCRIPT.as_posix()}`, or write "
            "your own script there with a main(overrides) function."
        )
    entry = runpy.run_path(str(script), run_name="exploration").get("main")
    if not callable(entry):
        raise ValueError(f"{SCRIPT.as_posix()} defines no main(overrides) function: add one that writes the report.")
    return entry(overrides)
