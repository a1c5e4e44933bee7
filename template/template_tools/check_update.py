"""`check-update`: tell whether the template has a newer release than this project uses."""

from __future__ import annotations

import subprocess

from packaging.version import InvalidVersion, Version

from .source import project_root, template_origin

# Copier's shortcuts for hosted repositories.
URL_PREFIXES = {"gh:": "https://github.com/", "gl:": "https://gitlab.com/"}


def parse_version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def git_url(source: str) -> str:
    """The source as git understands it (copier's gh: and gl: shortcuts expanded, its git+ prefix removed)."""
    source = source.removeprefix("git+")
    for prefix, url in URL_PREFIXES.items():
        if source.startswith(prefix):
            return url + source[len(prefix):]
    return source


def release_tags(source: str) -> dict[Version, str]:
    """Final (not pre-release) PEP 440 versions among the template repository's tags, with each tag's name."""
    source = git_url(source)
    result = subprocess.run(["git", "ls-remote", "--tags", source], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"Cannot list the tags of the template at {source}: {result.stderr.strip()}")
    tags = {line.split("refs/tags/", 1)[1].removesuffix("^{}") for line in result.stdout.splitlines()
            if "refs/tags/" in line}
    versions = {tag: parse_version(tag) for tag in tags}
    return {version: tag for tag, version in sorted(versions.items())
            if version is not None and not version.is_prerelease}


def template_releases(source: str) -> list[Version]:
    """Final (not pre-release) PEP 440 versions among the template repository's tags."""
    return sorted(release_tags(source))


def main() -> Version | None:
    """Print the project's template version and the newest release; return the newer one, if any."""
    source, commit = template_origin(project_root())
    commit = commit or ""
    current = parse_version(commit)
    releases = template_releases(source)
    latest = releases[-1] if releases else None
    print(f"template   {source} at {commit or 'unknown version'}")
    if latest is None:
        print("latest     no release tags found")
        return None
    if current is not None and latest <= current:
        print(f"latest     {latest}: up to date")
        return None
    print(f"latest     {latest}: run `make update` to upgrade (see the template's CHANGELOG.md)")
    return latest
