"""Modify/delete conflicts of `copier update`, which copier (9.19) settles without a word.

A file you deleted stays deleted even when the release changed it (the change is dropped), and a file
the release removed is deleted even when you had changed it (your edits leave the work tree). Neither
leaves a conflict marker or a .rej file, and copier exits 0. To name these files, this renders the
template at the versions before and after the update, with the answers of each, and compares.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import yaml

from .source import ANSWERS_FILE


def start_render(root: Path, copier: str, answers: dict, destination: Path) -> subprocess.Popen:
    """Render the template version and answers of an answers file, without its tasks."""
    data_file = destination.with_suffix(".yml")
    data_file.write_text(yaml.safe_dump({k: v for k, v in answers.items() if not k.startswith("_")}))
    command = [copier, "copy", "--trust", "--defaults", "--skip-tasks", "--quiet", f"--data-file={data_file}",
               f"--vcs-ref={answers['_commit']}", str(answers["_src_path"]), str(destination)]
    return subprocess.Popen(command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def rendered_files(folder: Path) -> dict[str, bytes]:
    """Relative path -> content of every file a render wrote (its answers file aside)."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*")
            if path.is_file() and path.name != ANSWERS_FILE and ".git" not in path.relative_to(folder).parts}


def committed(root: Path, path: str) -> bytes | None:
    result = subprocess.run(["git", "show", f"HEAD:{path}"], cwd=root, capture_output=True, check=False)
    return result.stdout if result.returncode == 0 else None


def renders(root: Path, copier: str, answers_before: dict,
            answers_after: dict) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The files of both versions, rendered side by side."""
    with tempfile.TemporaryDirectory(prefix="update-check-") as folder:
        destinations = [Path(folder, "before"), Path(folder, "after")]
        processes = [start_render(root, copier, answers, destination)
                     for answers, destination in zip((answers_before, answers_after), destinations)]
        for process, answers in zip(processes, (answers_before, answers_after)):
            _, errors = process.communicate()
            if process.returncode != 0:
                raise RuntimeError(f"could not render the template at {answers['_commit']} to look for files "
                                   f"deleted on one side ({errors.strip()[-500:]}); `git status` lists the "
                                   "files the update deleted.")
        return rendered_files(destinations[0]), rendered_files(destinations[1])


def modify_delete_conflicts(root: Path, copier: str, answers_before: dict) -> list[str]:
    """Files deleted on one side of the update and changed on the other, each with what happened."""
    answers_after = yaml.safe_load((root / ANSWERS_FILE).read_text(encoding="utf-8"))
    before, after = renders(root, copier, answers_before, answers_after)
    found = []
    for path in sorted(before.keys() & after.keys()):
        if before[path] != after[path] and not (root / path).exists() and committed(root, path) is None:
            found.append(f"{path} (you deleted it and this release changed it: commit to keep it deleted)")
    for path in sorted(before.keys() - after.keys()):
        mine = committed(root, path)
        if mine is not None and mine != before[path] and not (root / path).exists() and not is_staged(root, path):
            found.append(f"{path} (this release deleted it and you had changed it: `git show HEAD:{path}` "
                         "has your version)")
    return found


def is_staged(root: Path, path: str) -> bool:
    """A deletion in the index was made on purpose by a migration (`git mv`, `git rm`), not by copier."""
    result = subprocess.run(["git", "diff", "--cached", "--quiet", "--", path], cwd=root, check=False)
    return result.returncode != 0
