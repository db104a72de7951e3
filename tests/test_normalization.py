"""Each normalization form in ANNOTATION.md, and more."""

import pytest

from pipeline.components.lexicon import lexicon_path, load_lexicon
from pipeline.components.normalization import normalize_date, normalize_money, normalize_percent, normalize_quantity


@pytest.fixture(scope="module")
def lex(settings):
    return load_lexicon(lexicon_path(settings.models_dir))


@pytest.mark.parametrize("text, expected", [
    ("120 million yuan", {"amount": 120000000, "currency": "CNY", "qualifier": "exact"}),
    ("$17.3 million", {"amount": 17300000, "currency": "USD", "qualifier": "exact"}),
    ("RMB 7.5 billion", {"amount": 7500000000, "currency": "CNY", "qualifier": "exact"}),
    ("nearly RMB 5 billion", {"amount": 5000000000, "currency": "CNY", "qualifier": "approx"}),
    ("more than RMB 1.1 million", {"amount": 1100000, "currency": "CNY", "qualifier": "over"}),
    ("600 yuan", {"amount": 600, "currency": "CNY", "qualifier": "exact"}),
    ("1,400 yuan", {"amount": 1400, "currency": "CNY", "qualifier": "exact"}),
    ("5 million to 8 million yuan", {"amount": 5000000, "amount_max": 8000000, "currency": "CNY"}),
    ("5 to 8 million yuan", {"amount": 5000000, "amount_max": 8000000, "currency": "CNY"}),
    ("$2 billion and $3 billion", {"amount": 2000000000, "amount_max": 3000000000, "currency": "USD"}),
    ("HK$1.8 billion", {"amount": 1800000000, "currency": "HKD"}),
    ("US$3m", {"amount": 3000000, "currency": "USD"}),
    ("€40 million", {"amount": 40000000, "currency": "EUR"}),
    ("2.5 billion euros", {"amount": 2500000000, "currency": "EUR"}),
    ("up to 300 million yen", {"amount": 300000000, "currency": "JPY", "qualifier": "under"}),
    ("about 185 million U.S. dollars", {"amount": 185000000, "currency": "USD", "qualifier": "approx"}),
])
def test_money(lex, text, expected):
    got = normalize_money(text, lex)
    assert {k: got.get(k) for k in expected} == expected


@pytest.mark.parametrize("text, expected", [
    ("473 percent", {"value": 473, "qualifier": "exact"}),
    ("about 30 to 60 percent", {"value": 30, "value_max": 60, "qualifier": "approx"}),
    ("approximately 90%", {"value": 90, "qualifier": "approx"}),
    ("6.3%", {"value": 6.3}),
    ("Twenty percent", {"value": 20}),
    ("twenty-five per cent", {"value": 25}),
    ("2.2 percentage points", {"value": 2.2, "unit": "percentage point"}),
    ("20-25%", {"value": 20, "value_max": 25}),
])
def test_percent(lex, text, expected):
    got = normalize_percent(text, lex)
    assert {k: got.get(k) for k in expected} == expected


@pytest.mark.parametrize("text, published, value", [
    ("2018-01-26", None, "2018-01-26"),
    ("January 23, 2018", None, "2018-01-23"),
    ("February 4", "2018-01-26", "2018-02-04"),
    ("Tuesday", "2018-01-26", "2018-01-23"),
    ("2017", None, "2017"),
    ("February 2017", None, "2017-02"),
    ("last year", "2019-07-27", "2018"),
    ("this year", "2018-01-26", "2018"),
    ("10 years ago", "2019-07-27", "2009"),
    ("January to September this year", "2018-11-07", "2018-01/2018-09"),
    ("2018 to 2020", None, "2018/2020"),
    ("third quarter of 2022", None, "2022-07/2022-09"),
    ("first half of 2021", None, "2021-01/2021-06"),
    ("late March", "2021-04-16", "2021-03"),
    ("January and April", "2024-05-20", "2024-01/2024-04"),
    ("13th Five-Year Plan period", None, "2016/2020"),
    ("Nov 11", None, None),
    ("last year", None, None),
])
def test_date(text, published, value):
    assert normalize_date(text, published).get("value") == value


def test_quantity(lex):
    got = normalize_quantity("160 metric tons", lex)
    assert got["value"] == 160 and got["unit"] == "tonne" and got["value_si"] == 160000 and got["unit_si"] == "kilogram"
    got = normalize_quantity("more than 12,000 tonnes", lex)
    assert got["value"] == 12000 and got["qualifier"] == "over"
    assert normalize_quantity("45 hectares", lex)["value_si"] == 450000
