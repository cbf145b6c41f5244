"""Progress: a tqdm bar (counts, rate, ETA) on a terminal; quiet line-based log lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class Progress:
    """Counts files, documents and segments; ``total_files`` (when known) gives the ETA."""

    def __init__(self, total_files: int | None, stream: TextIO | None = None, enabled: bool = True,
                 interval: float = 10.0, tty: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = self.stream.isatty() if tty is None else tty
        self.total_files = total_files
        self.files = self.documents = self.segments = self.skipped_docs = 0
        self.start = time.monotonic()
        self.last_line = self.start
        self.interval = interval
        self.bar: Any = None
        if enabled and self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total_files, unit="file", file=self.stream, mininterval=0.5,
                            desc="batch", smoothing=0.1)

    def document(self, segments: int, last_of_member: bool, resumed: bool = False) -> None:
        self.documents += 1
        self.segments += segments
        if last_of_member:
            self.files += 1
        if self.bar is not None:
            if last_of_member:
                self.bar.update(1)
            self.bar.set_postfix(docs=self.documents, segs=self.segments, seg_s=f"{self.rate:.0f}", refresh=False)
        elif self.enabled:
            now = time.monotonic()
            if now - self.last_line >= self.interval:
                self.last_line = now
                self._line()

    def file_skipped(self) -> None:
        self.files += 1
        if self.bar is not None:
            self.bar.update(1)

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.start
        return self.segments / elapsed if elapsed > 0 else 0.0

    def _line(self, final: bool = False) -> None:
        total = f"/{self.total_files}" if self.total_files else ""
        eta = ""
        if self.total_files and self.files and not final:
            remaining = (time.monotonic() - self.start) * (self.total_files - self.files) / self.files
            eta = f" eta {remaining:.0f}s"
        word = "done" if final else "progress"
        print(f"batch {word}: files {self.files}{total} documents {self.documents} segments {self.segments} "
              f"rate {self.rate:.1f} seg/s{eta}", file=self.stream, flush=True)

    def message(self, text: str) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.enabled:
            self._line(final=True)
