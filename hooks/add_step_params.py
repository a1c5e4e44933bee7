"""Copier task of the step generator: put the new step's parameter defaults in params.yaml."""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from project_hooks.step_params import add_step_params  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--package", required=True)
parser.add_argument("--name", required=True)
parser.add_argument("--parameters", required=True, help="JSON list of {name, type, default}")
args = parser.parse_args()
sys.exit(add_step_params(Path.cwd(), args.package, args.name, json.loads(args.parameters)))
