"""`predict`: batch predictions from a Parquet or CSV file into data/predictions.

The input is read and written in chunks of predict.chunk_rows rows, so memory stays flat
however large the file is. The output appears only when every chunk succeeded. Each chunk is
predicted by ONNX Runtime on the checked export when it can (commands/predictor.py; the first
line says which runtime and why), with as many threads as cores. The input may be shaped like the
raw table (dates and dropped columns are prepared as staging did); its data.id_columns are written
beside the predictions, so rows can be joined back. Each chunk is checked against the schema in the
model's metadata: a missing feature column or text in a numeric column stops with the column named;
categories training never saw are counted per column, or refused with predict.unknown_categories=error.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..config import load_params, project_root
from ..helpers.files import atomic_path
from ..helpers.progress import Progress
from ..helpers.ray_cluster import require_ray
from ..model.input_checks import UnknownCategories, checked_features, input_columns, known_categories, unknown_mode
from ..paths import ProjectPaths
from ..model.loading import load_trained
from ..prediction.predictor import choose, predict_frame

SUPPORTED = (".parquet", ".csv")


def read_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Yield the rows of a Parquet or CSV file, chunk_rows at a time; a damaged file is named in the error."""
    try:
        if path.suffix == ".parquet":
            # pre_buffer=False: pyarrow would otherwise read whole column chunks ahead of the batches.
            for batch in pq.ParquetFile(path, pre_buffer=False).iter_batches(batch_size=chunk_rows):
                yield batch.to_pandas()
        else:
            yield from pd.read_csv(path, chunksize=chunk_rows)
    except (OSError, ValueError) as error:  # truncated or corrupted: pyarrow's and pandas' parser errors
        raise ValueError(f"{path} is not a readable {path.suffix[1:]} file ({error}): check it, or pass "
                         "another --input; nothing was written.") from None


def write_chunks(chunks: Iterator[pd.DataFrame], output: Path) -> int:
    """Write chunks to a Parquet or CSV file atomically; return the number of rows."""
    rows = 0
    with atomic_path(output) as tmp:
        writer = None
        try:
            for chunk in chunks:
                if output.suffix == ".parquet":
                    table = pa.Table.from_pandas(chunk, preserve_index=False)
                    writer = writer or pq.ParquetWriter(tmp, table.schema)
                    writer.write_table(table)
                else:
                    chunk.to_csv(tmp, mode="a", header=rows == 0, index=False)
                rows += len(chunk)
        finally:
            if writer is not None:
                writer.close()
    return rows


def with_ids(chunk: pd.DataFrame, columns: dict[str, Any], onnx: Any, model: Any, types: dict[str, str],
             unknown: UnknownCategories) -> pd.DataFrame:
    """The predictions of a chunk of input rows (checked_features), after the chunk's id columns (those it has)."""
    prepared, features = checked_features(chunk, columns, types, unknown)
    predicted = predict_frame(onnx, model, features)
    ids = [name for name in columns["id_columns"] if name in prepared.columns]
    return pd.concat([prepared[ids], predicted], axis=1) if ids else predicted


def counted(frames: Iterator[pd.DataFrame], progress: Progress) -> Iterator[pd.DataFrame]:
    """The frames, unchanged, counting their rows once each is consumed (written)."""
    for frame in frames:
        yield frame
        progress.update(len(frame))


def main(
    input_path: Path | None = None,
    output_path: Path | None = None,
    model_path: Path | None = None,
    overrides: Sequence[str] = (),
    backend: str | None = None,
) -> Path:
    """Predict every row of the input file with the latest (or given) model.

    backend (default predict.backend) ray hands the work to predict_ray, once the model is checked.
    """
    params = load_params(overrides)
    backend = backend or params["predict"].get("backend", "local")
    if backend == "ray":
        require_ray("predict.backend")  # before any work
    paths = ProjectPaths(project_root())
    model, metadata = load_trained(paths, model_path)
    source = paths.resolve(
        input_path or params["predict"]["input"] or paths.test_file(metadata["data"]["dataset"])
    )
    if backend == "ray":
        from ..prediction.predict_ray import predict_on_ray

        output = paths.resolve(output_path or params["predict"]["output_folder"])
        return predict_on_ray(paths, source, output, model_path, metadata, params)
    output = paths.resolve(output_path or params["predict"]["output"])
    for path in (source, output):
        if path.suffix not in SUPPORTED:
            raise ValueError(f"{path}: only {' and '.join(SUPPORTED)} files are supported.")
    if not source.is_file():
        raise FileNotFoundError(f"Input {source} not found: run `make data` or pass --input.")
    types = {f["name"]: f["type"] for f in metadata["features"]}
    unknown = UnknownCategories(known_categories(metadata["features"]), unknown_mode(params))
    chunk_rows = int(params["predict"]["chunk_rows"])
    onnx, runtime = choose(paths, model, metadata, dict(params["export"]), "auto")
    print(f"runtime    {runtime}")
    chunks = read_chunks(source, chunk_rows)
    columns = input_columns(metadata)
    total = pq.ParquetFile(source).metadata.num_rows if source.suffix == ".parquet" else None
    with Progress("predict", "rows", total) as progress:
        predictions = (with_ids(chunk, columns, onnx, model, types, unknown) for chunk in chunks)
        rows = write_chunks(counted(predictions, progress), output)
    unknown.report()
    print(f"predictions {output} ({rows} rows)")
    return output
