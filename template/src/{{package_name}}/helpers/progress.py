"""Progress of long work (tuning trials, prediction rows, copied MB), on stderr so that stdout keeps its results.

On a terminal, a live tqdm bar (tqdm comes with optuna, a dependency); elsewhere (CI logs, files), a
plain line every `every_s` seconds (PROGRESS_SECONDS in the environment, else 10) and a last one at the
end, so a short run prints nothing extra.
Updates are per trial or per chunk of rows, never per row: the cost does not show in the timings.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, TextIO

RATE_UNITS = ("rows", "MB")  # units whose rate per second is worth showing


class Progress:
    """Counts work done of an optional total; `note` adds what else to show (the best score so far)."""

    def __init__(self, label: str, unit: str, total: float | None = None, every_s: float | None = None,
                 stream: TextIO | None = None) -> None:
        self.label, self.unit, self.total = label, unit, total
        self.every_s = every_s if every_s is not None else seconds_between_lines()
        self.stream = stream or sys.stderr
        self.done, self.note = 0, ""
        self.started = self.last_line = time.monotonic()
        self.bar: Any = None
        if self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=label, unit=f" {unit}", file=self.stream,
                            unit_scale=unit == "rows", dynamic_ncols=True)

    def update(self, count: float = 1, note: str = "") -> None:
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
        of_total = f"/{self.total:,.0f}" if self.total is not None else ""
        rate = f", {self.done / elapsed:,.0f} {self.unit}/s" if self.unit in RATE_UNITS else ""
        note = f", {self.note}" if self.note else ""
        print(f"{self.label:<10} {self.done:,.0f}{of_total} {self.unit}{rate}{note} ({elapsed:.0f} s)",
              file=self.stream, flush=True)
        self.last_line = time.monotonic()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def seconds_between_lines() -> float:
    """PROGRESS_SECONDS, the seconds between two progress lines in a log (0: a line per update), else 10."""
    value = os.environ.get("PROGRESS_SECONDS", "10")
    try:
        return max(float(value), 0.0)
    except ValueError:
        raise ValueError(f"PROGRESS_SECONDS={value!r} is not a number of seconds: set it to 10, say, or unset it.") \
            from None
