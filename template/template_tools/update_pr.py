"""`update-pr`: the scheduled CI job's one call, so that template releases arrive as a pull request.

It decides whether there is something to propose, pulls the newest release with `update` (conflicts are
allowed here: their markers stay in the files, for review on the branch), and writes the pull request's
title and body: the template CHANGELOG's sections between the project's version and the new one, and the
files to resolve. The CI job commits, pushes and opens or edits the pull request only when the body exists.

Nothing is written, and the command still succeeds, when there is nothing to propose: the template cannot
be reached from here (a local path this machine does not have, a private or offline host), the project is
up to date, or the branch already proposes the newest release (a closed pull request thus skips that
release until a newer one comes out).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import yaml
from packaging.version import Version

from .source import ANSWERS_FILE, project_root, template_origin
from .check_update import git_url, parse_version, release_tags
from .update import uncommitted_changes, update_leaving_conflicts

# GitHub refuses a pull request body longer than 65536 characters.
MAX_NOTES = 60_000
URL_PREFIXES = ("git@", "git+", "gh:", "gl:")


def notice(message: str) -> None:
    """A message that does not fail the job; on GitHub Actions also an annotation on the run's summary."""
    if os.environ.get("GITHUB_ACTIONS") == "true":
        print("::notice title=Template update::" + message.replace("%", "%25").replace("\n", "%0A"))
    print(f"update-pr  {message}")


def reachable_release_tags(source: str) -> dict[Version, str] | None:
    """The template's releases, or None (and a notice saying why) when they cannot be listed from here."""
    is_url = "://" in source or source.startswith(URL_PREFIXES)
    if not is_url and not Path(source).expanduser().exists():
        notice(f"No update check: the template source is a local path ({source}) that this machine does not "
               f"have. To get updates here, set _src_path in {ANSWERS_FILE} to the template's git URL and "
               "commit it.")
        return None
    try:
        return release_tags(source)
    except RuntimeError as error:
        notice(f"No update check: the template cannot be reached from here ({error}); no update is proposed "
               "this time.")
        return None


def proposed_version(root: Path, remote: str, branch: str) -> Version | None:
    """The template version that the update branch on the remote already holds, if the branch exists."""
    listed = subprocess.run(["git", "ls-remote", "--heads", remote, branch], cwd=root, capture_output=True,
                            text=True, check=False)
    if listed.returncode != 0 or not listed.stdout.strip():
        return None
    subprocess.run(["git", "fetch", "--quiet", remote, f"refs/heads/{branch}"], cwd=root, check=True)
    shown = subprocess.run(["git", "show", f"FETCH_HEAD:{ANSWERS_FILE}"], cwd=root, capture_output=True,
                           text=True, check=False)
    answers = yaml.safe_load(shown.stdout) if shown.returncode == 0 else None
    return parse_version(str(answers.get("_commit"))) if isinstance(answers, dict) else None


def template_changelog(source: str, tag: str) -> str | None:
    """CHANGELOG.md of the template at a tag (a shallow clone); None if it has none or the clone failed."""
    with tempfile.TemporaryDirectory(prefix="template-changelog-") as folder:
        cloned = subprocess.run(["git", "clone", "--quiet", "--depth=1", f"--branch={tag}", git_url(source), folder],
                                capture_output=True, check=False)
        if cloned.returncode != 0:
            return None
        path = Path(folder, "CHANGELOG.md")
        return path.read_text(encoding="utf-8") if path.is_file() else None


def release_notes(changelog: str, current: Version | None, latest: Version) -> str:
    """The `## vX.Y.Z` sections after the current version up to the latest one (only the latest's when the
    current version is unknown), their headings one level down to sit under the body's own."""
    sections: list[list[str]] = []
    keep = False
    for line in changelog.splitlines():
        if line.startswith("## "):
            version = parse_version(line[3:].split()[0]) if line[3:].split() else None
            keep = version is not None and version <= latest and (
                version > current if current is not None else version == latest)
            if keep:
                sections.append([])
        if keep:
            sections[-1].append("#" + line if line.startswith("#") else line)
    notes = "\n\n".join("\n".join(section).strip() for section in sections)
    if len(notes) > MAX_NOTES:
        notes = notes[:MAX_NOTES].rsplit("\n", 1)[0] + "\n\n(cut here: the rest is in the template's CHANGELOG.md)"
    return notes


def pull_request_body(source: str, current: str, tag: str, notes: str | None, conflicts: list[str]) -> str:
    if conflicts:
        listing = "\n".join(f"- `{name}`" for name in conflicts)
        conflict_text = (f"The update left {len(conflicts)} file(s) to resolve. Their conflict markers "
                         "(`<<<<<<<` ... `>>>>>>>`) are committed on this branch as `copier update` left them: "
                         "edit each file on this branch (or a checkout of it), keep what you want, remove the "
                         f"markers, commit, and merge.\n\n{listing}")
    else:
        conflict_text = "None: the update applied cleanly."
    notes_text = notes or f"The template's CHANGELOG.md has no section for the releases after {current}."
    return (f"This pull request updates the project from template {current} to {tag} (`make update`, which "
            f"runs `copier update`), from {source}. Review the changes, run `make test` on the branch, and "
            f"merge. Closing it skips {tag}; a newer release is proposed when it comes out.\n\n"
            f"## Conflicts\n\n{conflict_text}\n\n"
            f"## Upgrade notes from the template's CHANGELOG\n\n{notes_text}\n")


def main(output_dir: Path, remote: str = "origin", branch: str = "template-update") -> bool:
    """Update to the newest release and write title.txt and body.md into output_dir; False (nothing
    written) when there is nothing to propose."""
    root = project_root()
    source, commit = template_origin(root)
    print(f"template   {source} at {commit or 'unknown version'}")
    tags = reachable_release_tags(source)
    if tags is None:
        return False
    current = parse_version(commit or "")
    if not tags:
        notice("No update check: the template has no release tags.")
        return False
    latest = max(tags)
    if current is not None and latest <= current:
        print(f"latest     {latest}: up to date")
        return False
    proposed = proposed_version(root, remote, branch)
    if proposed is not None and proposed >= latest:
        print(f"latest     {latest}: the branch {branch} already proposes it; nothing to do.")
        return False
    print(f"latest     {latest}: updating for a pull request from the branch {branch}")
    conflicts = update_leaving_conflicts(root, tags[latest])
    if any(".github/workflows/" in line for line in uncommitted_changes(root)):
        notice(f"{tags[latest]} changes .github/workflows/: GitHub refuses that push from the job's own token; "
               "if it does, run `make update` by hand for this release.")
    changelog = template_changelog(source, tags[latest])
    notes = release_notes(changelog, current, latest) if changelog else None
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "title.txt").write_text(f"Update to template {tags[latest]}", encoding="utf-8")
    body = pull_request_body(source, commit or "unknown version", tags[latest], notes, conflicts)
    (output_dir / "body.md").write_text(body, encoding="utf-8")
    print(f"update-pr  {len(conflicts)} file(s) to resolve; title and body in {output_dir}")
    return True
