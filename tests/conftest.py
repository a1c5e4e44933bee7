"""Fixtures and environment for the template's test suite."""

from __future__ import annotations

import os

import pytest

# Tests commit and tag; give git an identity and keep tools quiet and offline-friendly.
os.environ.update({
    "GIT_AUTHOR_NAME": "Template Tests", "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "Template Tests", "GIT_COMMITTER_EMAIL": "tests@example.com",
    "DVC_NO_ANALYTICS": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "UV_PYTHON_DOWNLOADS": "never",
})


@pytest.fixture(scope="session")
def rendered_root(tmp_path_factory: pytest.TempPathFactory):
    """A session-wide folder for rendered projects that several tests read."""
    return tmp_path_factory.mktemp("rendered")
