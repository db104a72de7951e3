"""Component data as files inside a saved pipeline.

A rule component is initialized once from models/ and from then on carries
its data: `to_disk` writes the files it was built from next to the
pipeline, `from_disk` rebuilds from those copies. A pipeline saved with
`nlp.to_disk` therefore needs nothing outside its own folder.
"""

from __future__ import annotations

from pathlib import Path

import srsly

CFG_NAME = "cfg.json"


def read_files(folder: Path) -> dict[str, bytes]:
    """Every regular file directly in `folder`, by name (sorted, so saves are byte-identical)."""
    folder = Path(folder)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}


def write_files(path: Path, files: dict[str, bytes], cfg: dict) -> None:
    """Write `files` and a small cfg.json into the component folder `path`."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (path / name).write_bytes(data)
    srsly.write_json(path / CFG_NAME, cfg)


def read_cfg(path: Path) -> dict:
    return srsly.read_json(Path(path) / CFG_NAME)
