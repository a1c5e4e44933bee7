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
# Python caches each module's bytecode, as on users' machines: with PYTHONDONTWRITEBYTECODE set (some CI
# machines set it), every command of every generated project compiles pandas, scikit-learn, MLflow and DVC
# from source again, about 5 s of each `make train` (measured: 8.9 s against 3.9 s).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than the machine has cores. The tests spend part of their time waiting
    (servers and Ray nodes starting, uv and pip on the network, subprocesses): on 2 cores three workers
    took 19 min 10 s where two took 20 min 44 s, every test passing."""
    return (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1) + 1


# xdist (--dist loadscope) hands whole modules to its workers in collection order; --no-loadscope-reorder
# keeps that order (by default xdist puts the modules with the most tests first: the quick rendering
# ones). The longest go first, so that none of them starts late and runs alone at the end. Longest first,
# from the worker minutes per module that a full run prints at its end.
LONGEST_MODULES_FIRST = [  # worker minutes on 2026-12-06 (2 cores): 6.0, 5.8, 4.7, 3.5, 3.0, 2.1, 1.9, ...
    "test_e2e.py", "test_tracking.py", "test_plugins.py", "test_ray.py", "test_faults.py", "test_upgrade_path.py",
    "test_own_data.py", "test_ci.py", "test_api.py", "test_steps.py", "test_update.py", "test_export_deploy.py",
    "test_render.py", "test_docker.py", "test_questions.py", "test_update_pr.py", "test_predict_memory.py",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: index for index, name in enumerate(LONGEST_MODULES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: order within a module kept


MODULE_SECONDS: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Adds up each module's time (setup, call, teardown; on the controller with xdist too)."""
    module = report.nodeid.split("::", 1)[0]
    MODULE_SECONDS[module] = MODULE_SECONDS.get(module, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter) -> None:
    """Worker minutes per module, longest first: where the suite's time goes, and the order above."""
    if not MODULE_SECONDS:
        return
    terminalreporter.section("worker minutes per module")
    for module, seconds in sorted(MODULE_SECONDS.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"{seconds / 60:6.1f}  {module}")
    terminalreporter.write_line(f"{sum(MODULE_SECONDS.values()) / 60:6.1f}  in all")
