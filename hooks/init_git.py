"""Copier task: `git init` the new project unless it already lives in a git work tree."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from project_hooks.gitrepo import init_repository  # noqa: E402

if init_repository(Path.cwd()):
    print("  initialised a git repository")
