"""MONEY, PERCENT and number words on hard cases (sentences invented for these tests)."""

import sys
from pathlib import Path

import pytest

from pipeline.components.lexicon import lexicon_path, load_lexicon
from pipeline.components.normalization import normalize_money, normalize_percent, normalize_quantity
from pipeline.components.numbers import find_amounts

ROOT = Path(__file__).resolve().parent.parent
NORMALIZE = {"MONEY": normalize_money, "PERCENT": normalize_percent, "QUANTITY": normalize_quantity}


@pytest.fixture(scope="module")
def lex(settings):
    return load_lexicon(lexicon_path(settings.models_dir))


def amounts(text, lex):
    """[(span text, label, normalized fields)] in text order."""
    return [(text[s:e], label, NORMALIZE[label](text[s:e], lex)) for s, e, label in sorted(find_amounts(text, lex))]


def only(text, lex):
    found = amounts(text, lex)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("sentence, span, amount, currency", [
    # Currency names from CLDR (models/lexicon/currencies.yml).
    ("Kerala will spend 500 million Indian rupees on coastal roads.", "500 million Indian rupees", 500000000, "INR"),
    ("The lender set aside 2 billion Chinese yuan for rural loans.", "2 billion Chinese yuan", 2000000000, "CNY"),
    ("Nairobi floated a bond worth 30 billion Kenyan shillings.", "30 billion Kenyan shillings", 30000000000, "KES"),
    ("The airline lost 4.1 billion South Korean won in March.", "4.1 billion South Korean won", 4100000000, "KRW"),
    ("The cooperative earned 900,000 Swiss francs.", "900,000 Swiss francs", 900000, "CHF"),
    # Hand entries win over CLDR: in Chinese outlets the bare yen sign is the yuan.
    ("Tickets cost ¥80 at the gate.", "¥80", 80, "CNY"),
    ("The shop charged CN¥45 for a box of tea.", "CN¥45", 45, "CNY"),
    # Hyphen-joined amounts.
    ("The start-up raised US$171-million in its latest round.", "US$171-million", 171000000, "USD"),
    ("Work began on a 1.2-billion-yuan logistics park.", "1.2-billion-yuan", 1200000000, "CNY"),
    ("She handed the driver a 50-yuan note.", "50-yuan", 50, "CNY"),
    # Attached scales.
    ("The club paid £300m for the squad.", "£300m", 300000000, "GBP"),
    ("The stadium cost £1.2bn in the end.", "£1.2bn", 1200000000, "GBP"),
    # South Asian scales.
    ("The district approved Rs 5 crore for the scheme.", "Rs 5 crore", 50000000, "INR"),
    ("Each family will get Rs 2.5 lakh under the plan.", "Rs 2.5 lakh", 250000, "INR"),
    ("The budget is Rs 1.2 lakh crore this year.", "Rs 1.2 lakh crore", 1200000000000, "INR"),
    # Spelled-out amounts with a scale.
    ("Sales reached two billion yuan last year.", "two billion yuan", 2000000000, "CNY"),
    ("The fund lent half a million dollars to farmers.", "half a million dollars", 500000, "USD"),
    ("Donors gave one hundred and twenty million yuan.", "one hundred and twenty million yuan", 120000000, "CNY"),
])
def test_money(lex, sentence, span, amount, currency):
    money = [a for a in amounts(sentence, lex) if a[1] == "MONEY"]
    assert len(money) == 1, money
    text, _, value = money[0]
    assert (text, value["amount"], value["currency"]) == (span, amount, currency)
    assert type(value["amount"]) is int


def test_amounts_are_exact_decimals(lex):
    """Decimal arithmetic: 32.3 x 10^9 is 32300000000, not 32299999999.999996."""
    for text, amount in (("$32.3 billion", 32300000000), ("2.14 trillion yuan", 2140000000000),
                         ("€0.7 billion", 700000000), ("HK$4.35 million", 4350000), ("US$1.15bn", 1150000000)):
        got = normalize_money(text, lex)["amount"]
        assert got == amount and type(got) is int, (text, got)
    assert normalize_money("$2.75", lex)["amount"] == 2.75
    assert normalize_percent("12.3 percent", lex)["value"] == 12.3


def test_two_percentages_joined_by_and_are_two_spans(lex):
    text = "Exports rose 7% and 9% in the two halves, and 3 percent and 4 percent before that."
    assert [(t, v["value"]) for t, label, v in amounts(text, lex)] == [
        ("7%", 7), ("9%", 9), ("3 percent", 3), ("4 percent", 4)]
    # After "between" it is one range.
    t, _, v = only("Growth will be between 5% and 6% next year.", lex)
    assert (t, v["value"], v["value_max"]) == ("5% and 6%", 5, 6)


def test_two_amounts_joined_by_and(lex):
    text = "The bank issued $2 billion and $3 billion of notes."
    assert [t for t, _, _ in amounts(text, lex)] == ["$2 billion", "$3 billion"]


def test_compound_number_words(lex):
    """text2num reads compound words; the lexicon keeps "a hundred" and "half a million"."""
    t, label, v = only("The new line runs one hundred and twenty kilometers through the hills.", lex)
    assert (t, label, v["value"], v["unit"]) == ("one hundred and twenty kilometers", "QUANTITY", 120, "kilometre")
    t, _, v = only("The yard shipped half a million tonnes of coal.", lex)
    assert (t, v["value"], v["value_si"]) == ("half a million tonnes", 500000, 500000000)
    t, _, v = only("The village is a hundred kilometres from the coast.", lex)
    assert (t, v["value"]) == ("a hundred kilometres", 100)
    t, _, v = only("Twenty-five percent of the crop was lost.", lex)
    assert (t, v["value"]) == ("Twenty-five percent", 25)
    t, _, v = only("Output rose two hundred and five percent.", lex)
    assert (t, v["value"]) == ("two hundred and five percent", 205)
    t, _, v = only("The farm grew three thousand two hundred tonnes of rice.", lex)
    assert v["value"] == 3200


@pytest.mark.parametrize("sentence", [
    "No one won the lottery this week.",
    "Everyone won something at the fair.",
    "One of the dollars was fake.",
    "Hundreds of tonnes of aid arrived.",
])
def test_words_that_are_not_amounts(lex, sentence):
    assert amounts(sentence, lex) == []


def test_huge_numbers_give_no_value_and_do_not_raise(lex):
    """An amount of 400 digits (a garbled table) must not raise OverflowError: no value."""
    digits = "9" * 400
    for text, label, field in ((f"It cost ${digits} to build.", "MONEY", "amount"),
                               (f"It grew {digits} percent.", "PERCENT", "value"),
                               (f"They moved {digits} tonnes.", "QUANTITY", "value")):
        (_, got_label, value), = amounts(text, lex)
        assert got_label == label and value[field] is None
    assert normalize_money("$" + "1" * 308 + " billion", lex)["amount"] is None
    # quantulum3 reads floats: past 15 digits a quantity keeps its unit and gets no value.
    got = normalize_quantity("1234567890123456 tonnes", lex)
    assert got["value"] is None and got["unit"] == "tonne" and "value_si" not in got
    assert normalize_quantity("123,456,789,012,345 tonnes", lex)["value"] == 123456789012345


def test_huge_number_through_the_extractor(extractor):
    from pipeline.clean.cleaner import clean_text

    raw = ("Officials in Hangzhou said on Monday that the county had spent $" + "7" * 500
           + " on roads, up 12 percent from a year earlier, according to a statement.")
    cleaned = clean_text(raw, extractor.settings.clean, extractor.settings.models_dir)
    ents = extractor.entities("t", raw, cleaned)
    money = [e for e in ents if e["label"] == "MONEY"]
    assert money and "amount" not in money[0] and money[0]["currency"] == "USD"
    assert any(e["label"] == "PERCENT" and e["value"] == 12 for e in ents)


def test_currency_file_is_generated_from_cldr_and_current():
    """models/lexicon/currencies.yml is scripts/build_currencies.py's output for the pinned babel."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_currencies
    finally:
        sys.path.pop(0)
    assert build_currencies.build() == (ROOT / "models" / "lexicon" / "currencies.yml").read_text(encoding="utf-8")
