"""Connect to the Ray cluster that `tune` and `predict` use when their backend is ray.

RAY_ADDRESS names a running cluster (`ray start --head`, `ray up`, KubeRay: see the README);
without it a local Ray instance starts for the run and stops after it. Either way the project
package is shipped to the workers with the runtime_env (py_modules), so a worker runs this very
code even where the project is not installed; the workers need the project's dependencies (the
same Ray and library versions). Ray's usage statistics stay off: nothing leaves the machine.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from types import ModuleType

from ..config import ConfigError

PACKAGE = __name__.split(".")[0]


def require_ray(setting: str) -> None:
    """Fail, saying how to install it, when Ray (an optional extra) is missing; cheap: nothing is imported."""
    if importlib.util.find_spec("ray") is None:
        raise ConfigError(f"{setting} is ray but Ray is not installed in this environment: "
                          "run `make env EXTRAS=ray` (the project's optional extra ray).")


def runtime_env(env_vars: dict[str, str] | None = None) -> dict:
    """What each worker receives: the project package (its source, caches left out), and env_vars."""
    env = {"py_modules": [importlib.import_module(PACKAGE)], "excludes": ["__pycache__", "*.pyc"]}
    return {**env, "env_vars": env_vars} if env_vars else env


def connect(setting: str, env_vars: dict[str, str] | None = None) -> ModuleType:
    """ray, initialised on the cluster at RAY_ADDRESS or on a new local instance; prints which. env_vars are
    set for the driver (this process) and for every worker of the run; a variable already set here wins."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    require_ray(setting)
    env_vars = {name: os.environ.get(name, value) for name, value in (env_vars or {}).items()}
    os.environ.update(env_vars)
    import ray
    address = os.environ.get("RAY_ADDRESS") or None
    ray.init(address=address, runtime_env=runtime_env(env_vars), include_dashboard=False, log_to_driver=False)
    where = f"cluster at {address}" if address else "a local Ray instance (set RAY_ADDRESS for a cluster)"
    nodes = sum(1 for node in ray.nodes() if node["Alive"])
    print(f"ray        {where}: {nodes} node(s), {int(ray.cluster_resources().get('CPU', 0))} CPU(s), "
          f"ray {ray.__version__}")
    return ray
