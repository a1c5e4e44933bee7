"""Copier task of the step generator in a DVC project: git ignores the step's outputs from the start.

DVC ignores a stage's outputs itself (`/<file>` in the output folder's .gitignore), but only once it
has run the stage. Before that, `make pipeline` writes them outside DVC, a `git add -A` (which `make
update` asks for: a clean tree) puts them in git, and `dvc repro` then refuses the stage ("output ...
is already tracked by SCM"). So the generator writes the entries DVC would write, in DVC's own form.
"""

import argparse
import json
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--outputs", required=True, help="JSON list of the step's output paths")
for output in map(Path, json.loads(parser.parse_args().outputs)):
    ignore_file, entry = output.parent / ".gitignore", f"/{output.name}"
    text = ignore_file.read_text() if ignore_file.exists() else ""
    if entry not in text.splitlines():
        ignore_file.parent.mkdir(parents=True, exist_ok=True)
        ignore_file.write_text(text + ("\n" if text and not text.endswith("\n") else "") + entry + "\n")
