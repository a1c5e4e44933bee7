"""A real two-node Ray cluster on this machine, for the Ray tests and bench/ray.py.

Each node is a `ray start --block` process in a process group of its own: stopping the cluster
ends exactly those groups (the node, its raylet and its workers), never another user's Ray, which
`ray stop` would kill too. Token authentication is on, with a token made for this cluster and
handed to every command through the environment (RAY_AUTH_TOKEN), as on a real cluster.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from .helpers import free_port

STARTUP_SECONDS = 180
OBJECT_STORE_BYTES = 300 * 1024 * 1024
# Prints the ids of the cluster's live nodes, one per line.
NODE_IDS = ("import ray; ray.init(log_to_driver=False); "
            "print('\\n'.join(n['NodeID'] for n in ray.nodes() if n['Alive']))")


class Cluster(NamedTuple):
    """A running cluster: the environment that reaches it, its node ids, the pids of its `ray start` processes."""

    env: dict[str, str]
    node_ids: list[str]
    pids: list[int]


def ray_env(address: str | None, token: str) -> dict[str, str]:
    """What a command needs to reach the cluster: its address, its token, and no usage statistics."""
    env = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token, "RAY_USAGE_STATS_ENABLED": "0"}
    return {**env, "RAY_ADDRESS": address} if address else env


def node_ids(python: Path, env: dict[str, str]) -> list[str]:
    """The live nodes of the cluster that env points at."""
    try:
        done = subprocess.run([str(python), "-c", NODE_IDS], env={**os.environ, **env}, capture_output=True,
                              text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return []
    return done.stdout.split() if done.returncode == 0 else []


def stop(nodes: list[subprocess.Popen]) -> None:
    """End the process groups of the nodes: SIGTERM (ray start --block stops its processes), then SIGKILL."""
    for signal_number in (signal.SIGTERM, signal.SIGKILL):
        for node in reversed(nodes):
            try:
                os.killpg(node.pid, signal_number)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        for node in nodes:
            try:
                node.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass


@contextmanager
def two_node_cluster(venv: Path, cpus_per_node: int = 1) -> Iterator[Cluster]:
    """Start a head and a second node with the Ray of venv; yield the running Cluster.

    Fails with the nodes' output when the cluster does not come up: never a silent skip.
    """
    ray = venv / "bin" / "ray"
    port, token = free_port(), secrets.token_hex(32)
    temp = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))  # short: Ray's socket paths must fit 107 bytes
    env = {**os.environ, **ray_env(None, token)}
    # Ports that default to fixed numbers are given free ones: two nodes (and maybe a bench) share this machine.
    common = ["--block", "--node-ip-address=127.0.0.1", f"--num-cpus={cpus_per_node}",
              f"--object-store-memory={OBJECT_STORE_BYTES}", "--disable-usage-stats"]
    logs = [temp / "head.log", temp / "node.log"]
    nodes: list[subprocess.Popen] = []
    try:
        nodes.append(subprocess.Popen(
            [str(ray), "start", "--head", f"--port={port}", "--include-dashboard=false", f"--temp-dir={temp}",
             f"--dashboard-port={free_port()}", f"--ray-client-server-port={free_port()}", *common,
             f"--dashboard-agent-listen-port={free_port()}"],
            env=env, stdout=logs[0].open("w"), stderr=subprocess.STDOUT, start_new_session=True))
        address = f"127.0.0.1:{port}"
        reach = ray_env(address, token)
        deadline = time.monotonic() + STARTUP_SECONDS
        while not node_ids(venv / "bin" / "python", reach):
            assert nodes[0].poll() is None and time.monotonic() < deadline, \
                f"Ray head did not start:\n{logs[0].read_text()}"
            time.sleep(2)
        nodes.append(subprocess.Popen(
            [str(ray), "start", f"--address={address}", *common,
             f"--dashboard-agent-listen-port={free_port()}"], env=env, stdout=logs[1].open("w"),
            stderr=subprocess.STDOUT, start_new_session=True))
        while len(ids := node_ids(venv / "bin" / "python", reach)) < 2:
            assert nodes[1].poll() is None and time.monotonic() < deadline, \
                f"second Ray node did not join:\n{logs[1].read_text()}"
            time.sleep(2)
        yield Cluster(reach, ids, [node.pid for node in nodes])
    finally:
        stop(nodes)
        shutil.rmtree(temp, ignore_errors=True)
