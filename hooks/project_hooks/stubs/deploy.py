"""How a model bundle is delivered: the part of deployment that is yours to change.

TODO: deliver the bundle to your serving platform or model store. Until then it is copied into
target/<model name>-<version>/, where target is deploy.target: a folder, or an fsspec URL such as
s3://bucket/models once s3fs is installed. The copy appears under its final name only when
complete and verified, and deploying the same version twice copies nothing.
"""

from __future__ import annotations

from pathlib import Path

from ..helpers.publish import publish_bundle


def deploy(bundle: Path, target: str | Path) -> str:
    """Deliver bundle to target; return where it went."""
    # TODO: replace this copy with an upload to where your models are served; keep it idempotent
    # (deploying the same bundle twice must not create a second copy).
    return publish_bundle(bundle, str(target))
