"""Normalized values for MONEY, PERCENT, DATE and QUANTITY spans.

MONEY and PERCENT are read with the same lexicon that found them
(models/lexicon/numbers.yml). DATE goes through dateparser, once per span
(never over a whole document), resolved against the article's publication
date. QUANTITY values, units and SI factors come from quantulum3
(pipeline/components/units.py), imported only when a QUANTITY span is read.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import Decimal
from functools import lru_cache

from pipeline.components.lexicon import NUMBER, SPACED_THOUSANDS_RE, Lexicon
from pipeline.components.units import read_quantity

# A hyphen joins a range only between numbers ("5-10", "5 million-8 million"), not in "twenty-five".
RANGE_SPLIT_RE = re.compile(r"(?<=[\w%])\s?[-–—]\s?(?=[\d$¥€£])|\s[-–—]\s|\s?\b(?:to|and|through|until)\b\s?")
NUMBER_RE = re.compile(NUMBER)
YEAR_RE = re.compile(r"\b(19\d\d|20\d\d)\b")
FIVE_YEAR_PLAN_RE = re.compile(r"(\d{1,2})(?:st|nd|rd|th) Five-Year Plan", re.I)
QUARTER_RE = re.compile(r"\b(first|second|third|fourth|1st|2nd|3rd|4th|Q[1-4])\b", re.I)
QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4,
            "q1": 1, "q2": 2, "q3": 3, "q4": 4}
RELATIVE_WORDS_RE = re.compile(r"\b(this|last|next|ago|yesterday|tomorrow|today|monday|tuesday|wednesday|"
                               r"thursday|friday|saturday|sunday)\b", re.I)
MONTH_ABBR = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTHS_OF_RE = re.compile(r"\b(first|last|final) (\w+) months of\b")
NUMBER_WORDS_SMALL = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
FISCAL_RE = re.compile(r"\b(?:fiscal(?: year)?|FY)\s?", re.I)
# A month or month-day without a year resolving further ahead than this is read as last year's.
FUTURE_WITHOUT_YEAR_DAYS = 92
PRECISION_FORMAT = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
# A float holds about 1.8e308: an amount with more digits than that is a garbled table, not an amount.
MAX_DIGITS = 308
# quantulum3 reads numbers as floats (15 significant digits exact) and its parse time grows about
# with the cube of a digit run (60 digits 0.18 s, 400 digits 70 s): a longer run gets no value.
QUANTITY_DIGITS_RE = re.compile(r"\d(?:,?\d){15,}")


# --------------------------------------------------------------------------- amounts


def _scaled(text: str, lexicon: Lexicon) -> Decimal | None:
    """The exact value of one number with its scale: "7.5 billion" -> 7500000000, "3m", "171-million",
    "5 crore", "two billion", "half a million"."""
    m = NUMBER_RE.search(text)
    if m is None:
        return lexicon.number_value(text)
    value = Decimal(SPACED_THOUSANDS_RE.sub("", m.group(0).replace(",", "")))
    glued = text[m.end():m.end() + 1].isalpha()
    rest = text[m.end():].lstrip(" -\u00a0").lower()
    for word in sorted(lexicon.scales, key=len, reverse=True):  # "lakh crore" before "lakh"
        if rest.startswith(word) and not rest[len(word):len(word) + 1].isalpha():
            return value * lexicon.scales[word]
    if glued:
        for n in (2, 1):
            if rest[:n] in lexicon.attached_scales:
                return value * lexicon.attached_scales[rest[:n]]
    return value


def _number(value: Decimal | None) -> int | float | None:
    """An exact Decimal as JSON wants it: int when whole (7500000000, not 7.5e9), else float.

    A value of more digits than a float can hold (an amount of 400 digits in a
    garbled table) is no amount: None.
    """
    if value is None or not value.is_finite() or value.adjusted() >= MAX_DIGITS:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _split_range(body: str, lexicon: Lexicon) -> list[str]:
    """Two sides of "30 to 60", "5 million-8 million"; one element if no range."""
    if lexicon.number_value(body) is not None:  # "one hundred and twenty" is one number
        return [body]
    parts = [p for p in RANGE_SPLIT_RE.split(body, maxsplit=1) if p.strip()]
    if len(parts) == 2:
        head = parts[1].strip().split()[0].lower() if parts[1].strip() else ""
        first = head.split("-")[0]
        if head[:1].isdigit() or first in lexicon.number_tokens or any(
                w.startswith(first) for w in lexicon.number_words):
            return parts
    return parts[:1]


def normalize_money(text: str, lexicon: Lexicon, context: str | None = None) -> dict:
    """{"amount", "currency", "qualifier", ["amount_max"]} for a MONEY span.

    `context`, the article's text, settles symbols that several currencies share ("Rs").
    """
    qualifier, body = lexicon.qualifier_of(text)
    sub = lexicon.money_subunit_re.fullmatch(text)
    if sub:  # "640p" is 6.40 pounds
        unit = lexicon.subunits[sub.group("cur") or sub.group("cur2")]
        sides = [s for s in (sub.group("n1"), sub.group("n2")) if s]
        values = [_scaled(s, lexicon) / 100 for s in sides]
        out = {"amount": _number(values[0]), "currency": unit["currency"], "qualifier": qualifier}
        if len(values) == 2:
            out["amount_max"] = _number(values[1])
        return out
    currency = None
    for form, code in sorted(lexicon.currency_prefix.items(), key=lambda kv: -len(kv[0])):
        if body.startswith(form):
            if form in lexicon.currency_by_country and context is not None:
                code = lexicon.currency_in_context(form, context) or code
            currency, body = code, body[len(form):].strip()
            break
    if currency is None:
        low = body.lower()
        suffixes = {**lexicon.scaled_only_currency, **lexicon.currency_suffix}
        for form, code in sorted(suffixes.items(), key=lambda kv: -len(kv[0])):
            if low.endswith(form) and low[-len(form) - 1:-len(form)] in (" ", "\u00a0", "-"):  # "50-yuan"
                currency, body = code, body[: -len(form) - 1].strip()
                break
    for form in sorted(lexicon.currency_prefix, key=len, reverse=True):  # "$2 billion and $3 billion"
        body = body.replace(form, "")
    sides = _split_range(body, lexicon)
    values = [_scaled(side, lexicon) for side in sides]
    if len(values) == 2 and values[1] is not None and values[0] is not None:
        # "5 to 8 million yuan": the scale of the second number applies to the first.
        if values[0] < values[1] and NUMBER_RE.fullmatch(sides[0].strip() or "x"):
            values[0] = values[0] * _scale_of(sides[1], lexicon)
    out: dict = {"amount": _number(values[0]) if values else None, "currency": currency, "qualifier": qualifier}
    if len(values) == 2 and values[1] is not None:
        out["amount_max"] = _number(values[1])
    return out


def _scale_of(text: str, lexicon: Lexicon) -> Decimal:
    m = NUMBER_RE.search(text)
    if m is None:
        return Decimal(1)
    value = _scaled(text, lexicon)
    base = Decimal(m.group(0).replace(",", ""))
    return value / base if base and value else Decimal(1)


def normalize_percent(text: str, lexicon: Lexicon) -> dict:
    """{"value", "qualifier", ["value_max"], ["points"]} for a PERCENT span."""
    qualifier, body = lexicon.qualifier_of(text)
    low = body.lower().replace("-", " ")  # "10-percentage-point": same length, same offsets
    points = "point" in low
    for unit in sorted(lexicon.percent_units, key=len, reverse=True):
        idx = low.rfind(unit)
        if idx > 0:
            body = body[:idx]
            break
    body = body.replace("%", " ").strip().rstrip("-")
    sides = _split_range(body, lexicon)
    values = [lexicon.number_value(s) for s in sides]
    out: dict = {"value": _number(values[0]) if values else None, "qualifier": qualifier}
    if len(values) == 2 and values[1] is not None:
        out["value_max"] = _number(values[1])
    if points:
        out["unit"] = "percentage point"
    return out


def normalize_quantity(text: str, lexicon: Lexicon) -> dict:
    """{"value", "unit", "value_si", "unit_si", "qualifier", ["value_max"]} for a QUANTITY span.

    The qualifier ("about", "more than") is the lexicon's; spelled-out and
    scaled numbers ("one hundred and twenty", "half a million", "3.2 million")
    are read exactly by the lexicon, as for MONEY, and handed to quantulum3 as
    digits (it reads "half a million tonnes" as 1,500,000); the rest is
    quantulum3's reading of the span, unit names as quantulum3 names them.
    """
    qualifier, body = lexicon.qualifier_of(text)
    body = SPACED_THOUSANDS_RE.sub("", body)  # "16 427MW": quantulum3 would read two numbers

    def digits(m: re.Match) -> str:
        value = _scaled(m.group(0), lexicon)
        return m.group(0) if value is None or _number(value) is None else f"{value:f}"

    body = lexicon.spelled_number_re.sub(digits, body)
    if QUANTITY_DIGITS_RE.search(body):  # the unit only
        read = {"value": None, "unit": read_quantity(QUANTITY_DIGITS_RE.sub("1", body), lexicon.units_dir)["unit"]}
    else:
        read = read_quantity(body, lexicon.units_dir)
    out: dict = {"value": _number(read["value"]), "qualifier": qualifier, "unit": read["unit"]}
    if "value_max" in read:
        out["value_max"] = _number(read["value_max"])
    if "value_si" in read and _number(read["value_si"]) is not None:
        out["value_si"] = _number(read["value_si"])
        out["unit_si"] = read["unit_si"]
    return out


# --------------------------------------------------------------------------- dates


@lru_cache(maxsize=8)
def _date_parser(base: str):
    from dateparser.date import DateDataParser

    settings = {"PREFER_DATES_FROM": "current_period", "RETURN_AS_TIMEZONE_AWARE": False}
    if base:
        settings["RELATIVE_BASE"] = dt.datetime.fromisoformat(base)
    else:
        settings["RELATIVE_BASE"] = dt.datetime(1900, 1, 1)
    return DateDataParser(languages=["en"], settings=settings)


@lru_cache(maxsize=4096)
def _parse_point(text: str, base: str | None) -> str | None:
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.strip())
    if base:  # "September this year" -> "September 2018": dateparser reads the year, not the phrase
        year = int(base[:4])
        cleaned = re.sub(r"\b(this|last|next) year\b",
                         lambda m: str(year + {"this": 0, "last": -1, "next": 1}[m.group(1).lower()]),
                         cleaned, flags=re.I) if not re.fullmatch(r"(?i)(this|last|next) year", cleaned) else cleaned
    cleaned = re.sub(r"\bSept\b", "Sep", cleaned)
    has_year = bool(YEAR_RE.search(cleaned))
    if not has_year and not base:
        return None
    data = _date_parser(base or "").get_date_data(cleaned)
    if data is None or data.date_obj is None:
        return None
    period = data.period or "day"
    value = data.date_obj
    if base and not has_year and period in ("day", "month"):
        # "November" in a March article is last November: news rarely names a
        # month-day more than a few months ahead without its year.
        base_dt = dt.datetime.fromisoformat(base)
        if (value - base_dt).days > FUTURE_WITHOUT_YEAR_DAYS:
            try:
                value = value.replace(year=value.year - 1)
            except ValueError:  # February 29
                value = value.replace(year=value.year - 1, day=28)
    if period == "week":
        iso = value.isocalendar()
        return f"{iso[0]}-W{iso[1]:02d}"
    return value.strftime(PRECISION_FORMAT.get(period, "%Y-%m-%d"))


def normalize_date(text: str, published: str | None) -> dict:
    """{"value": ISO 8601 at the text's precision} or {} when it cannot be placed.

    Args:
        text: the DATE span.
        published: the article's ISO publication date, for relative dates.
    """
    value = _date_value(text.strip(), published)
    return {"value": value} if value else {}


def _date_value(text: str, published: str | None) -> str | None:
    plan = FIVE_YEAR_PLAN_RE.search(text)
    if plan:
        n = int(plan.group(1))
        if n >= 3:
            start = 1966 + 5 * (n - 3)
            return f"{start}/{start + 4}"
        return None
    if m := re.fullmatch(r"(?:fiscal|financial) year (?:ending|ended|ends|through|to) (?:in )?(\w+(?:,? \d{4})?)", text):
        point = _parse_point(m.group(1), published)  # "fiscal year ending March 2022" -> 2021-04/2022-03
        if not point or len(point) < 7:
            return None
        y, last = map(int, point.split("-")[:2])
        if not YEAR_RE.search(m.group(1)) and published and point < published[:7]:
            y += 1  # "the fiscal year through March", said in November: the coming March
        first_y, first_m = (y, 1) if last == 12 else (y - 1, last + 1)
        return f"{first_y}-{first_m:02d}/{y}-{last:02d}"
    if m := re.fullmatch(r"((?:19|20)\d\d)/(\d{2}) (?:fiscal|financial) year", text):
        return f"{m.group(1)}/{m.group(1)[:2]}{m.group(2)}"
    if FISCAL_RE.match(text):
        year = YEAR_RE.search(text)
        return year.group(1) if year else None
    low = text.lower()
    months = MONTHS_OF_RE.search(low)
    if months:  # "first two months of 2023" -> 2023-01/2023-02
        year = YEAR_RE.search(text)
        y = int(year.group(1)) if year else _relative_year(low, published)
        n = int(months.group(2)) if months.group(2).isdigit() else NUMBER_WORDS_SMALL.get(months.group(2))
        if y is None or n is None:
            return None
        first, last = (1, n) if months.group(1) == "first" else (13 - n, 12)
        return f"{y}-{first:02d}/{y}-{last:02d}"
    part = re.match(r"(end|beginning|start|middle) of (?:the )?", low)
    if part:
        return _part_of_period(part.group(1), text[part.end():], published)
    if re.fullmatch(r"(?:first|second) half", low):  # "in the first half": of the article's year
        y = _relative_year(low, published)
        return (f"{y}-01/{y}-06" if low.startswith("first") else f"{y}-07/{y}-12") if y else None
    if m := re.fullmatch(r"(\w+)[-–](\w+) quarter(?:,? | of )?(\d{4})?", text):  # "July-September quarter"
        return _date_value(f"{m.group(1)}-{m.group(2)}" + (f" {m.group(3)}" if m.group(3) else ""), published)
    if m := re.fullmatch(r"([A-Z][a-z]+) quarter", text):  # "the September quarter": the three months to September
        point = _parse_point(m.group(1), published)
        if not point or m.group(1)[:3].lower() not in MONTH_ABBR:
            return None
        y, last = map(int, point.split("-")[:2])
        return f"{y}-{last - 2:02d}/{y}-{last:02d}" if last >= 3 else f"{y - 1}-{last + 10:02d}/{y}-{last:02d}"
    if m := re.match(r"(first|last) (two|three) quarters of ", low):  # "first three quarters of 2021"
        year = YEAR_RE.search(text)
        y = int(year.group(1)) if year else _relative_year(low, published)
        n = 3 * NUMBER_WORDS_SMALL[m.group(2)]
        if not y:
            return None
        return f"{y}-01/{y}-{n:02d}" if m.group(1) == "first" else f"{y}-{13 - n:02d}/{y}-12"
    if "quarter" in low or re.fullmatch(r"Q[1-4] \d{4}", text):
        # ISO 8601 has no quarters: a quarter is the interval of its months.
        q = QUARTER_RE.search(text)
        year = YEAR_RE.search(text)
        y = int(year.group(1)) if year else _relative_year(low, published)
        if q is None or y is None:
            return None
        first = 3 * QUARTERS[q.group(1).lower()] - 2
        return f"{y}-{first:02d}/{y}-{first + 2:02d}"
    half_of_month = re.match(r"(first|second) half of (\w+)", low)
    if half_of_month and half_of_month.group(2)[:3] in MONTH_ABBR:
        point = _parse_point(text.split(" of ", 1)[1], published)
        if not point:
            return None
        y, m = map(int, point.split("-")[:2])
        last = calendar.monthrange(y, m)[1]
        if half_of_month.group(1) == "first":
            return f"{y}-{m:02d}-01/{y}-{m:02d}-15"
        return f"{y}-{m:02d}-16/{y}-{m:02d}-{last}"
    if "half of" in low:
        year = YEAR_RE.search(text)
        y = int(year.group(1)) if year else _relative_year(low, published)
        if not y:
            return None
        return f"{y}-01/{y}-06" if low.startswith("first") else f"{y}-07/{y}-12"
    seasonal = re.match(r"(?:early|mid|late)[- ](.+)$", text, flags=re.I)
    if seasonal:  # "late March": the month, at month precision
        return _date_value(seasonal.group(1), published)
    m = re.fullmatch(r"(\d{4}) ?(?:-|–|to|through|until|and) ?(\d{2}|\d{4})", text)
    if m:
        end = m.group(2) if len(m.group(2)) == 4 else m.group(1)[:2] + m.group(2)
        return f"{m.group(1)}/{end}"
    parts = re.split(r"\s(?:to|through|until|and)\s|\s[–-]\s|(?<=[a-z])[–-](?=[A-Z][a-z])", text, maxsplit=1)
    if len(parts) == 2:
        left, right = parts
        tail = re.search(r"(,?\s\d{4}|\s(?:this|last|next) year)$", right)
        if tail and not re.search(r"\d{4}|year", left):
            left = left + tail.group(1)
        a, b = _parse_point(left, published), _parse_point(right, published)
        if a and b and b < a and len(a) == len(b) == 7 and not YEAR_RE.search(text):
            b = f"{int(b[:4]) + 1:04d}{b[4:]}"  # "October-March": into the next year
        return f"{a}/{b}" if a and b else None
    if RELATIVE_WORDS_RE.search(text) and not published:
        return None
    if re.fullmatch(r"\d{4}", text):
        return text
    return _parse_point(text, published)


def _part_of_period(part: str, rest: str, published: str | None) -> str | None:
    """"end of 2020" -> 2020-12, "beginning of March" -> its month, "end of the first quarter
    of 2024" -> 2024-03, "end of the month" -> the article's month; "middle of" a year is the year."""
    low = rest.lower()
    if low in ("month", "this month") and published:
        return published[:7]
    if low in ("last month", "next month") and published:
        y, m = int(published[:4]), int(published[5:7]) + (1 if low.startswith("next") else -1)
        y, m = (y - 1, 12) if m == 0 else (y + 1, 1) if m == 13 else (y, m)
        return f"{y}-{m:02d}"
    period = _date_value(rest, published) if re.search(r"\d|year|quarter|[A-Z]", rest) else None
    if low in ("year", "this year", "last year", "next year"):
        period = str(_relative_year(low, published)) if published else None
    if not period:
        return None
    if part == "middle":
        return period.split("/")[0] if "/" not in period or len(period) == 9 else None
    first, _, last = period.partition("/")
    last = last or first
    if len(first) == 4 and len(last) == 4:  # a year (or years): its first or last month
        return f"{first}-01" if part in ("beginning", "start") else f"{last}-12"
    return first[:7] if part in ("beginning", "start") else last[:7]


def _relative_year(low: str, published: str | None) -> int | None:
    if not published:
        return None
    year = int(published[:4])
    if "last year" in low:
        return year - 1
    if "next year" in low:
        return year + 1
    return year
