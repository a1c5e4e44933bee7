"""Progress of long work (tuning trials, prediction rows), on stderr so that stdout keeps its results.

On a terminal, a live tqdm bar (tqdm comes with optuna, a dependency); elsewhere (CI logs, files), a
plain line every `every_s` seconds and a last one at the end, so a short run prints nothing extra.
Updates are per trial or per chunk of rows, never per row: the cost does not show in the timings.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class Progress:
    """Counts work done of an optional total; `note` adds what else to show (the best score so far)."""

    def __init__(self, label: str, unit: str, total: int | None = None, every_s: float = 10.0,
                 stream: TextIO | None = None) -> None:
        self.label, self.unit, self.total, self.every_s = label, unit, total, every_s
        self.stream = stream or sys.stderr
        self.done, self.note = 0, ""
        self.started = self.last_line = time.monotonic()
        self.bar: Any = None
        if self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=label, unit=f" {unit}", file=self.stream,
                            unit_scale=unit == "rows", dynamic_ncols=True)

    def update(self, count: int = 1, note: str = "") -> None:
        """Count `count` more units done; note (if any) replaces the previous one."""
        self.done += count
        self.note = note or self.note
        if self.bar is not None:
            self.bar.update(count)
            if note:
                self.bar.set_postfix_str(note, refresh=False)
        elif time.monotonic() - self.last_line >= self.every_s:
            self.print_line()

    def close(self) -> None:
        """End the bar; in a log, the last line when any periodic one was printed."""
        if self.bar is not None:
            self.bar.close()
        elif self.last_line > self.started:
            self.print_line()

    def print_line(self) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        of_total = f"/{self.total}" if self.total is not None else ""
        rate = f", {self.done / elapsed:,.0f} {self.unit}/s" if self.unit == "rows" else ""
        note = f", {self.note}" if self.note else ""
        print(f"{self.label:<10} {self.done}{of_total} {self.unit}{rate}{note} ({elapsed:.0f} s)",
              file=self.stream, flush=True)
        self.last_line = time.monotonic()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
