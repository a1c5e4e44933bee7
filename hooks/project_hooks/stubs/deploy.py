"""How a model bundle is delivered: the part of deployment that is yours to change.

TODO: deliver the bundle to your serving platform or model store. Until then it is copied
into a versioned folder under deploy.target, and deploying the same version twice keeps the
first copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path


def deploy(bundle: Path, target: Path) -> Path:
    """Copy bundle into target/<bundle name>; return the deployed folder."""
    # TODO: replace this local copy with an upload to where your models are served.
    destination = target / bundle.name
    if not destination.exists():
        shutil.copytree(bundle, destination)
    return destination
