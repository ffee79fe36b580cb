"""`warnd eval-extract` scoring: pairs, flags on matched pairs, history, per-class tallies, the error listing."""

from __future__ import annotations

import io
from typing import Any

from warnd.extract.evaluation import score, write_report


def cas(kind: str, count: int, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "count": count, "qualifier": "exact", "victims": "people", "cumulative": False,
            "location": None, **extra}


GOLD = [
    {"id": "a", "classes": ["C1"], "is_casualty_report": True,
     "casualties": [cas("killed", 10, part_of=None, historical=False, estimate=False),
                    cas("killed", 4, part_of=0, historical=False, estimate=False)]},
    {"id": "b", "classes": ["C10"], "is_casualty_report": False,
     "casualties": [cas("killed", 800, part_of=None, historical=True, estimate=False)]},
]


def test_flags_and_classes_are_scored_on_matched_pairs() -> None:
    pred = [
        {"id": "a", "casualties": [cas("killed", 10), cas("killed", 4, part_of=None), cas("injured", 3)]},
        {"id": "b", "casualties": [cas("killed", 800, historical=True)], "is_casualty_report": False},
    ]
    report = score(GOLD, pred)
    assert (report.casualties.tp, report.casualties.fp, report.casualties.fn) == (3, 1, 0)
    assert report.attributes["part_of"][False] == 1          # the 4 should point at the 10
    assert report.attributes["historical"][True] == 3
    assert report.by_class["C1"].fp == 1 and report.by_class["C10"].tp == 1
    assert report.false_casualties_on_negatives == 0          # history on a negative is no false alarm
    out = io.StringIO()
    write_report(report, out, errors=True)
    text = out.getvalue()
    assert "casualty pairs per error class:" in text and "C10" in text
    assert "casualty spurious: injured 3" in text
    assert "part_of of killed 4: want 0, got None" in text


def test_a_file_without_history_labels_does_not_score_emitted_history() -> None:
    gold = [{"id": "x", "casualties": [cas("killed", 3)], "is_casualty_report": True}]
    pred = [{"id": "x", "casualties": [cas("killed", 3), cas("killed", 5000, historical=True)]}]
    report = score(gold, pred)
    assert (report.casualties.tp, report.casualties.fp) == (1, 0)
    assert "historical" not in report.attributes


def test_without_errors_flag_the_report_keeps_its_shape() -> None:
    out = io.StringIO()
    write_report(score(GOLD, [{"id": "a", "casualties": []}, {"id": "b", "casualties": []}]), out)
    assert "per error class" not in out.getvalue() and "worst errors" in out.getvalue()
