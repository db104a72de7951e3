"""QUANTITY spans: found with the vocabulary generated from quantulum3, read by quantulum3."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.components.lexicon import lexicon_path, load_lexicon, load_units
from pipeline.components.normalization import normalize_quantity
from pipeline.components.numbers import find_amounts
from pipeline.review.evaluation import value_matches

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "models" / "units"


@pytest.fixture(scope="module")
def lex(settings):
    return load_lexicon(lexicon_path(settings.models_dir))


def quantities(text, lex):
    return [text[s:e] for s, e, label in find_amounts(text, lex) if label == "QUANTITY"]


@pytest.mark.parametrize("text, value, unit, value_si, unit_si", [
    # Project units, added through quantulum3's custom units (models/units/custom_units.json).
    ("45 hectares", 45, "hectare", 450000, "square metre"),
    ("3,000 mu", 3000, "mu", 2000000, "square metre"),
    ("1.63 million mu", 1630000, "mu", 1086666666.666667, "square metre"),
    ("8 jin", 8, "jin", 4, "kilogram"),
    ("46.2 GWh", 46.2, "gigawatt hour", 166320000000000, "joule"),
    ("5 metric tonnes", 5, "tonne", 5000, "kilogram"),
    ("2.4 km2", 2.4, "square kilometre", 2400000, "square metre"),
    ("120 km/h", 120, "kilometre per hour", 100 / 3, "metre per second"),
    # Factors derived from quantulum3's make-up of the unit (prefix, powers).
    ("3 square kilometers", 3, "square kilometre", 3000000, "square metre"),
    ("10 kWh", 10, "kilowatt hour", 36000000, "joule"),
    ("50 liters", 50, "litre", 0.05, "cubic metre"),
    ("500 megawatts", 500, "megawatt", 500000000, "watt"),
    ("7 nanometers", 7, "nanometre", 0.000000007, "metre"),
    ("30 degrees Celsius", 30, "degree Celsius", 303.15, "kelvin"),
    # Base factors from models/units/si.yml.
    ("2.5 million barrels", 2500000, "barrel", 397468.23732, "cubic metre"),
    ("300 pounds", 300, "pound-mass", 136.077711, "kilogram"),
    ("1,000 acres", 1000, "acre", 4046856.4224, "square metre"),
    # Hyphen-joined forms modify a noun: "a 100-square-meter flat".
    ("100-square-meter", 100, "square metre", 100, "square metre"),
    ("60,000-square-meter", 60000, "square metre", 60000, "square metre"),
    ("5-kilogram", 5, "kilogram", 5, "kilogram"),
    ("12-kilometer", 12, "kilometre", 12000, "metre"),
    # Exact decimals, not binary noise.
    ("32.3 billion cubic meters", 32300000000, "cubic metre", 32300000000, "cubic metre"),
    ("two tonnes", 2, "tonne", 2000, "kilogram"),
])
def test_values_units_and_si(lex, text, value, unit, value_si, unit_si):
    got = normalize_quantity(text, lex)
    assert (got["value"], got["unit"], got["unit_si"]) == (value, unit, unit_si)
    assert got["value_si"] == pytest.approx(value_si, rel=1e-9)
    assert type(got["value"]) is type(value)


def test_no_si_factor_when_unknown(lex):
    """"tons" alone may be short or metric: a unit, no SI guess. TEU is a count of boxes."""
    got = normalize_quantity("300 tons", lex)
    assert got["unit"] == "ton" and "value_si" not in got
    got = normalize_quantity("24,000 TEU", lex)
    assert got["value"] == 24000 and got["unit"] == "twenty-foot equivalent unit" and "value_si" not in got


@pytest.mark.parametrize("text, value, value_max, qualifier", [
    ("5 to 10 tonnes", 5, 10, "exact"),
    ("30-40 kilometers", 30, 40, "exact"),
    ("about 5 million to 8 million tonnes", 5000000, 8000000, "approx"),
    ("more than 12,000 tonnes", 12000, None, "over"),
])
def test_ranges_and_qualifiers(lex, text, value, value_max, qualifier):
    got = normalize_quantity(text, lex)
    assert (got["value"], got.get("value_max"), got["qualifier"]) == (value, value_max, qualifier)


def test_spans_found_in_sentences(lex):
    text = ("The farm spans 3,200 mu, about 213 hectares, and grows 8 jin of tea per mu. A 100-square-meter "
            "shop sells 5-kilogram bags; the port handled 24,000 TEU and the plant stores 46.2 GWh. "
            "Trains run at 350 km/h over 1,318 kilometres, and 145 farmers sold 1.6 million pounds worth of pork.")
    assert quantities(text, lex) == ["3,200 mu", "about 213 hectares", "8 jin", "100-square-meter", "5-kilogram",
                                     "24,000 TEU", "46.2 GWh", "350 km/h", "over 1,318 kilometres"]


def test_every_vocabulary_form_is_found_and_read_back(lex):
    """The finder and the reader share one vocabulary: each generated form, in a sentence, is
    found as a QUANTITY and quantulum3 gives it the unit the vocabulary names."""
    wrong = []
    for form, unit in sorted(load_units(UNITS).items()):
        text = f"They measured 7 {form} on Monday."
        found = quantities(text, lex)
        got = normalize_quantity(found[0], lex) if found else {}
        if found != [f"7 {form}"] or got.get("unit") != unit or got.get("value") != 7:
            wrong.append((form, found, got.get("unit")))
    assert not wrong


def test_vocabulary_is_generated_and_current():
    """models/units/vocabulary.yml is scripts/build_units.py's output for the pinned quantulum3."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_units
    finally:
        sys.path.pop(0)
    assert build_units.build(UNITS) == (UNITS / "vocabulary.yml").read_text(encoding="utf-8")
    data = yaml.safe_load((UNITS / "vocabulary.yml").read_text(encoding="utf-8"))
    assert data["provenance"]["quantulum3"] and data["provenance"]["units"] >= 80
    for name in ("hectare", "mu", "jin", "twenty-foot equivalent unit", "tonne", "square metre", "kilometre"):
        assert name in data["units"], name


def test_gold_units_are_quantulum3_names():
    units = set(load_units(UNITS).values())
    for path in sorted((ROOT / "corpus" / "gold").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            if rec["label"] == "QUANTITY":
                assert rec["unit"] in units, (path.name, rec["text"], rec["unit"])


def test_evaluation_scores_quantity_value_and_unit():
    gold = {"label": "QUANTITY", "value": 160, "unit": "tonne"}
    assert value_matches(gold, {"label": "QUANTITY", "value": 160, "unit": "tonne"}) is True
    assert value_matches(gold, {"label": "QUANTITY", "value": 160, "unit": "ton"}) is False
    assert value_matches(gold, {"label": "QUANTITY", "value": 16, "unit": "tonne"}) is False


def _probe(code: str, seed: str = "0") -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True, timeout=300).stdout


LAZY = """
import sys
from pipeline.settings import Settings
from pipeline.extractor.extraction import Extractor
from pipeline.clean.cleaner import clean_text
ex = Extractor(Settings.load())
def run(raw):
    cleaned = clean_text(raw, ex.settings.clean, ex.settings.models_dir)
    return [e["label"] for e in ex.entities("t", raw, cleaned)]
labels = run("Sales in Hangzhou rose 12 percent to 3 million yuan in 2021.")
print("QUANTITY" in labels, "quantulum3" in sys.modules)
labels = run("The county planted 3,000 mu of tea in 2021.")
print("QUANTITY" in labels, "quantulum3" in sys.modules)
"""


def test_quantulum3_imported_only_for_a_quantity_span():
    assert _probe(LAZY).split() == ["False", "False", "True", "True"]


def test_readings_do_not_depend_on_hash_seed():
    """quantulum3 keeps candidate units in sets; the readings must not vary with PYTHONHASHSEED."""
    code = ("import json; from pathlib import Path; from pipeline.components.lexicon import load_units\n"
            "from pipeline.components.units import read_quantity\n"
            "u = Path('models/units'); forms = sorted(load_units(u))\n"
            "print(json.dumps({f: str(read_quantity('7 ' + f, u)) for f in forms}))")
    assert _probe(code, "1") == _probe(code, "2")
