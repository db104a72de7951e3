"""The seed articles with all whitespace collapsed into one line still score.

Pages saved as one line are common in scraped datasets. Each seed is
collapsed (every whitespace run -> one space), its gold spans are moved to the
new offsets, and the extractor must keep core strict F1 (ORG, PLACE, MONEY,
PERCENT) near its multi-line score.
"""

from pipeline.clean.cleaner import clean_text
from pipeline.review.evaluation import load_gold

from conftest import CORPUS

CORE = ("ORG", "PLACE", "MONEY", "PERCENT")
MIN_F1 = 0.95  # measured 0.985 when written


def collapse(raw: str) -> tuple[str, list[int]]:
    """The one-line text and, for every raw offset, its offset in that text."""
    out, where, i = [], [0] * (len(raw) + 1), 0
    while i < len(raw):
        if raw[i].isspace():
            k = i
            while k < len(raw) and raw[k].isspace():
                k += 1
            for t in range(i, k):
                where[t] = len(out)
            out.append(" ")
            i = k
        else:
            where[i] = len(out)
            out.append(raw[i])
            i += 1
    where[len(raw)] = len(out)
    return "".join(out), where


def test_collapsed_seeds_keep_their_score(extractor):
    gold = load_gold(CORPUS / "gold")
    tp = fp = fn = 0
    for path in sorted(CORPUS.glob("0*.txt")):
        raw = path.read_text(encoding="utf-8")
        text, where = collapse(raw)
        assert "\n" not in text
        g = gold[path.stem]
        either = []
        pos = 0
        for index, line in enumerate(raw.split("\n")):
            if index in g.either:
                either.append((where[pos], where[pos + len(line)]))
            pos += len(line) + 1
        truth = {(e["label"], where[e["start"]], where[e["end"]]) for e in g.spans if e["label"] in CORE}
        cleaned = clean_text(text, extractor.settings.clean, extractor.settings.models_dir)
        found = set()
        for e in extractor.entities(path.stem, text, cleaned):
            assert text[e["start"]:e["end"]] == e["text"]
            if e["label"] in CORE and not any(a <= e["start"] < b for a, b in either):
                found.add((e["label"], e["start"], e["end"]))
        tp += len(truth & found)
        fp += len(found - truth)
        fn += len(truth - found)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    print(f"collapsed seeds: core strict P {precision:.3f} R {recall:.3f} F1 {f1:.3f}")
    assert f1 >= MIN_F1
