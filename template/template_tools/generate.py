"""`generate`: add a pipeline step or a trainer plugin with the template's own generators (copier copy
with kind=step or kind=plugin), from the template source and version this project was rendered from."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .source import copier_executable, project_root, template_origin


def main(kind: str, name: str, data: Sequence[str] = (), data_file: Path | None = None, defaults: bool = False,
         vcs_ref: str | None = None) -> None:
    """Run the step or plugin generator in this project; raise RuntimeError when copier fails, and
    ValueError before it runs when copier would have questions to ask and no terminal to ask them on."""
    asks = kind != "plugin" and not (defaults or data or data_file)
    if asks and not sys.stdin.isatty():
        raise ValueError(f"no terminal to ask the {kind} questions on: pass DEFAULTS=1 to take the defaults, or the "
                         "answers with DATA=\"key=value ...\" or DATA_FILE=answers.yml (generate: --defaults, "
                         "--data, --data-file).")
    root = project_root()
    source, commit = template_origin(root)
    command = [copier_executable(), "copy", "--trust"]
    # A plugin has no question worth asking (its trainer template comes with --data) and may be
    # regenerated in place; a step asks for its parameters, inputs and outputs unless told otherwise.
    command += ["--defaults", "--overwrite"] if kind == "plugin" else ["--defaults"] if defaults else []
    command += [f"--vcs-ref={vcs_ref or commit}"] if vcs_ref or commit else []
    command += ["--data", f"kind={kind}", "--data", f"name={name}"]
    command += [argument for item in data for argument in ("--data", item)]
    command += ["--data-file", str(data_file)] if data_file else []
    if subprocess.run([*command, source, "."], cwd=root, check=False).returncode != 0:
        raise RuntimeError(f"copier could not generate the {kind} {name!r} (see above); "
                           "`git status` shows anything it wrote.")
