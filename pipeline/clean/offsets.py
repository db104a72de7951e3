"""Mapping offsets in clean text back to the raw file.

Clean text is built from pieces of the raw text. Most pieces are copied
verbatim; a few (HTML entities such as ``&amp;``) stand for a longer stretch
of raw text. A run records one piece: where it starts in the clean text, where
it starts in the raw text, and how long it is on each side.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    clean_start: int
    raw_start: int
    clean_len: int
    raw_len: int


class OffsetMap:
    """Piecewise map from clean-text offsets to raw-text offsets."""

    def __init__(self, runs: list[Run]):
        self.runs = runs
        self._starts = [r.clean_start for r in runs]

    def _index_at(self, pos: int) -> int | None:
        i = bisect_right(self._starts, pos) - 1
        if i < 0:
            return None
        run = self.runs[i]
        return i if pos < run.clean_start + run.clean_len else None

    def to_raw(self, start: int, end: int) -> tuple[int, int] | None:
        """Raw (start, end) for clean [start, end), or None if it crosses a gap."""
        if end <= start:
            return None
        i, j = self._index_at(start), self._index_at(end - 1)
        if i is None or j is None:
            return None
        for k in range(i, j):  # the span must not cross a paragraph separator
            a, b = self.runs[k], self.runs[k + 1]
            if a.clean_start + a.clean_len != b.clean_start:
                return None
        first, last = self.runs[i], self.runs[j]
        raw_start = _raw_pos(first, start)
        raw_end = _raw_pos(last, end - 1) + (1 if last.clean_len == last.raw_len else last.raw_len)
        return raw_start, raw_end

    def to_json(self) -> list[list[int]]:
        return [[r.clean_start, r.raw_start, r.clean_len, r.raw_len] for r in self.runs]

    @classmethod
    def from_json(cls, data: list[list[int]]) -> "OffsetMap":
        return cls([Run(*row) for row in data])


def _raw_pos(run: Run, pos: int) -> int:
    if run.clean_len == run.raw_len:
        return run.raw_start + (pos - run.clean_start)
    return run.raw_start


class TextBuilder:
    """Accumulates clean text and its offset map piece by piece."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.runs: list[Run] = []
        self.length = 0

    def add_raw(self, text: str, raw_start: int) -> None:
        """Append `text`, copied verbatim from raw[raw_start:...]."""
        if text:
            self._extend(text, raw_start, len(text))

    def add_replaced(self, text: str, raw_start: int, raw_len: int) -> None:
        """Append `text` that stands for raw[raw_start:raw_start+raw_len]."""
        if text:
            self._extend(text, raw_start, raw_len)

    def add_separator(self, text: str) -> None:
        """Append text with no raw counterpart (paragraph breaks)."""
        self.parts.append(text)
        self.length += len(text)

    def _extend(self, text: str, raw_start: int, raw_len: int) -> None:
        last = self.runs[-1] if self.runs else None
        if (
            last is not None
            and len(text) == raw_len
            and last.clean_len == last.raw_len
            and last.clean_start + last.clean_len == self.length
            and last.raw_start + last.raw_len == raw_start
        ):
            self.runs[-1] = Run(last.clean_start, last.raw_start, last.clean_len + len(text), last.raw_len + raw_len)
        else:
            self.runs.append(Run(self.length, raw_start, len(text), raw_len))
        self.parts.append(text)
        self.length += len(text)

    def build(self) -> tuple[str, OffsetMap]:
        return "".join(self.parts), OffsetMap(self.runs)
