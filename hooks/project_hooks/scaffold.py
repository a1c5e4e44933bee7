"""Scaffold the train/predict/deploy stubs of a project rendered without the example.

Runs on `copier copy` only: the stubs belong to the user from the first moment, so no later
update or hook run may touch them. A file that already exists is never overwritten.
"""

from __future__ import annotations

from pathlib import Path
from string import Template

STUBS_DIR = Path(__file__).parent / "stubs"
# stub file name -> where it goes inside the package
STUB_TARGETS = {
    "train.py": "model/train.py",
    "predict.py": "model/predict.py",
    "deploy.py": "model/deploy.py",
}


def scaffold_stubs(project_root: Path, package: str) -> list[Path]:
    """Write each stub into src/<package>/ unless the file exists; return what was written."""
    package_dir = project_root / "src" / package
    if not package_dir.is_dir():
        raise FileNotFoundError(f"{package_dir} does not exist: was the template rendered here?")
    written = []
    for stub_name, relative_target in STUB_TARGETS.items():
        target = package_dir / relative_target
        if target.exists():
            continue
        text = Template((STUBS_DIR / stub_name).read_text()).substitute(package=package)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        written.append(target)
    return written
