"""Does training's tracking child process still pay for itself? One run, side by side.

`PATH=.venv/bin:$PATH .venv/bin/python bench/tracking.py [--repeat N]` renders the default project without
DVC (MLflow tracking), builds it and prepares its data, then copies it and changes the copy's tracking.py
to the simplest in-process design: the backend's tracker created in the training process itself
(`BACKENDS[backend](settings, root)` instead of `BackgroundTracker(settings, root)`). Both train the same
model with MLflow (`train.cv_folds=0`), round-robin, and the table prints the medians and their ratio.
The child process pays when the in-process time is clearly above the child's.
"""

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from common import COPY, progress, run

IN_PROCESS = "tracker = Tracker() if backend == \"none\" else BACKENDS[backend](settings, root)"
CHILD = "tracker = Tracker() if backend == \"none\" else BackgroundTracker(settings, root)"


def project(root: Path) -> Path:
    """The default project without DVC, built and with its data prepared."""
    folder = root / "child"
    run([*COPY, "--data=use_dvc=false", "--data=cml=false", str(folder)])
    run(["make", "env"], cwd=folder)
    run(["make", "data"], cwd=folder)
    return folder


def in_process_copy(child: Path) -> Path:
    """The same project, its tracking.py changed to track in the training process; a fresh environment."""
    folder = child.parent / "in-process"
    shutil.copytree(child, folder, ignore=shutil.ignore_patterns(".venv", "mlflow.db", "mlruns"))
    (tracking,) = folder.glob("src/*/tracking.py")
    text = tracking.read_text()
    if CHILD not in text:
        sys.exit(f"{tracking}: the tracking_run line changed; update bench/tracking.py")
    tracking.write_text(text.replace(CHILD, IN_PROCESS))
    run(["make", "env"], cwd=folder)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory(prefix="bench-tracking-") as temporary:
        progress("rendering and building the project (twice)")
        child = project(Path(temporary))
        in_process = in_process_copy(child)
        train = ["make", "train", "ARGS=train.cv_folds=0 tracking.backend=mlflow"]
        times = {"child": [], "in-process": []}
        for folder in (child, in_process):  # warm-up: creates each MLflow store
            run(train, cwd=folder)
        for attempt in range(repeat):
            progress(f"round {attempt + 1} of {repeat}")
            for name, folder in (("child", child), ("in-process", in_process)):
                times[name].append(run(train, cwd=folder))
    medians = {name: statistics.median(values) for name, values in times.items()}
    print("| `make train` with MLflow tracking (no CV) | median | min |")
    print("| --- | --- | --- |")
    for name, values in times.items():
        label = "tracking in a child process (the project's design)" if name == "child" else "tracking in-process"
        print(f"| {label} | {medians[name]:.2f} s | {min(values):.2f} s |")
    print(f"| in-process / child | {medians['in-process'] / medians['child']:.2f}x | |")


if __name__ == "__main__":
    main()
