"""Batch prediction streams: peak memory stays flat when the input grows tenfold.

The figures (rows per second, peak memory up to 10^7 rows) belong to the benchmark; this test
only guards the behaviour, with a generous bound.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .helpers import DEFAULTS, copier_copy, make_env, run

pytestmark = pytest.mark.e2e
ANSWERS = {**DEFAULTS, "use_dvc": False, "tracking": "none", "api": "none", "docker": False}
# Prints the peak resident memory (KiB) of the command it runs: ru_maxrss of waited-for children.
PEAK_RSS = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
MAKE_INPUT = """
import sys, numpy as np, pyarrow as pa, pyarrow.parquet as pq
rows, path = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
table = pa.table({f"x{i}": rng.standard_normal(rows) for i in range(8)})
if path.endswith(".csv"):
    table.to_pandas().to_csv(path, index=False)
else:
    pq.write_table(table, path, row_group_size=50_000)
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("memory") / "project"
    copier_copy(root, ANSWERS)
    make_env(root)
    run(["make", "train", "ARGS=data.dataset=synthetic data.synthetic.features=8 train.cv_folds=0 "
         "train.hyperparams.n_estimators.default_value=50"], cwd=root)
    return root


def peak_rss_kib(project: Path, rows: int, suffix: str) -> int:
    python = str(project / ".venv" / "bin" / "python")
    source = project / f"input-{rows}{suffix}"
    run([python, "-c", MAKE_INPUT, str(rows), str(source)], cwd=project)
    output = project / f"predictions-{rows}{suffix}"
    result = run([sys.executable, "-c", PEAK_RSS, python, "-m", "penguin_classifier", "predict",
                  "--input", str(source), "--output", str(output), "predict.chunk_rows=50000"], cwd=project)
    assert f"({rows} rows)" in result.stdout
    return int(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("suffix, small, large", [(".parquet", 100_000, 1_000_000), (".csv", 50_000, 500_000)])
def test_peak_memory_is_flat_as_the_input_grows_tenfold(project, suffix, small, large):
    small_peak = peak_rss_kib(project, small, suffix)
    large_peak = peak_rss_kib(project, large, suffix)
    # Loading everything would need ~10x the data memory; streaming keeps the peak nearly the same.
    assert large_peak < small_peak * 1.3, (small_peak, large_peak)
