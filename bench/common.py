"""What the benchmarks share: the environment of every command, running and timing it, progress."""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1]
TOOLS = TEMPLATE / ".venv" / "bin"
COPY = [str(TOOLS / "copier"), "copy", "--trust", "--defaults", "--vcs-ref=HEAD", "--quiet", str(TEMPLATE)]


def bench_env():
    """The environment of every command: the template's tools first, no prompts, no telemetry.

    Variables that would change what is measured are dropped: a parent make's flags (when run by
    `make bench`), parameter overrides, and an activated virtualenv that uv would complain about.
    """
    env = {k: v for k, v in os.environ.items()
           if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "ARGS", "PARAMS_OVERRIDES", "VIRTUAL_ENV"}}
    env.update({
        "PATH": f"{TOOLS}{os.pathsep}{env.get('PATH', '')}",
        "DVC_NO_ANALYTICS": "1",
        "CI": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "PIP_NO_INPUT": "1",
        "UV_NO_PROGRESS": "1",
    })
    return env


ENV = bench_env()


def run(cmd, cwd=None):
    """Run cmd to completion and return its wall time in seconds; show its output if it fails."""
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=ENV, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(f"command failed ({done.returncode}): {' '.join(map(str, cmd))}\n")
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(1)
    return seconds


def output(cmd, cwd=None):
    """The stripped stdout of cmd, or "?" when it cannot run: only used for the header."""
    try:
        return subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def version(tool):
    """The version word of `tool --version` ("copier 9.19.1", "uv 0.13.8 (...)"), or "?"."""
    words = output([str(TOOLS / tool), "--version"]).split()
    return words[1] if len(words) > 1 else "?"


def progress(message):
    """Say what is running on stderr, so stdout holds only the table (or the JSON)."""
    print(f"  bench: {message}", file=sys.stderr, flush=True)


def summary(times):
    """Median and minimum of a list of seconds, plus the raw runs for --json."""
    return {"median": statistics.median(times), "min": min(times), "runs": times}
