"""QUANTITY values read by quantulum3, with the project's units added.

quantulum3 normalizes spans the number rules already found; it does not find
them (over whole sentences it reads years, durations and money as
quantities). It is imported on first use, once per process, so a process
that meets no QUANTITY span never pays for it (import, unit tables and first
parse: about 0.4 s; see bench/quantulum_cost.py). Project units (mu, jin, TEU, hectare as
"hectare", ...) come from models/units/custom_units.json through quantulum3's
custom-units mechanism; SI factors are computed from quantulum3's make-up of
each unit (prefix, powers of other units) down to the few base factors in
models/units/si.yml. Unit names are quantulum3's, so outputs, the generated
finding vocabulary (models/units/vocabulary.yml) and the gold share one
vocabulary.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from decimal import Decimal, localcontext
from functools import lru_cache
from pathlib import Path

import yaml

CUSTOM_UNITS = "custom_units.json"
SI_FILE = "si.yml"
# "100-square-meter", "5-kilogram": quantulum3 reads the words, not the hyphens.
# A hyphen between two numbers ("5-10 tonnes") stays: it is a range.
HYPHEN_RE = re.compile(r"(?<=[^\W_])-(?=[^\W\d_])")
# Unit names quantulum3 gives a bare number.
NO_UNIT = frozenset({"dimensionless", "unk"})


def _decimal(spec) -> Decimal:
    """"1e3", "0.5", "2000/3" (an exact fraction) as a Decimal."""
    text = str(spec)
    if "/" in text:
        num, den = text.split("/")
        return Decimal(num) / Decimal(den)
    return Decimal(text)


def clean_float(value: float) -> Decimal | None:
    """quantulum3's float as the decimal the text wrote: 32299999999.999996 -> 32300000000.

    News numbers have far fewer than 15 significant digits, so rounding to 15
    removes binary noise and nothing the text said. An infinite float (a
    number of 400 digits) is no value: None.
    """
    return Decimal(f"{value:.15g}") if math.isfinite(value) else None


@dataclass
class Quantulum:
    """quantulum3's parser and unit tables with the project's units loaded."""

    parser: object
    units: object
    si_unit: dict[str, str]
    prefixes: list[tuple[str, Decimal]]
    factors: dict[str, tuple[Decimal, Decimal]]

    def parse(self, text: str) -> list:
        return self.parser.parse(HYPHEN_RE.sub(" ", text))

    def si_factor(self, name: str, depth: int = 0) -> tuple[Decimal, Decimal] | None:
        """(factor, offset) to the SI unit of the unit's entity, or None if unknown."""
        if name in self.factors:
            return self.factors[name]
        unit = self.units.names.get(name)
        if unit is None or depth > 8:
            return None
        dims = unit.dimensions or []
        if dims and not (len(dims) == 1 and dims[0]["base"] == name and dims[0]["power"] == 1):
            factor = Decimal(1)
            for dim in dims:
                part = self.si_factor(dim["base"], depth + 1)
                if part is None or part[1] != 0:
                    return None
                factor *= part[0] ** int(dim["power"])
            return factor, Decimal(0)
        for prefix, scale in self.prefixes:  # "kilowatt" = kilo + watt
            rest = name[len(prefix):]
            if name.startswith(prefix) and rest in self.units.names:
                part = self.si_factor(rest, depth + 1)
                if part is None or part[1] != 0:
                    return None
                return scale * part[0], Decimal(0)
        return None


@lru_cache(maxsize=2)
def load_quantulum(units_dir: str) -> Quantulum:
    """Import quantulum3 and load models/units/ into it (once per process)."""
    with warnings.catch_warnings():
        # quantulum3 warns at import that its optional classifier (scikit-learn) is
        # absent; it then disambiguates from its word lists, which is what we want.
        warnings.simplefilter("ignore")
        from quantulum3 import load, parser
    folder = Path(units_dir)
    load.load_custom_units([str(folder / CUSTOM_UNITS)], use_general_units=True, use_language_units=True)
    si = yaml.safe_load((folder / SI_FILE).read_text(encoding="utf-8"))
    factors = {}
    for name, spec in si["factors"].items():
        if isinstance(spec, dict):
            factors[name] = (_decimal(spec["factor"]), _decimal(spec.get("offset", 0)))
        else:
            factors[name] = (_decimal(spec), Decimal(0))
    prefixes = sorted(((p, _decimal(v)) for p, v in si["prefixes"].items()), key=lambda kv: -len(kv[0]))
    return Quantulum(parser=parser, units=load.units("en_US"), si_unit=dict(si["si_unit"]),
                     prefixes=prefixes, factors=factors)


def read_quantity(text: str, units_dir: Path) -> dict:
    """{"value", "unit", ["value_max"], ["value_si", "unit_si"]} of one QUANTITY span (no qualifier).

    Values are Decimals; `unit` is quantulum3's unit name (None when it finds
    no unit, the value is then the bare number it read).
    """
    q3 = load_quantulum(str(units_dir))
    found = q3.parse(text)
    if not found:
        return {"value": None, "unit": None}
    with_unit = [q for q in found if q.unit.name not in NO_UNIT]
    chosen = with_unit or found[:1]
    first = chosen[0]
    value = clean_float(first.value)
    value_max = None
    if first.uncertainty:  # "5 to 10 tonnes" is 7.5 +- 2.5 to quantulum3
        value, value_max = clean_float(first.value - first.uncertainty), clean_float(first.value + first.uncertainty)
    elif len(chosen) == 2:  # "5 million tonnes-8 million tonnes"
        value_max = clean_float(chosen[1].value)
    unit = first.unit.name if first.unit.name not in NO_UNIT else None
    out: dict = {"value": value, "unit": unit}
    if value is None:
        return out
    if value_max is not None:
        out["value_max"] = value_max
    entity = first.unit.entity.name
    conversion = q3.si_factor(unit) if unit else None
    if conversion is not None and entity in q3.si_unit:
        with localcontext() as ctx:
            ctx.prec = 40
            si = value * conversion[0] + conversion[1]
        # 12 significant digits: more than any factor here is known to, and no 0.30000000000000004.
        out["value_si"] = Decimal(f"{si:.12g}")
        out["unit_si"] = q3.si_unit[entity]
    return out
