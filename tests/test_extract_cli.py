"""`warnd extract` and `warnd eval-extract`: JSON Lines in and out, bad lines, scores; the stage API."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

import warnd.extract
from warnd.extract import Extractor, eval_extract, extract_jsonl, load_extractor
from warnd.types import Casualty, CasualtyKind, Item, Place, Signals

DATA = Path(__file__).parent / "data" / "extract"


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return load_extractor()


def test_exported_members() -> None:
    assert sorted(warnd.extract.__all__) == ["Extractor", "eval_extract", "extract_casualties", "extract_jsonl",
                                             "load_extractor"]


def test_extract_jsonl_shapes(extractor: Extractor) -> None:
    src = io.StringIO(
        json.dumps({"id": "a", "text": "Gunmen killed 12 villagers near Jableh on Friday."}) + "\n"
        + json.dumps({"id": "b", "title": "Clashes in Sweida", "summary": "At least 30 people were wounded."}) + "\n"
    )
    dst, err = io.StringIO(), io.StringIO()
    assert extract_jsonl(src, dst, extractor, err=err) == 0
    a, b = (json.loads(line) for line in dst.getvalue().splitlines())
    assert a == {
        "id": "a",
        "casualties": [{"kind": "killed", "count": 12, "qualifier": "exact", "victims": "civilians",
                        "cumulative": False, "location": "Jableh", "part_of": None, "historical": False,
                        "estimate": False, "since": None, "scope": None, "attributed_to": None}],
        "locations": ["Jableh"], "targeted_groups": [], "region": "Latakia", "country": "Syria",
        "is_casualty_report": True, "language": "en", "read": True,
    }
    assert b["casualties"][0]["location"] == "Suwayda" and b["region"] == "Suwayda"
    assert err.getvalue() == ""


def test_extract_jsonl_prints_what_a_toll_counts(extractor: Extractor) -> None:
    text = ("The Syrian Observatory for Human Rights said at least 1,018 people had been killed in Latakia, "
            "Tartus and Homs provinces since Thursday.")
    src = io.StringIO(json.dumps({"id": "t", "text": text, "published": "2025-03-09T09:00:00+00:00"}) + "\n"
                      + json.dumps({"id": "u", "text": text}) + "\n")
    dst, err = io.StringIO(), io.StringIO()
    assert extract_jsonl(src, dst, extractor, err=err) == 0, err.getvalue()
    dated, undated = (json.loads(line)["casualties"][0] for line in dst.getvalue().splitlines())
    assert (dated["since"], dated["scope"], dated["attributed_to"]) == (
        "2025-03-06", "Syria", "Syrian Observatory for Human Rights")
    assert dated["cumulative"] is True and dated["location"] == "Latakia"   # the old fields keep their meaning
    assert (undated["since"], undated["scope"]) == (None, "Syria")   # an undated "since Thursday" has no date


BAD_LINES = [
    pytest.param("{not json\n", "line 2: not JSON: ", id="not-json"),
    pytest.param('["a list"]\n', "line 2: expected a JSON object", id="not-object"),
    pytest.param('{"id": "x", "text": 5}\n', "line 2: 'text' must be a string", id="text-not-string"),
    pytest.param('{"id": "x"}\n', "line 2: expected a string 'text'", id="no-text"),
    pytest.param('{"id": "x", "text": "Two were killed.", "published": "last week"}\n',
                 "line 2: 'published' must be an ISO date or date-time (2025-03-09), not 'last week'",
                 id="published-not-a-date"),
    pytest.param('{"id": "x", "text": "Two were killed.", "published": 20250309}\n',
                 "line 2: 'published' must be an ISO date", id="published-not-a-string"),
]


@pytest.mark.parametrize("bad, message", BAD_LINES)
def test_bad_line_reported_and_others_continue(extractor: Extractor, bad: str, message: str) -> None:
    good = json.dumps({"id": "ok", "text": "Two soldiers were killed."}) + "\n"
    dst, err = io.StringIO(), io.StringIO()
    assert extract_jsonl(io.StringIO(good + bad + good), dst, extractor, err=err) == 1
    assert len(dst.getvalue().splitlines()) == 2
    assert message in err.getvalue()


def test_eval_extract_prints_scores(extractor: Extractor) -> None:
    out = io.StringIO()
    assert eval_extract(DATA / "gold_small.jsonl", extractor, out) == 0
    text = out.getvalue()
    for part in ("casualty (kind,count)", "locations", "targeted groups", "victims", "cumulative",
                 "negative items", "worst errors"):
        assert part in text
    assert "casualty missed: killed 99" in text   # the deliberately unreachable gold figure is listed


def test_eval_extract_unreadable(extractor: Extractor, tmp_path: Path) -> None:
    out = io.StringIO()
    assert eval_extract(tmp_path / "missing.jsonl", extractor, out) == 2
    assert "missing.jsonl" in out.getvalue()


def test_structured_item_keeps_its_signals(extractor: Extractor) -> None:
    given = Signals(casualties=(Casualty(CasualtyKind.KILLED, 4, location="Jableh"),))
    item = Item(feed="acled", key="k", title="Battles", summary="killed 400 in Damascus", signals=given,
                published_at=datetime(2025, 3, 8, tzinfo=UTC))
    signals = extractor.extract(item)
    assert signals.casualties == given.casualties
    assert (signals.region, signals.country) == ("Latakia", "Syria")


def test_structured_item_with_places(extractor: Extractor) -> None:
    given = Signals(places=(Place("Tartus", "region", "Tartus", "Syria"),))
    item = Item(feed="acled", key="k", title="x", signals=given)
    assert (extractor.extract(item).region, extractor.extract(item).country) == ("Tartus", "Syria")


def test_item_text_uses_publication_year(extractor: Extractor) -> None:
    item = Item(feed="f", key="k", title="Remembering Hama",
                summary="In 1982, government forces killed at least 10,000 people in the city.",
                published_at=datetime(2025, 2, 2, tzinfo=UTC))
    signals = extractor.extract(item)
    assert [(c.count, c.historical) for c in signals.casualties] == [(10000, True)]
    assert not signals.is_casualty_report


def test_item_published_date_resolves_since(extractor: Extractor) -> None:
    item = Item(feed="f", key="k", title="Toll rises to 1,018",
                summary="The toll since Thursday rose to 1,018, the Syrian Observatory for Human Rights said.",
                published_at=datetime(2025, 3, 9, 9, tzinfo=UTC))
    (toll,) = extractor.extract(item).casualties
    assert toll.since == datetime(2025, 3, 6).date()


def test_eval_extract_scores_toll_fields(extractor: Extractor, tmp_path: Path) -> None:
    text = "The Observatory said 1,018 people had been killed in Latakia province since Thursday."
    gold = tmp_path / "gold.jsonl"
    lines = [{"id": "1", "text": text, "published": "2025-03-09", "casualties": [
                 {"kind": "killed", "count": 1018, "cumulative": True, "since": "2025-03-06", "scope": "Latakia",
                  "attributed_to": "Syrian Observatory for Human Rights"}]},
             {"id": "2", "text": text, "casualties": [   # undated: the since it wants cannot be read
                 {"kind": "killed", "count": 1018, "cumulative": True, "since": "2025-03-06", "scope": "latakia"}]},
             {"id": "3", "text": "Gunmen killed 12 villagers near Jableh.", "casualties": [
                 {"kind": "killed", "count": 12}]}]   # carries none of them: not scored
    gold.write_text("".join(json.dumps(g) + "\n" for g in lines), encoding="utf-8")
    out = io.StringIO()
    assert eval_extract(gold, extractor, out, errors=True) == 0
    report = out.getvalue()
    assert "since         0.500  (1/2)" in report
    assert "scope         1.000  (2/2)" in report
    assert "attributed_to  1.000  (1/1)" in report or "attributed_to1.000  (1/1)" in report
    assert "since of killed 1018: want '2025-03-06', got None" in report


def test_eval_extract_bad_published(extractor: Extractor, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "1", "text": "Two were killed.", "published": "soon"}) + "\n",
                    encoding="utf-8")
    out = io.StringIO()
    assert eval_extract(gold, extractor, out) == 2
    assert "'published' must be an ISO date" in out.getvalue()


def test_own_labeled_set_scores(extractor: Extractor) -> None:
    # tests/data/extract/own_gold.jsonl: 82 news-style items written for this test (not from the dev
    # set), labeled by EXTRACT_FORMAT.md; floors well under today's scores, to catch regressions
    from warnd.extract.evaluation import read_jsonl, score
    from warnd.extract.jsonl import signals_to_json, text_of

    gold = read_jsonl(DATA / "own_gold.jsonl")
    pred = [signals_to_json(g["id"], extractor.extract_text(text_of(g))) for g in gold]
    report = score(gold, pred)
    assert report.casualties.f1 >= 0.93
    assert report.locations.f1 >= 0.9
    assert report.groups.f1 >= 0.85
    assert report.false_casualties_on_negatives == 0


def test_eval_extract_errors_lists_field_errors(extractor: Extractor) -> None:
    out = io.StringIO()
    assert eval_extract(DATA / "gold_small.jsonl", extractor, out, errors=True) == 0
    assert "casualty field errors" in out.getvalue()
