"""Reading the project's own tab-separated data files (gazetteers), shared by the
cleaner (outlet names) and the components (places and organizations)."""

from __future__ import annotations

import csv
from pathlib import Path


def read_tsv(path: Path) -> list[dict[str, str]]:
    """Rows of a headed TSV file as dicts; no rows if the file does not exist."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
