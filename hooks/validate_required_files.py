"""Copier task: fail, naming every missing file, when the rendered project is incomplete."""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from project_hooks.validation import validate  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--package", required=True)
args = parser.parse_args()
sys.exit(validate(Path.cwd(), args.package))
