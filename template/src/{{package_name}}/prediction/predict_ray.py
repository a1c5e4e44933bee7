"""`predict --backend ray`: batch predictions with Ray Data, for inputs larger than one machine.

The input is a Parquet file, a folder of Parquet files or a glob; Ray Data reads it in blocks and
each worker predicts its blocks with BatchPredictor, which loads the model once per worker through
the same code as the local path and the API: the sha256 check against the metadata, then ONNX
Runtime on the checked export where it can (prediction/predictor.py). Each block takes the local
path's checks (model/input_checks.checked_features): raw-shaped dates prepared, a missing feature or
text in a numeric column refused by name, unknown categories counted or refused with
predict.unknown_categories=error. A small Tally actor brings the workers' counts and the first
refusal, in its own words, back to the driver (Ray would pass on only a traceback), and the rows done,
which the driver shows as progress (rows and rows per second) while the blocks run. Predictions are
written as Parquet parts into a temporary folder that replaces the output folder only when every
block succeeded. The input's columns that are not features (data.id_columns, any other id, the target)
are kept beside the predictions, so parts written in any order can be joined back to their rows.

Every node reads the input, the model and the output folder at the same path: on a cluster of
several machines they belong on storage that all nodes mount (see the README).
"""

from __future__ import annotations

import glob
import math
import shutil
import threading
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from ..helpers.files import replace_folder
from ..helpers.progress import Progress
from ..model.features import prepare_columns
from ..model.input_checks import UnknownCategories, checked_features, input_columns, known_categories, unknown_mode
from ..paths import ProjectPaths
from ..model.loading import load_trained
from .predictor import choose, predict_frame


class BatchPredictor:
    """A Ray Data worker's model: loaded and checked once, then called for each block."""

    def __init__(self, root: str, model_path: str | None, export_settings: dict[str, Any],
                 unknown_categories: str = "ignore", tally: Any = None) -> None:
        paths = ProjectPaths(Path(root))
        self.model, metadata = load_trained(paths, Path(model_path) if model_path else None)
        self.types = {f["name"]: f["type"] for f in metadata["features"]}
        self.columns = input_columns(metadata)
        self.unknown = UnknownCategories(known_categories(metadata["features"]), unknown_categories)
        self.tally = tally  # the Tally actor's handle; None (a test without Ray): counts stay in self.unknown
        # One ONNX Runtime thread: Ray gives each worker one CPU.
        self.onnx, _ = choose(paths, self.model, metadata, export_settings, "auto", threads=1)

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        try:
            prepared, features = checked_features(batch, self.columns, self.types, self.unknown)
        except ValueError as error:  # Ray hands the driver a traceback, not the error: tell the Tally first
            self.tell("refuse", str(error))
            raise
        predictions = predict_frame(self.onnx, self.model, features)
        if self.unknown.counts and self.tally is not None:
            self.tell("add", self.unknown.counts)
            self.unknown.counts = {}
        if self.tally is not None:  # no wait: the count is for the progress line only
            self.tally.count_rows.remote(len(batch))
        kept = prepared[[name for name in prepared.columns if name not in self.types and name not in predictions]]
        return pd.concat([kept, predictions], axis=1)

    def tell(self, method: str, value: Any) -> None:
        """Call a method of the Tally, if there is one, and wait: the driver reads it once the workers are done."""
        if self.tally is None:
            return
        import ray

        ray.get(getattr(self.tally, method).remote(value))


class Tally:
    """What the workers report to the driver (a Ray actor without a CPU of its own): the unknown-category
    counts of every worker, summed, the first check that refused a block, in its own words, and the rows
    predicted so far."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.refusal: str | None = None
        self.rows = 0

    def count_rows(self, rows: int) -> None:
        self.rows += rows

    def rows_done(self) -> int:
        return self.rows

    def add(self, counts: dict[str, int]) -> None:
        for name, count in counts.items():
            self.counts[name] = self.counts.get(name, 0) + count

    def refuse(self, message: str) -> None:
        self.refusal = self.refusal or message

    def report(self) -> tuple[dict[str, int], str | None]:
        return self.counts, self.refusal


def parquet_files(source: str) -> list[Path]:
    """The Parquet files that source names (a file, a folder, a glob), each checked to be one."""
    if glob.has_magic(source):
        files = sorted(Path(name) for name in glob.glob(source, recursive=True) if Path(name).is_file())
        where = f"No files match {source}"
    elif Path(source).is_dir():
        files = sorted(path for path in Path(source).rglob("*") if path.is_file() and not path.name.startswith("."))
        where = f"Input folder {source} is empty"
    elif Path(source).is_file():
        files, where = [Path(source)], ""
    else:
        raise FileNotFoundError(f"Input {source} not found: pass --input with a Parquet file, folder or glob.")
    if not files:
        raise FileNotFoundError(f"{where}: pass --input with a Parquet file, folder or glob.")
    return files


def measure(files: list[Path], features: list[str], columns: dict[str, Any] | None = None) -> tuple[int, int]:
    """Rows and uncompressed bytes of all files; fails before any work when a file is not Parquet or lacks
    a feature column (after its columns are shaped as in training: input_columns). Only the files' footers
    are read.
    """
    rows = size = 0
    for path in files:
        try:
            footer = pq.ParquetFile(path).metadata
            names = list(prepare_columns(pd.DataFrame(columns=footer.schema.names), columns or {}).columns)
        except (OSError, ValueError) as error:
            raise ValueError(f"{path} is not a readable parquet file ({error}): the ray backend reads Parquet "
                             "only; check it, or pass another --input; nothing was written.") from None
        missing = [name for name in features if name not in names]
        if missing:
            raise ValueError(f"{path} lacks feature columns the model needs: {missing}; nothing was written.")
        rows += footer.num_rows
        size += sum(footer.row_group(index).total_byte_size for index in range(footer.num_row_groups))
    return rows, size


# Ray Data reads the Parquet footers of its input on a pool of actors, 32 by default: 32 worker processes
# to start before the first row is read, half a minute on a small cluster. One per thousand files instead.
FOOTER_ACTORS = "RAY_DATA_PARQUET_FOOTER_NUM_ACTORS"


def footer_reader_actors(files: int) -> int:
    """FooterReader actors for an input of this many files (RAY_DATA_PARQUET_FOOTER_NUM_ACTORS)."""
    return min(32, max(1, math.ceil(files / 1000)))


def predict_on_ray(paths: ProjectPaths, source: Path, output: Path, model_path: Path | None,
                   metadata: dict[str, Any], params: dict[str, Any]) -> Path:
    """Predict every row of source on the Ray cluster into the output folder; return it."""
    if output.suffix == ".csv":
        raise ValueError(f"{output}: the ray backend writes a folder of Parquet parts, not a .csv file.")
    files = parquet_files(str(source))
    rows, size = measure(files, [f["name"] for f in metadata["features"]], input_columns(metadata))
    mode = unknown_mode(params)
    chunk_rows = int(params["predict"]["chunk_rows"])
    from ..helpers.ray_cluster import connect

    ray = connect("predict.backend", env_vars={FOOTER_ACTORS: str(footer_reader_actors(len(files)))})
    tmp = output.with_name(f".{output.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        tally = ray.remote(num_cpus=0)(Tally).remote()
        workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        # Blocks of about predict.chunk_rows rows, at least one per worker: the unit of work and of output
        # parts (Ray Data's default, 128 MiB blocks, would give one worker all of a small input).
        blocks = max(workers, math.ceil(rows / chunk_rows))
        ray.data.DataContext.get_current().target_max_block_size = max(1 << 20, math.ceil(size / blocks))
        ray.data.DataContext.get_current().enable_progress_bars = False  # one progress line: the rows (below)
        dataset = ray.data.read_parquet([str(path) for path in files])
        predictions = dataset.map_batches(
            BatchPredictor,
            fn_constructor_kwargs={"root": str(paths.root), "model_path": str(model_path) if model_path else None,
                                   "export_settings": dict(params["export"]), "unknown_categories": mode,
                                   "tally": tally},
            batch_format="pandas", batch_size=chunk_rows,
            # From one worker up to one per CPU: a fixed pool of one per CPU would leave none to read with.
            compute=ray.data.ActorPoolStrategy(min_size=1, max_size=workers),
        )
        output.parent.mkdir(parents=True, exist_ok=True)
        try:
            with Progress("predict", "rows", rows) as progress:
                write_showing_progress(predictions, tmp, tally, progress)
        except Exception:
            refusal = ray.get(tally.report.remote())[1]
            if refusal is None:
                raise
            raise ValueError(f"{refusal} Nothing was written.") from None
        unknown = UnknownCategories({}, mode, ray.get(tally.report.remote())[0])
        parts = len(list(tmp.glob("*.parquet")))
        replace_folder(tmp, output)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        ray.shutdown()
    unknown.report()
    print(f"predictions {output}/ ({rows} rows from {len(files)} file(s) into {parts} part(s), "
          f"up to {workers} worker(s))")
    return output


def write_showing_progress(predictions: Any, folder: Path, tally: Any, progress: Progress,
                           every_s: float = 1.0) -> None:
    """Write the predictions as Parquet parts into folder; meanwhile, every every_s seconds, move progress to
    the rows that the workers have told the Tally they predicted."""
    import ray

    def show(rows: int) -> None:
        progress.update(rows - progress.done)

    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(every_s):
            show(ray.get(tally.rows_done.remote()))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        predictions.write_parquet(str(folder))
    finally:
        stop.set()
        watcher.join()
    show(ray.get(tally.rows_done.remote()))
