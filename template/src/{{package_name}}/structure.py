"""Check the project against required_files.yml: required files fail, missing reports warn.

Standard library and PyYAML only, so the template's post-copy hook can run this very file
before the project has an environment: one implementation for the hook and `make check`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

CONTRACT = Path(__file__).with_name("required_files.yml")


def load_contract(path: Path = CONTRACT) -> dict:
    """The required-files contract as a dict."""
    return yaml.safe_load(path.read_text())


def missing_files(root: Path, contract: dict) -> list[str]:
    """Required paths that do not exist under root."""
    return [name for name in contract["required"] if not (root / name).exists()]


def missing_reports(root: Path, contract: dict) -> list[str]:
    """Expected report patterns that match no file under root."""
    return [pattern for pattern in contract.get("expected_reports", []) if not any(root.glob(pattern))]


def count_files(root: Path, contract: dict, kind: str) -> int:
    """Number of files matching the counts.<kind> pattern, ignoring .gitkeep placeholders."""
    return sum(
        1 for path in root.glob(contract["counts"][kind]) if path.is_file() and path.name != ".gitkeep"
    )


def main(argv: list[str] | None = None) -> int:
    """Print the result of the check; return 1 when a required file is missing."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--count", choices=["tests", "reports"], help="only print this count")
    parser.add_argument("--quiet", action="store_true", help="print only missing required files")
    args = parser.parse_args(argv)
    contract = load_contract()
    if args.count:
        print(f"{args.count}: {count_files(args.root, contract, args.count)} file(s)")
        return 0
    missing = missing_files(args.root, contract)
    if missing:
        print(f"Missing {len(missing)} required file(s) in {args.root.resolve()}:", file=sys.stderr)
        for name in missing:
            print(f"  - {name}", file=sys.stderr)
        print("Restore them (see required_files.yml) or run `copier update` to bring them back.", file=sys.stderr)
        return 1
    if args.quiet:
        return 0
    for pattern in missing_reports(args.root, contract):
        print(f"warning: no report matching {pattern} (expected before delivery; not an error)")
    print(f"structure  ok: {len(contract['required'])} required files present")
    return 0


if __name__ == "__main__":
    sys.exit(main())
