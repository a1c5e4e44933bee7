"""What the benchmarks share: the environment of every command, running and timing it, progress."""

import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1]
TOOLS = TEMPLATE / ".venv" / "bin"
COPY = [str(TOOLS / "copier"), "copy", "--trust", "--defaults", "--vcs-ref=HEAD", "--quiet", str(TEMPLATE)]


def bench_env():
    """The environment of every command: the template's tools first, no prompts, no telemetry.

    Variables that would change what is measured are dropped: a parent make's flags (when run by
    `make bench`), parameter overrides, an activated virtualenv that uv would complain about, and
    PYTHONDONTWRITEBYTECODE: Python caches compiled modules on users' machines, and with it set (some CI
    machines set it) every process would compile pandas and scikit-learn again, seconds of nothing ours.
    """
    dropped = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "ARGS", "PARAMS_OVERRIDES", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
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


def round_robin(commands, cwd, repeat, label):
    """{name: [seconds...]} of each command run repeat times, after one warm-up each, in turns, so that
    drift of the machine affects them alike."""
    for name, command in commands.items():
        progress(f"{name} warm-up")
        run(command, cwd=cwd)
    times = {name: [] for name in commands}
    for i in range(repeat):
        progress(f"{label} {i + 1}/{repeat}")
        for name, command in commands.items():
            times[name].append(run(command, cwd=cwd))
    return times


def children():
    """{pid: parent pid} of every process on the machine."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    return parents


def descendants(roots):
    """The processes below roots (roots included)."""
    parents, found = children(), set(roots)
    grew = True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in found} - found
        found |= below
        grew = bool(below)
    return found


def rss_and_name(pid):
    """(resident KiB, short name) of a process, or None when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    rss = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    words = [word.decode() for word in command if word]
    name = words[0] if words and words[0].startswith("ray::") else " ".join(Path(w).name for w in words[:4])
    return rss, name


class PeakMemory:
    """Samples the RSS of every process below some roots every 0.2 s while a command runs; keeps each one's
    peak (peaks, KiB by pid) and the peak of their sum (total_kib: the process tree's)."""

    def __init__(self, roots):
        self.roots, self.peaks, self.names, self.done = list(roots), {}, {}, threading.Event()
        self.total_kib = 0
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self):
        while not self.done.wait(0.2):
            total = 0
            for pid in descendants(self.roots):
                found = rss_and_name(pid)
                if found:
                    total += found[0]
                    self.peaks[pid] = max(self.peaks.get(pid, 0), found[0])
                    # A worker starts as `python setup_worker.py` and takes its ray:: title later.
                    if found[1].startswith("ray::") or pid not in self.names:
                        self.names[pid] = found[1]
            self.total_kib = max(self.total_kib, total)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()


def timed(command, cwd, env, roots=()):
    """Wall seconds of command and the peak memory of its processes (and of the processes below roots);
    the command's output (stdout and stderr) is the memory's `output`."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    with PeakMemory([process.pid, *roots]) as memory:
        out = process.communicate()[0]
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{command} failed:\n{out}")
    memory.output = out
    return seconds, memory
