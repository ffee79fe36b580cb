"""`warnd eval-extract GOLD.jsonl`: precision, recall and F1 of the extractor against labeled items.

Casualties match on (kind, count) as a multiset per item; victims, cumulative, qualifier and location
are scored on the matched pairs. Locations and targeted groups match as sets of names compared
without case, accents or hyphens ("Pont-Sondé" = "pont sonde"). Items labeled `is_casualty_report:
false` are negatives: any casualty read from one is a false alarm and is counted on its own
(a figure flagged `historical` is not one: history is allowed on a negative).

Historical figures are pairs like the others when the gold file labels history (any of its
casualties has a `historical` field); a file written to the older guide, which lists no history,
does not score the historical figures the extractor emits. On matched pairs the `historical`,
`estimate` and `part_of` flags are scored too (`part_of` agrees when both point at matched totals
that match each other, or both are null). `since`, `scope` and `attributed_to` are scored the same
way where a gold casualty carries them (`since` as an ISO date, `scope` compared like locations,
`attributed_to` without case); a gold line's optional `published` is the item's date the extractor
resolves relative dates against, and its optional `lang` the language it is read in (detected
without it). A file of items in several languages is scored as a whole, then per language. Each gold
line's optional `classes` (the error classes of
extract-error-classes.md it exercises) gets its own casualty-pair tally.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from warnd.extract.extractor import Extractor
from warnd.extract.gazetteer import name_key
from warnd.extract.jsonl import declared_language, published_of, signals_to_json, text_of


@dataclass(slots=True)
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class Report:
    casualties: Tally = field(default_factory=Tally)
    locations: Tally = field(default_factory=Tally)
    groups: Tally = field(default_factory=Tally)
    attributes: dict[str, Counter[bool]] = field(default_factory=dict)
    negatives: int = 0
    negatives_with_casualties: int = 0
    false_casualties_on_negatives: int = 0
    report_flag: Counter[bool] = field(default_factory=Counter)
    errors: list[tuple[int, str, list[str]]] = field(default_factory=list)
    items: int = 0
    by_class: dict[str, Tally] = field(default_factory=dict)
    field_errors: list[tuple[str, list[str]]] = field(default_factory=list)   # (id, notes), in gold order


_ATTRIBUTES = ("victims", "cumulative", "qualifier", "location")
_FLAGS = ("historical", "estimate", "part_of")
_TOLL_FIELDS = ("since", "scope", "attributed_to")   # scored where a gold casualty carries them


def _norm(name: str) -> str:
    return name_key(name).replace("'", "").replace(" ", "")


def _set_tally(gold: Iterable[str], pred: Iterable[str], tally: Tally, label: str, notes: list[str]) -> int:
    g = {_norm(x): x for x in gold}
    p = {_norm(x): x for x in pred}
    tally.tp += len(g.keys() & p.keys())
    missed = [g[k] for k in g.keys() - p.keys()]
    extra = [p[k] for k in p.keys() - g.keys()]
    tally.fn += len(missed)
    tally.fp += len(extra)
    if missed:
        notes.append(f"{label} missed: {', '.join(sorted(missed))}")
    if extra:
        notes.append(f"{label} extra: {', '.join(sorted(extra))}")
    return len(missed) + len(extra)


def score(gold: Sequence[dict[str, Any]], pred: Sequence[dict[str, Any]]) -> Report:
    """Score predicted lines against gold lines (matched by id, else by position)."""
    report = Report()
    by_id = {p.get("id"): p for p in pred}
    labels_history = any("historical" in c for g in gold for c in g.get("casualties", []))
    for n, g in enumerate(gold):
        p = by_id.get(g.get("id"), pred[n] if n < len(pred) else {})
        report.items += 1
        notes: list[str] = []
        errors = _score_casualties(g, p, report, notes, labels_history=labels_history)
        errors += _set_tally(g.get("locations", []), p.get("locations", []), report.locations, "location", notes)
        errors += _set_tally(g.get("targeted_groups", []), p.get("targeted_groups", []), report.groups, "group",
                             notes)
        pred_cas = [c for c in p.get("casualties", []) if not c.get("historical")]
        gold_cas = [c for c in g.get("casualties", []) if not c.get("historical")]
        if not g.get("is_casualty_report", True):
            report.negatives += 1
            report.false_casualties_on_negatives += len(pred_cas)
            report.negatives_with_casualties += 1 if pred_cas else 0
        flag = bool(p.get("is_casualty_report", bool(pred_cas)))
        report.report_flag[flag == bool(g.get("is_casualty_report", bool(gold_cas)))] += 1
        if errors:
            report.errors.append((errors, str(g.get("id")), notes))
    report.errors.sort(key=lambda e: (-e[0], e[1]))
    return report


def _score_casualties(g: dict[str, Any], p: dict[str, Any], report: Report, notes: list[str], *,
                      labels_history: bool) -> int:
    """Match the item's casualty pairs; tally them overall and per class; note every field error."""
    gold_cas = list(g.get("casualties", []))
    pred_cas = [c for c in p.get("casualties", []) if labels_history or not c.get("historical")]
    classes = [c for c in g.get("classes", []) if isinstance(c, str)]
    tallies = [report.casualties, *(report.by_class.setdefault(c, Tally()) for c in classes)]
    field_notes: list[str] = []
    errors = 0
    free = list(range(len(pred_cas)))
    matched: dict[int, int] = {}          # gold index -> pred index
    for gi, c in enumerate(gold_cas):
        pi = next((k for k in free if (pred_cas[k]["kind"], pred_cas[k]["count"]) == (c["kind"], c["count"])),
                  None)
        if pi is None:
            for t in tallies:
                t.fn += 1
            errors += 1
            note = f"casualty missed: {c['kind']} {c['count']} ({c.get('victims')})"
            notes.append(note)
            field_notes.append(note)
            continue
        free.remove(pi)
        matched[gi] = pi
        for t in tallies:
            t.tp += 1
    for gi, pi in matched.items():
        c, q = gold_cas[gi], pred_cas[pi]
        for attr in _ATTRIBUTES:
            same = (c.get(attr) == q.get(attr)) if attr != "location" else (
                _norm(c.get(attr) or "") == _norm(q.get(attr) or ""))
            report.attributes.setdefault(attr, Counter())[same] += 1
            if not same:
                errors += 1
                note = f"{attr} of {c['kind']} {c['count']}: want {c.get(attr)!r}, got {q.get(attr)!r}"
                notes.append(note)
                field_notes.append(note)
        for flag in _FLAGS:
            if flag not in c:
                continue  # a gold line written to the older guide does not label the flags
            if flag == "part_of":
                want = c.get("part_of")
                same = (want is None and q.get("part_of") is None) or (
                    want is not None and matched.get(want) is not None and matched.get(want) == q.get("part_of"))
            else:
                same = bool(c.get(flag)) == bool(q.get(flag))
            report.attributes.setdefault(flag, Counter())[same] += 1
            if not same:
                field_notes.append(f"{flag} of {c['kind']} {c['count']}: want {c.get(flag)!r}, got {q.get(flag)!r}")
        for name in _TOLL_FIELDS:
            if name not in c:
                continue
            same = _same_fact(name, c.get(name), q.get(name))
            report.attributes.setdefault(name, Counter())[same] += 1
            if not same:
                field_notes.append(f"{name} of {c['kind']} {c['count']}: want {c.get(name)!r}, got {q.get(name)!r}")
    for k in free:
        q = pred_cas[k]
        for t in tallies:
            t.fp += 1
        errors += 2 if not g.get("is_casualty_report", True) else 1
        notes.append(f"casualty extra: {q['kind']} {q['count']} ({q.get('victims')})")
        field_notes.append(f"casualty spurious: {q['kind']} {q['count']} ({q.get('victims')})"
                           + (" [historical]" if q.get("historical") else ""))
    if field_notes:
        report.field_errors.append((str(g.get("id")), field_notes))
    return errors


def _same_fact(name: str, want: Any, got: Any) -> bool:
    if want is None or got is None:
        return want is None and got is None
    if name == "scope":
        return _norm(str(want)) == _norm(str(got))
    return str(want).casefold() == str(got).casefold()


def write_report(report: Report, out: TextIO, *, worst: int = 15, errors: bool = False) -> None:
    """Print the scores as a table, then the items with the most errors; with `errors`, every item's
    missed and spurious pairs and field errors, and the casualty pairs per error class."""
    out.write(f"items: {report.items}\n\n")
    out.write(f"{'part':<22}{'precision':>10}{'recall':>10}{'F1':>8}{'tp':>6}{'fp':>6}{'fn':>6}\n")
    for label, t in (("casualty (kind,count)", report.casualties), ("locations", report.locations),
                     ("targeted groups", report.groups)):
        out.write(f"{label:<22}{t.precision:>10.3f}{t.recall:>10.3f}{t.f1:>8.3f}{t.tp:>6}{t.fp:>6}{t.fn:>6}\n")
    out.write("\naccuracy on matched casualty pairs:\n")
    for attr in (*_ATTRIBUTES, *(f for f in (*_FLAGS, *_TOLL_FIELDS) if f in report.attributes)):
        c = report.attributes.get(attr, Counter())
        total = c[True] + c[False]
        acc = c[True] / total if total else 1.0
        out.write(f"  {attr:<12}{acc:>7.3f}  ({c[True]}/{total})\n")
    flag_total = report.report_flag[True] + report.report_flag[False]
    out.write(f"\nis_casualty_report accuracy: {report.report_flag[True] / flag_total if flag_total else 1.0:.3f}\n")
    out.write(f"negative items: {report.negatives}; with a false casualty: {report.negatives_with_casualties}; "
              f"false casualties on them: {report.false_casualties_on_negatives}\n")
    if report.errors and worst > 0:
        out.write(f"\nworst errors (top {min(worst, len(report.errors))} of {len(report.errors)} items):\n")
        for count, item_id, notes in report.errors[:worst]:
            out.write(f"  {item_id} ({count}):\n")
            for note in notes:
                out.write(f"    - {note}\n")
    if errors:
        _write_errors(report, out)


def _write_errors(report: Report, out: TextIO) -> None:
    if report.by_class:
        out.write("\ncasualty pairs per error class:\n")
        out.write(f"  {'class':<8}{'precision':>10}{'recall':>10}{'F1':>8}{'tp':>6}{'fp':>6}{'fn':>6}\n")
        for name in sorted(report.by_class, key=lambda c: (c[:1], int(c[1:]) if c[1:].isdigit() else 0, c)):
            t = report.by_class[name]
            out.write(f"  {name:<8}{t.precision:>10.3f}{t.recall:>10.3f}{t.f1:>8.3f}{t.tp:>6}{t.fp:>6}{t.fn:>6}\n")
    out.write(f"\ncasualty field errors ({len(report.field_errors)} items):\n")
    for item_id, notes in report.field_errors:
        out.write(f"  {item_id}:\n")
        for note in notes:
            out.write(f"    - {note}\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read a JSON Lines file of objects.

    Raises:
        ValueError: naming the line that is not a JSON object.
    """
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{number}: not JSON: {e.msg}") from e
            if not isinstance(obj, dict):
                raise ValueError(f"{path}:{number}: expected a JSON object")
            rows.append(obj)
    return rows


def eval_extract(gold_path: Path, extractor: Extractor, out: TextIO, *, errors: bool = False) -> int:
    """Run the extractor over a labeled file and print precision/recall/F1 and the worst errors.

    Returns:
        0 when the file was scored, 2 when it could not be read.
    """
    try:
        gold = read_jsonl(gold_path)
        texts = [text_of(g) for g in gold]
        dates = [published_of(g) for g in gold]
        languages = [declared_language(g) for g in gold]
    except (OSError, ValueError) as e:
        out.write(f"eval-extract: {e}\n")
        return 2
    pred = [signals_to_json(g.get("id"), extractor.extract_text(t, published=d, language=lang))
            for g, t, d, lang in zip(gold, texts, dates, languages, strict=True)]
    write_report(score(gold, pred), out, errors=errors)
    by_language: dict[str, list[int]] = {}
    for k, p in enumerate(pred):
        by_language.setdefault(str(p["language"]), []).append(k)
    if len(by_language) > 1:   # a file of several languages: each one's scores after the whole file's
        for language, indexes in sorted(by_language.items()):
            read = "" if all(pred[k]["read"] for k in indexes) else ", not read"
            out.write(f"\n=== language {language} ({len(indexes)} items{read})\n")
            write_report(score([gold[k] for k in indexes], [pred[k] for k in indexes]), out, worst=0)
    return 0
