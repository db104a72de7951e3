"""`news_values`: normalized values of MONEY, PERCENT, QUANTITY and DATE entities.

Runs after `news_resolve` and writes extension attributes on each entity
(`ent._.amount`, `._.currency`, `._.qualifier`, `._.amount_max`,
`._.equivalent_of`, `._.value`, `._.value_max`, `._.unit`, `._.value_si`,
`._.unit_si`), so `nlp(text)` alone gives every value. Relative dates
resolve against `doc._.published` (ISO date), which the caller sets on the
Doc before running the pipeline (`pipeline.extract` does it from the
article's own dateline). The amount lexicon is the one `news_numbers` found
the spans with: the words that make a span are the words that give its value.
"""

from __future__ import annotations

import datetime as dt
import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.components.normalization import normalize_date, normalize_money, normalize_percent, normalize_quantity
from pipeline.components.spans import doc_text

VALUE_ATTRS = ("amount", "amount_max", "currency", "qualifier", "equivalent_of", "value", "value_max", "unit",
               "value_si", "unit_si")
for _attr in VALUE_ATTRS:
    if not Span.has_extension(_attr):
        Span.set_extension(_attr, default=None)
if not Doc.has_extension("published"):
    Doc.set_extension("published", default=None)

# "120 million yuan ($17.3 million)": what may stand between an amount and its conversion.
CONVERSION_GAP_RE = re.compile(r"\s*\(\s*(?:about\s|around\s|or\s|approximately\s)?")


@Language.factory("news_values", assigns=[f"span._.{a}" for a in VALUE_ATTRS],
                  default_config={"numbers_component": "news_numbers"})
def make_news_values(nlp: Language, name: str, numbers_component: str) -> "ValueNormalizer":
    return ValueNormalizer(nlp, name, numbers_component)


class ValueNormalizer:
    """Sets the normalized value attributes of every numeric and date entity."""

    def __init__(self, nlp: Language, name: str, numbers_component: str):
        self.nlp = nlp
        self.name = name
        self.numbers_component = numbers_component

    def __call__(self, doc: Doc) -> Doc:
        lexicon = self.nlp.get_pipe(self.numbers_component).lexicon
        published = doc._.published
        previous_money = None
        last_date = None
        text = doc_text(doc)
        for ent in doc.ents:
            label = ent.label_
            if label == "DATE":
                deictic = DEICTIC_RE.match(ent.text) and not text[max(0, ent.start_char - 4):ent.start_char].lower() == "the "
                value = (None if deictic else contextual_date(ent.text, published, last_date)) or _weekday_ahead(
                    text, ent, published)
                values = {"value": value} if value else normalize_date(_without_weekday(ent.text), published)
                if not value and values.get("value"):
                    values["value"] = _year_by_tense(text, ent, published, values["value"])
                if lexicon is not None and (fiscal := _fiscal_year(ent.text, text, lexicon)):
                    values = {"value": fiscal}
                if not values and RANGE_AND_RE.search(ent.text):
                    values = _range_value(ent.text, published)
                last_date = values.get("value") or last_date
            elif lexicon is None:
                continue
            elif label == "MONEY":
                values = normalize_money(ent.text, lexicon, text)
            elif label == "PERCENT":
                values = normalize_percent(ent.text, lexicon)
            elif label == "QUANTITY":
                values = normalize_quantity(ent.text, lexicon)
            else:
                continue
            for key, value in values.items():
                setattr(ent._, key, value)
            if label == "MONEY":
                if previous_money is not None and previous_money._.currency != ent._.currency and _is_conversion(
                        text, previous_money, ent):
                    ent._.equivalent_of = previous_money.start_char
                previous_money = ent
        return doc


WORD_NUMBERS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())} | {"a": 1, "an": 1}
MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                          "nov", "dec"))}
ANAPHORA_RE = re.compile(r"^(previous|prior|same|following|next) year$|^(\w+) years? (earlier|later|before)$", re.I)
SAME_PERIOD_RE = re.compile(r"^same (?:period|time|month|quarter) (?:of )?(?:last year|a year earlier|a year ago)$",
                            re.I)
# A weekday the sentence puts ahead of the article's date: "will be implemented from 5am on
# Thursday", "is due to visit on Friday", "by Friday", "announces its decision on Wednesday".
WEEKDAY_ALONE_RE = re.compile(r"^(?:on )?(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$")
FUTURE_CUE_RE = re.compile(r"\b(?:will|'ll|shall|is due|are due|due to|scheduled|expected to|set to|plans? to|"
                           r"is to|are to|going to|aims? to|announces|reports|releases|publishes|kicks off|"
                           r"opens|begins|starts|expires|meets|votes|holds|hosts)\b", re.I)
AHEAD_BEFORE_RE = re.compile(r"\b(?:by|until|till|before|from|next|this coming|due) (?:\w+ )?$", re.I)
PAST_CUE_RE = re.compile(r"\b(?:said|told|was|were|had|did|\w+ed)\b", re.I)
PREPOSITION_BEFORE_RE = re.compile(r"\b(?:by|until|till|in|on|from|before|after|during|through|around|early|late|"
                                   r"mid-|end of|next)\s?$", re.I)
FISCAL_END_RE = re.compile(r"\bfiscal year (?:that )?(?:ends|ended|ending|closes)(?: on| in)? (?:the end of )?"
                           r"([A-Z][a-z]+)\b")
FISCAL_ALONE_RE = re.compile(r"^(?:[Ff]iscal(?: year)?|FY) ?((?:19|20)\d\d|\d{2})$")
# "2020-21", "2019/20": a split year, a fiscal year where the country counts them so.
SPLIT_YEAR_RE = re.compile(r"^((?:19|20)\d\d)[-/–](\d{2})$")
# "next year" without "the" is counted from the article's date, not from the last date given.
DEICTIC_RE = re.compile(r"^(?:next|following) (?:year|month)$", re.I)
SINCE_BEFORE_RE = re.compile(r"\b(?:since|last|earlier|ago)\b[^,]{0,12}$", re.I)
YEAR_IN_TEXT_RE = re.compile(r"\d{4}|\byear\b", re.I)
MONTH_VALUE_RE = re.compile(r"\d{4}-\d{2}(?:-\d{2})?")
SENTENCE_MARKS = (". ", "; ", "? ", "! ", "\n")
WEEKDAY_CLAUSE_MARKS = (*SENTENCE_MARKS, ", as ", " while ")
PASSIVE_RE = re.compile(r"\b(?:be|been) \w+ed\b", re.I)
PAST_YEARS_RE = re.compile(r"^(?:past|last) (\w+) years$", re.I)
FIRST_MONTHS_RE = re.compile(r"^first (\w+) months$", re.I)
FIRST_QUARTERS_RE = re.compile(r"^first (two|three|2|3) quarters$", re.I)
QUARTER_ALONE_RE = re.compile(r"^Q([1-4])$")
DECADE_RE = re.compile(r"^((?:19|20)\d)0s$")
LAST_MONTH_RE = re.compile(r"^[Ll]ast ([A-Z][a-z]+)$")
DAY_RANGE_RE = re.compile(r"^([A-Z][a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)? ?(?:-|–|to|through| and ) ?(\d{1,2})(?:st|nd|rd|th)?"
                          r"(?:,? ((?:19|20)\d\d))?$")
DOTTED_RE = re.compile(r"^(\d{2})\.(\d{2})\.((?:19|20)\d\d)$")
WEEKDAY_PREFIX_RE = re.compile(r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,? (?=\w)")
RELATIVE_UNIT_RE = re.compile(r"^(this|last|next) (quarter|month|week)$", re.I)
RANGE_AND_RE = re.compile(r"\s(?:and|to)\s|(?<=[a-z])[-–](?=[A-Z])")


def _count(word: str) -> int | None:
    word = word.lower()
    return int(word) if word.isdigit() else WORD_NUMBERS.get(word)


def contextual_date(text: str, published: str | None, last: str | None) -> str | None:
    """Values of dates that need the document's context: anaphora ("the previous year",
    "two years later") resolve against the last date the text gave, relative periods
    ("the past five years", "the first 10 months", "Q3", "last November") against the
    article's date; decades, day ranges and dotted dates need no context. None: not one of these."""
    text = " ".join(text.split())
    anchor_year = int((last or published or "0000")[:4]) or None
    pub_year = int(published[:4]) if published else None
    if (m := SAME_PERIOD_RE.match(text)) and last:
        # "up 21 percent from the same period last year", after "the first half" (2025-01/2025-06)
        return re.sub(r"(?<!\d)((?:19|20)\d\d)(?!\d)", lambda y: f"{int(y.group(1)) - 1:04d}", last)
    m = ANAPHORA_RE.match(text)
    if m and anchor_year:
        if m.group(1):
            delta = {"previous": -1, "prior": -1, "same": 0, "following": 1, "next": 1}[m.group(1).lower()]
        else:
            n = _count(m.group(2))
            if n is None:
                return None
            delta = n if m.group(3).lower() == "later" else -n
            if last and len(last) > 4 and re.fullmatch(r"(?i)(?:a|one) years? (?:earlier|before|later)", text):
                # "down from $6bn a year earlier", after "the third quarter": that quarter a year before
                return re.sub(r"(?<!\d)((?:19|20)\d\d)(?!\d)", lambda y: f"{int(y.group(1)) + delta:04d}", last)
        return f"{anchor_year + delta:04d}"
    if (m := PAST_YEARS_RE.match(text)) and pub_year and _count(m.group(1)):
        return f"{pub_year - _count(m.group(1)):04d}/{pub_year:04d}"
    year = pub_year or anchor_year  # periods of "this" year: the article's
    if (m := FIRST_MONTHS_RE.match(text)) and year and (_count(m.group(1)) or 0) in range(1, 13):
        return f"{year:04d}-01/{year:04d}-{_count(m.group(1)):02d}"
    if (m := FIRST_QUARTERS_RE.match(text)) and year:  # "the first three quarters" -> 2021-01/2021-09
        return f"{year:04d}-01/{year:04d}-{3 * _count(m.group(1)):02d}"
    if (m := QUARTER_ALONE_RE.match(text)) and year:
        q = int(m.group(1))
        return f"{year:04d}-{3 * q - 2:02d}/{year:04d}-{3 * q:02d}"
    if (m := RELATIVE_UNIT_RE.match(text)) and published:
        return _relative_unit(m.group(1).lower(), m.group(2).lower(), dt.date.fromisoformat(published[:10]))
    if m := DECADE_RE.match(text):
        return f"{m.group(1)}0/{m.group(1)}9"
    if text.lower() in ("today", "tonight"):
        return published
    if (m := LAST_MONTH_RE.match(text)) and published and m.group(1)[:3].lower() in MONTHS:
        month, pub_month = MONTHS[m.group(1)[:3].lower()], int(published[5:7] or 0)
        return f"{pub_year if month < pub_month else pub_year - 1:04d}-{month:02d}"
    if (m := DAY_RANGE_RE.match(text)) and m.group(1)[:3].lower() in MONTHS:
        year = int(m.group(4)) if m.group(4) else pub_year
        if year is None:
            return None
        month = MONTHS[m.group(1)[:3].lower()]
        return f"{year:04d}-{month:02d}-{int(m.group(2)):02d}/{year:04d}-{month:02d}-{int(m.group(3)):02d}"
    if m := DOTTED_RE.match(text):
        return f"{m.group(3)}-{m.group(2)}-{m.group(1)}"
    return None


def _weekday_ahead(text: str, ent: Span, published: str | None) -> str | None:
    """The coming weekday when the clause before it speaks of the future; None otherwise
    (a bare weekday in news is most often the past one, which normalize_date gives)."""
    m = WEEKDAY_ALONE_RE.match(ent.text)
    if m is None or not published:
        return None
    start = ent.start_char
    if text.startswith(("'s", "’s"), ent.end_char):
        return None  # "Tuesday's closing price": a day that has been
    if not _speaks_ahead(_clause_before(text, start, WEEKDAY_CLAUSE_MARKS)):
        return None
    pub = dt.date.fromisoformat(published[:10])
    target = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"].index(m.group(1))
    ahead = (target - pub.weekday()) % 7
    return (pub + dt.timedelta(days=ahead)).isoformat()


def _fiscal_year(span_text: str, text: str, lexicon) -> str | None:
    """"FY25" / "fiscal 2025" as months, by the fiscal calendar of the article's country:
    2024-04/2025-03 in an Indian article, 2025-04/2026-03 in a Japanese one."""
    m = FISCAL_ALONE_RE.match(span_text)
    split = SPLIT_YEAR_RE.match(span_text)
    if m is None and split is None:
        return None
    rule = _stated_fiscal_year(text) or lexicon.fiscal_year_in_context(text)
    if not rule:
        return None
    if split is not None:  # "2020-21" in an Indian article: 2020-04/2021-03
        if int(split.group(2)) != (int(split.group(1)) + 1) % 100 or int(rule["first_month"]) == 1:
            return None
        first = int(rule["first_month"])
        return f"{split.group(1)}-{first:02d}/{int(split.group(1)) + 1:04d}-{first - 1:02d}"
    year = int(m.group(1)) if len(m.group(1)) == 4 else 2000 + int(m.group(1))
    first = int(rule["first_month"])
    start_year = year if rule["named_by"] == "start" or first == 1 else year - 1
    end_year, end_month = (start_year, 12) if first == 1 else (start_year + 1, first - 1)
    return f"{start_year:04d}-{first:02d}/{end_year:04d}-{end_month:02d}"


def _stated_fiscal_year(text: str) -> dict | None:
    """The fiscal calendar an article states: "its fiscal year ends January 31" -> years from
    February, named by the year they end in."""
    m = FISCAL_END_RE.search(text)
    if m is None:
        return None
    month = MONTHS.get(m.group(1)[:3].lower())
    return {"first_month": month % 12 + 1, "named_by": "end"} if month else None


def _year_by_tense(text: str, ent: Span, published: str | None, value: str) -> str:
    """A month or day written without its year, moved to the year the sentence's tense gives:
    "plans to open a warehouse by December" (in April) is this December, "has cut rates
    since December" (in September) last December."""
    if not published or YEAR_IN_TEXT_RE.search(ent.text) or not MONTH_VALUE_RE.fullmatch(value):
        return value
    clause = _clause_before(text, ent.start_char, SENTENCE_MARKS)
    year = int(value[:4])
    if value < published[:len(value)] and PREPOSITION_BEFORE_RE.search(clause[-16:]) and _speaks_ahead(
            clause, near=not SINCE_BEFORE_RE.search(clause[-24:])):
        return f"{year + 1:04d}{value[4:]}"  # not "will release October retail data": a month that has been
    if value > published[:len(value)] and SINCE_BEFORE_RE.search(clause[-24:]):
        return f"{year - 1:04d}{value[4:]}"
    return value


def _clause_before(text: str, start: int, marks: tuple[str, ...]) -> str:
    """The clause before a date (at most 160 characters), passives taken out ("will be implemented")."""
    clause_start = max(text.rfind(mark, 0, start) for mark in marks)
    return PASSIVE_RE.sub(" ", text[max(clause_start, start - 160, 0):start])


def _speaks_ahead(clause: str, near: bool = True) -> bool:
    """Whether the clause puts the date after it ahead: "by" / "until" just before it with no past
    verb that close, or a future cue ("will", "is due") after the clause's last past verb."""
    past = max((m.end() for m in PAST_CUE_RE.finditer(clause)), default=-1)
    future = max((m.end() for m in FUTURE_CUE_RE.finditer(clause)), default=-1)
    ahead = near and AHEAD_BEFORE_RE.search(clause[-24:])
    return bool(ahead and past < max(0, len(clause) - 24) or future > past)


def _relative_unit(which: str, unit: str, pub: dt.date) -> str:
    """"last month" -> 2023-02, "this quarter" -> 2024-10/2024-12, "last week" -> 2024-W02."""
    step = {"this": 0, "last": -1, "next": 1}[which]
    if unit == "week":
        year, week, _ = (pub + dt.timedelta(weeks=step)).isocalendar()
        return f"{year:04d}-W{week:02d}"
    if unit == "month":
        index = pub.year * 12 + pub.month - 1 + step
        return f"{index // 12:04d}-{index % 12 + 1:02d}"
    index = pub.year * 4 + (pub.month - 1) // 3 + step
    year, quarter = index // 4, index % 4
    return f"{year:04d}-{3 * quarter + 1:02d}/{year:04d}-{3 * quarter + 3:02d}"


def _without_weekday(text: str) -> str:
    """"Wednesday, Oct. 13, 2021" -> "Oct. 13, 2021" when a date follows the weekday."""
    rest = WEEKDAY_PREFIX_RE.sub("", text, count=1)
    return rest if rest != text and any(c.isdigit() for c in rest) else text


def _range_value(text: str, published: str | None) -> dict:
    """"August 2022 and January 2023" -> "2022-08/2023-01": each side read alone."""
    parts = RANGE_AND_RE.split(text, maxsplit=1)
    if len(parts) != 2:
        return {}
    left, right = (normalize_date(p.strip(), published).get("value") for p in parts)
    if left is None and right is not None and parts[0].strip()[:3].lower() in MONTHS:
        left = normalize_date(f"{parts[0].strip()} {right[:4]}", published).get("value")  # "January and March 2020"
    return {"value": f"{left}/{right}"} if left and right else {}


def _is_conversion(text: str, first: Span, second: Span) -> bool:
    """The second amount stands in brackets right after the first."""
    gap = text[first.end_char:second.start_char]
    return bool(CONVERSION_GAP_RE.fullmatch(gap)) and text[second.end_char:second.end_char + 1] == ")"


def span_values(span: Span) -> dict:
    """The value attributes set on `span` (None values left out)."""
    return {a: getattr(span._, a) for a in VALUE_ATTRS if getattr(span._, a) is not None}
