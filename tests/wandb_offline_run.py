"""Print what an offline W&B run recorded (config and summary) as JSON, read from its .wandb file.

Run with the generated project's Python (it has wandb): `python wandb_offline_run.py [--history] RUN_DIR`
(--history: also each logged row, with its _step).
The run file is W&B's transaction log: a 7-byte header (":W&B", magic, version), then 32 KiB
blocks of chunks, each with a 7-byte header (crc32, length, type: 1 full, 2 first, 3 middle,
4 last) carrying wandb_internal_pb2.Record messages, W&B's own protobuf schema.
"""

import json
import struct
import sys
from pathlib import Path

from wandb.proto import wandb_internal_pb2

BLOCK, HEADER = 32768, 7
FULL, LAST = 1, 4


def records(path: Path):
    data = path.read_bytes()
    if data[:4] != b":W&B":
        raise SystemExit(f"{path} is not a W&B run file")
    position, pending = HEADER, b""
    while position + HEADER <= len(data):
        left_in_block = BLOCK - position % BLOCK
        if left_in_block < HEADER:  # the rest of a block too small for a header is padding
            position += left_in_block
            continue
        _, length, kind = struct.unpack("<IHB", data[position:position + HEADER])
        if kind == 0 and length == 0:
            position += left_in_block
            continue
        pending += data[position + HEADER:position + HEADER + length]
        position += HEADER + length
        if kind in (FULL, LAST):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pending)
            pending = b""
            yield record


def key(item) -> str:
    """An item's key; W&B puts some in nested_key instead."""
    return item.key or "/".join(item.nested_key)


def main(run_dir: Path, with_history: bool = False) -> None:
    config, summary, history = {}, {}, []
    for record in records(next(run_dir.glob("run-*.wandb"))):
        kind = record.WhichOneof("record_type")
        if kind == "config":
            config.update({key(item): json.loads(item.value_json) for item in record.config.update})
        elif kind == "history":
            row = {key(item): json.loads(item.value_json) for item in record.history.item}
            summary.update(row)
            history.append(row)
        elif kind == "summary":
            summary.update({key(item): json.loads(item.value_json) for item in record.summary.update})
    print(json.dumps({"config": config, "summary": summary, **({"history": history} if with_history else {})}))


if __name__ == "__main__":
    main(Path(sys.argv[-1]), with_history="--history" in sys.argv[1:-1])
