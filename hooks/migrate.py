"""Copier migration (before an update): move files that newer template releases renamed.

Copier passes the versions as environment variables (VERSION_PEP440_FROM, VERSION_PEP440_TO);
answers are not rendered into migration commands, so the package name comes from the
project's answers file.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from project_hooks.migrations import migrate, package_name  # noqa: E402

root = Path.cwd()
for move in migrate(root, os.environ["VERSION_PEP440_FROM"], os.environ["VERSION_PEP440_TO"], package_name(root)):
    print(f"  migration {move.version}: moved {move.source} -> {move.destination}")
