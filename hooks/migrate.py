"""Copier migration of a project update: before it, move renamed files and release untouched owned
files; after it, restore a released file that the new answers did not render (project_hooks.migrations).

Copier passes the stage and the versions as environment variables (STAGE, VERSION_PEP440_FROM, ...);
answers are not rendered into migration commands, so the package name comes from the
project's answers file.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from project_hooks.migrations import migrate, package_name, release_untouched, restore_unrendered  # noqa: E402

root = Path.cwd()
package = package_name(root)
if os.environ["STAGE"] == "before":
    for move in migrate(root, os.environ["VERSION_PEP440_FROM"], os.environ["VERSION_PEP440_TO"], package):
        print(f"  migration {move.version}: moved {move.source} -> {move.destination}")
    for path in release_untouched(root, package):
        print(f"  migration: {path} is as a release wrote it; the update brings the new version")
else:
    for path in restore_unrendered(root, package):
        print(f"  migration: kept {path} (the new answers do not render it)")
