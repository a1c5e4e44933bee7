"""Copier task: scaffold train/predict/deploy stubs (copy only, include_example=no)."""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from project_hooks.scaffold import scaffold_stubs  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--package", required=True)
args = parser.parse_args()
for path in scaffold_stubs(Path.cwd(), args.package):
    print(f"  scaffolded {path.relative_to(Path.cwd())}")
