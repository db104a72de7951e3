"""Reading what the review tools show: a run's records and the articles they name.

`report`, `diff` and `evaluate` take paths from documents.jsonl (`path`) and
doc ids from entities.jsonl, files anyone can edit. A path is only followed
when it stays inside its folder (the corpus for articles, the outputs for
clean texts): no absolute paths, no `..`, no symlink leading out. Articles are
decoded by the pipeline's own reader, so offsets agree with the run.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from pipeline.read.sources import RawDocument, ReadError, SourceFile, load

CLEAN_DIR = "clean"


class UnsafePath(ReadError):
    """A path named in a record that would leave its folder; the message says which and why."""


def confined(root: Path, relative: str, what: str = "path") -> Path:
    """`root / relative`, refused (UnsafePath) when it is absolute, climbs with `..` or resolves outside `root`."""
    if not isinstance(relative, str) or not relative:
        raise UnsafePath(f"{what} {relative!r}: not a relative path")
    posix = PurePosixPath(relative.replace("\\", "/"))
    if posix.is_absolute() or Path(relative).is_absolute() or (posix.parts and ":" in posix.parts[0]):
        raise UnsafePath(f"{what} {relative!r} is absolute; only paths inside {root} are read")
    if ".." in posix.parts:
        raise UnsafePath(f"{what} {relative!r} climbs out with '..'; only paths inside {root} are read")
    path = Path(root) / Path(*posix.parts)
    base = Path(root).resolve()
    resolved = path.resolve()
    if resolved != base and base not in resolved.parents:
        raise UnsafePath(f"{what} {relative!r} resolves to {resolved}, outside {root}; refused")
    return path


def read_article(corpus: Path, info: dict) -> RawDocument:
    """The raw article a documents.jsonl record names, decoded as the run decoded it (ReadError on failure)."""
    relpath = info.get("path")
    path = confined(Path(corpus), relpath, "documents.jsonl path")
    return load(SourceFile(info.get("doc") or str(relpath), path, str(relpath)))


def clean_file(out_dir: Path, doc: str, suffix: str) -> Path:
    """OUT/clean/<doc><suffix> (".txt" the clean text, ".json" its sidecar), confined to OUT/clean."""
    return confined(Path(out_dir) / CLEAN_DIR, f"{doc}{suffix}", "doc id")


def parse_jsonl(text: str, where: str) -> list[dict]:
    """Records of a JSON-lines text; a bad line raises ValueError naming `where` and the line number."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}:{n}: not JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise ValueError(f"{where}:{n}: not a JSON object")
        out.append(record)
    return out


def read_jsonl(path: Path) -> list[dict]:
    """Records of a JSON-lines file ([] when it does not exist)."""
    path = Path(path)
    if not path.exists():
        return []
    return parse_jsonl(path.read_text(encoding="utf-8"), str(path))
