"""What a figure counts (issue 15, item 1): `since`, `scope` and `attributed_to` per casualty figure.

The sentences are written for these tests. Unless a case says otherwise the item is dated Tuesday
11 March 2025, so "Thursday" is 6 March and "Friday" (after a Tuesday) is last week's, 7 March.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warnd.config.settings import FeedSettings
from warnd.errors import ConfigError
from warnd.extract import Extractor, load_extractor
from warnd.parse import parse_feed
from warnd.types import Casualty

TUESDAY = date(2025, 3, 11)


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return load_extractor()


def figure(extractor: Extractor, text: str, count: int, published: date | None = TUESDAY) -> Casualty:
    found = [c for c in extractor.extract_text(text, published=published).casualties if c.count == count]
    assert found, f"no figure {count} in {text!r}"
    return found[0]


# --- since ---------------------------------------------------------------------------------------------

SINCE = [
    ("At least 1,018 people have been killed since Thursday, the monitor said.", 1018, date(2025, 3, 6)),
    # a weekday after the item's own weekday is last week's
    ("At least 120 people have been killed since Friday, medics said.", 120, date(2025, 3, 7)),
    ("At least 120 people have been killed since Tuesday, medics said.", 120, TUESDAY),
    ("Police have arrested 74 people since last Tuesday.", 74, date(2025, 3, 4)),
    ("Since Thursday, at least 745 civilians have been killed in Latakia.", 745, date(2025, 3, 6)),
    ("The toll since Thursday rose to 1,018.", 1018, date(2025, 3, 6)),
    ("At least 300 people have died since 6 March.", 300, date(2025, 3, 6)),
    ("At least 300 people have died since March 6.", 300, date(2025, 3, 6)),
    ("At least 300 people have died since March 6, 2024.", 300, date(2024, 3, 6)),
    ("At least 300 people have died since 20 December.", 300, date(2024, 12, 20)),  # the latest one before
    ("At least 300 people have died since October 2023.", 300, date(2023, 10, 1)),
    ("The violence has killed more than 2,500 people since 2018.", 2500, date(2018, 1, 1)),
    ("At least 263 people have died since late June.", 263, date(2024, 6, 1)),
    ("Cholera has killed 87 people since the start of the month.", 87, date(2025, 3, 1)),
    ("Cholera has killed 87 people since the beginning of the year.", 87, date(2025, 1, 1)),
    ("Police have detained 40 people since the beginning of the week.", 40, date(2025, 3, 10)),
    ("So far this year, 143 child deaths have been confirmed.", 143, date(2025, 1, 1)),
    ("Drought has killed 1,400 people this year alone.", 1400, date(2025, 1, 1)),
    ("Over the past three days 120 people were killed in Homs.", 120, date(2025, 3, 8)),
    ("In the last 48 hours 40 people have been killed in Idlib.", 40, date(2025, 3, 9)),
    ("In the past week 17 people were killed in Sweida.", 17, date(2025, 3, 4)),
    ("The fighting has killed 500 people since the fighting began on 6 March.", 500, date(2025, 3, 6)),
    ("At least 70 people have been killed in Latakia province since the ambushes on Thursday.", 70,
     date(2025, 3, 6)),
    ("More than 260 people have been killed since the violence erupted in Manipur in May 2023.", 260,
     date(2023, 5, 1)),
    # the superlative's "since" is no start of this count
    ("At least 1,018 people have been killed since Thursday in the worst violence since 2011.", 1018,
     date(2025, 3, 6)),
    ("At least 30 people were killed in Homs on Monday, the deadliest day since 2011.", 30, None),
    # "since 2011" in background history belongs to another sentence
    ("Syria has been at war since 2011. On Friday gunmen killed 12 people in Idlib.", 12, None),
    ("Gunmen killed 12 people in Idlib, which has been outside government control since 2011.", 12, None),
    # a "since" that gives no date: no start the text states
    ("The war has killed 61,233 people since the war began.", 61233, None),
    ("Some 12,654 civilians have been killed since the full-scale invasion began.", 12654, None),
]


@pytest.mark.parametrize("text, count, want", SINCE, ids=[t[:60] for t, _, _ in SINCE])
def test_since(extractor: Extractor, text: str, count: int, want: date | None) -> None:
    assert figure(extractor, text, count).since == want


def test_since_without_a_year_is_the_latest_date_on_or_before_the_item() -> None:
    extractor = load_extractor()
    assert figure(extractor, "At least 300 people have died since 6 March.", 300, date(2026, 2, 1)).since \
        == date(2025, 3, 6)


@pytest.mark.parametrize("text, count, want", [
    ("At least 1,018 people have been killed since Thursday.", 1018, None),
    ("At least 300 people have died since 6 March.", 300, None),
    ("At least 300 people have died since the start of the year.", 300, None),
    ("Over the past three days 120 people were killed in Homs.", 120, None),
    # a date the text gives in full needs no publication date
    ("At least 300 people have died since October 2023.", 300, date(2023, 10, 1)),
    ("At least 300 people have died since March 6, 2024.", 300, date(2024, 3, 6)),
])
def test_undated_item_resolves_only_absolute_dates(extractor: Extractor, text: str, count: int,
                                                   want: date | None) -> None:
    assert figure(extractor, text, count, published=None).since == want


def test_since_marks_a_running_total(extractor: Extractor) -> None:
    # the phrase sits past the list's commas: the figure is still a running total, and a fixed span is not
    toll = figure(extractor, "At least 13 people were killed in Latakia, Tartus and Homs provinces since Saturday.",
                  13)
    assert (toll.since, toll.cumulative) == (date(2025, 3, 8), True)
    assert not figure(extractor, "Over the past three days 120 people were killed in Homs.", 120).cumulative


def test_toll_frame_carries_since_scope_and_source(extractor: Extractor) -> None:
    text = ("The Syrian Observatory for Human Rights said the toll across the coast since Thursday rose to 1,018. "
            "Another 31 were found dead in Jableh. By Sunday the toll had risen to 1,383. "
            "Separately, three people were killed in Homs on Monday, police said.")
    toll, another, restated, separate = extractor.extract_text(text, published=TUESDAY).casualties
    sohr = "Syrian Observatory for Human Rights"
    assert (toll.since, toll.scope, toll.attributed_to) == (date(2025, 3, 6), "Syria", sohr)
    # "Another 31" continues the toll: its start and source, and its own place
    assert (another.since, another.scope, another.attributed_to) == (date(2025, 3, 6), "Jableh", sohr)
    assert (restated.since, restated.scope, restated.attributed_to) == (date(2025, 3, 6), "Syria", sohr)
    # an incident of its own inherits nothing (its place is its location)
    assert (separate.since, separate.scope, separate.attributed_to) == (None, None, "Police")
    assert separate.location == "Homs"


def test_parts_take_their_totals_facts(extractor: Extractor) -> None:
    text = ("The monitor raised its count of people killed in Latakia, Tartus and Homs provinces since Thursday "
            "to 1,018, including 125 members of the security forces.")
    total, part = extractor.extract_text(text, published=date(2025, 3, 9)).casualties
    assert part.part_of == 0
    assert (part.since, part.scope, part.attributed_to) == (total.since, total.scope, total.attributed_to)
    assert (total.since, total.scope) == (date(2025, 3, 6), "Syria")


def test_historical_figure_has_no_since(extractor: Extractor) -> None:
    text = "Ten years since the 2015 massacre, in which gunmen killed 40 villagers since dawn, survivors met in Homs."
    for c in extractor.extract_text(text, published=TUESDAY).casualties:
        assert c.since is None


# --- scope ---------------------------------------------------------------------------------------------

SCOPE = [
    ("Clashes across the coast have killed 1,018 people since Thursday, mostly in Latakia.", 1018, "Syria"),
    ("At least 745 civilians have been killed in the coastal provinces since Thursday in Latakia and Tartus.",
     745, "Syria"),
    ("At least 1,018 people were killed in Latakia, Tartus and Homs provinces since Thursday.", 1018, "Syria"),
    ("More than 600 civilians have been killed on the Syrian coast since Thursday.", 600, "Syria"),
    ("At least 200 people have been killed across Syria since Thursday.", 200, "Syria"),
    ("At least 200 people have been killed nationwide since Thursday, officials in Damascus said.", 200, "Syria"),
    ("At least 31 villagers have been killed in Jableh since Friday.", 31, "Jableh"),
    # an incident's place is its location: no scope
    ("Gunmen killed 31 villagers in Jableh on Friday.", 31, None),
    ("Floods in Yemen's Hadramout province have killed 38 people since Saturday.", 38, "Hadramawt"),
    ("Clashes in Nuh and Sohna have killed 19 people since Thursday.", 19, "Haryana"),
    ("At least nine people have been killed in the coastal city of Baniyas since Saturday.", 9, "Baniyas"),
    # the dateline city is not the toll's place
    ("BEIRUT — Clashes on the Syrian coast have killed 1,018 people since Thursday.", 1018, "Syria"),
    ("CULIACÁN, Mexico — The feud has killed 1,200 people in the state since September 2024.", 1200, None),
    # nor is the source's ("the ministry in Gaza said"), nor a place of another clause
    ("The health ministry in Gaza said the war has killed 61,233 people.", 61233, None),
    ("At least 70 people were killed as fighting spread to Latakia.", 70, None),
]


@pytest.mark.parametrize("text, count, want", SCOPE, ids=[t[:60] for t, _, _ in SCOPE])
def test_scope(extractor: Extractor, text: str, count: int, want: str | None) -> None:
    scope = figure(extractor, text, count).scope
    assert scope == want
    if scope is not None:   # the store resolves it to a region and a country
        entry = extractor.best_entry(scope, None)
        assert entry is not None and entry.country is not None


def test_scope_of_several_regions_resolves_to_their_country(extractor: Extractor) -> None:
    entry = extractor.best_entry(figure(extractor, "At least 30 were killed in Idlib and Hama provinces since Friday.", 30).scope
                                 or "", None)
    assert entry is not None and (entry.name, entry.level) == ("Syria", "country")


# --- attributed_to -------------------------------------------------------------------------------------

SOHR = "Syrian Observatory for Human Rights"
SOURCES = [
    ("At least 1,018 people were killed, the Syrian Observatory for Human Rights said.", 1018, SOHR),
    ("At least 40 people were killed in Khartoum, according to the health ministry.", 40, "Health Ministry"),
    ("The Ministry of Health said 40 people were killed in Khartoum.", 40, "Health Ministry"),
    ("SOHR reported 12 killed in Homs.", 12, SOHR),
    ("More than 600 civilians have been killed, a UK-based war monitor said.", 600, SOHR),
    ("Some 85,000 people have fled since February, the UN's OCHA said.", 85000, "OCHA"),
    ("Some 85,000 people have fled, the UN refugee agency said.", 85000, "UNHCR"),
    ("The Kano State Emergency Management Agency said 23 people drowned.", 23, "Kano State Emergency Management Agency"),
    ("The disaster agency AFAD said 4,518 people died.", 4518, "AFAD"),
    ("Landslides have killed 27 people, the Uganda Red Cross said.", 27, "Uganda Red Cross"),
    ("Police said 12 people were detained in Kano.", 12, "Police"),
    # the ones who only relay or are not named
    ("Gunmen killed 12 people in Idlib, local officials told Reuters.", 12, None),
    ("Gunmen killed 12 people in Idlib, Reuters reported.", 12, None),
    ("Gunmen killed 31 residents, survivors told the monitor by phone.", 31, None),
    ("At least 13 people were killed, a rights group said.", 13, None),
    ("At least 13 people were killed, said the state's deputy governor, Samuel Ode Paul.", 13, None),
    ("At least 13 people were killed in Jos, officials said.", 13, None),
]


@pytest.mark.parametrize("text, count, want", SOURCES, ids=[t[:60] for t, _, _ in SOURCES])
def test_attributed_to(extractor: Extractor, text: str, count: int, want: str | None) -> None:
    assert figure(extractor, text, count).attributed_to == want


def test_the_observatory_after_its_full_name(extractor: Extractor) -> None:
    text = ("The Syrian Observatory for Human Rights said 745 civilians had been killed since Thursday. "
            "The Observatory said 31 more died in Baniyas, and the monitor put the number missing at 20.")
    assert [c.attributed_to for c in extractor.extract_text(text, published=TUESDAY).casualties] == [SOHR] * 3


def test_two_sources_in_one_item(extractor: Extractor) -> None:
    text = ("The health ministry said 40 people were killed in Homs on Monday. "
            "The Syrian Observatory for Human Rights put the toll at 55, while local officials said 61 died.")
    by_count = {c.count: c.attributed_to for c in extractor.extract_text(text, published=TUESDAY).casualties}
    assert by_count == {40: "Health Ministry", 55: SOHR, 61: None}


def test_pronoun_sentence_later(extractor: Extractor) -> None:
    text = ("The Syrian Network for Human Rights said 20 people were killed in Homs. "
            "It said another 12 died in Hama.")
    assert [c.attributed_to for c in extractor.extract_text(text).casualties] == ["Syrian Network for Human Rights"] * 2
    text = "At least 40 people were killed in the shelling of Khartoum. The figures were compiled by the Sudan Doctors Network."
    assert figure(extractor, text, 40).attributed_to == "Sudan Doctors Network"
    # a reference back with nothing named before it, outside the countries where it implies a source
    assert figure(extractor, "At least 40 people were killed in Khartoum, the monitor said.", 40).attributed_to is None


def test_a_monitor_unnamed_in_syria_reporting(extractor: Extractor) -> None:
    text = "More than 1,000 people have been killed in Latakia and Tartus provinces since Thursday, the war monitor said."
    assert figure(extractor, text, 1000).attributed_to == SOHR


def test_operator_sources(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - {name: Kivu Security Tracker, aliases: [KST], refer: [tracker]}\n"
                    "relays: [Radio Okapi]\n", encoding="utf-8")
    extractor = load_extractor([], [path])
    assert figure(extractor, "KST said 14 civilians were killed in Beni.", 14).attributed_to == "Kivu Security Tracker"
    text = "The Kivu Security Tracker counted 30 deaths in Beni. The tracker said 12 more died in Butembo."
    assert [c.attributed_to for c in extractor.extract_text(text).casualties] == ["Kivu Security Tracker"] * 2
    assert figure(extractor, "Gunmen killed 9 people in Beni, Radio Okapi reported.", 9).attributed_to is None


def test_bad_operator_source_is_located(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - name: Kivu Security Tracker\n    alias: [KST]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_extractor([], [path])
    assert f"{path}:3:5" in str(e.value) and "alias" in str(e.value)


# --- the demo ------------------------------------------------------------------------------------------

def test_demo_running_toll(extractor: Extractor) -> None:
    # the recorded dates (not replayed): "since Thursday" in the items of 7-9 March 2025 is 6 March
    root = Path(__file__).resolve().parent.parent / "demo"
    tolls = []
    for name in ("coast-monitor.rss", "coast-wire.rss"):
        feed = FeedSettings(name=name.removesuffix(".rss"), url=f"demo/{name}")
        parsed = parse_feed((root / name).read_bytes(), feed=feed, url=feed.url,
                            fetched_at=datetime(2025, 3, 10, tzinfo=UTC))
        for item in parsed.items:
            tolls += [c for c in extractor.extract(item).casualties if c.cumulative and c.part_of is None
                      and c.count >= 600]
    assert sorted(c.count for c in tolls) == [600, 745, 1000, 1018]
    for c in tolls:
        assert (c.since, c.scope, c.attributed_to) == (date(2025, 3, 6), "Syria", SOHR), c


# --- cost: linear in the text --------------------------------------------------------------------------

_TOLL_WORDS = st.lists(st.sampled_from([
    "said", "says", "told", "Reuters", "according to", "the", "Syrian Observatory for Human Rights", "SOHR",
    "the monitor", "the Observatory", "health ministry", "it", "since", "Thursday", "6 March", "2025", "the start of",
    "the year", "over the past", "three days", "in the last", "48 hours", "this year", "Latakia", ",", "Tartus", "and",
    "Homs provinces", "across the coast", "nationwide", "1,018", "12", "killed", "toll", "rose to", "another 31",
    "were", "dead", ";", ".", "\n", "compiled by", "the figures", "a rights group", "put the toll at", "Jableh",
]), min_size=5, max_size=40).map(" ".join)


def _own_calls(extractor: Extractor, text: str) -> int:
    """Calls made by or into toll_scope.py and attribution.py during one extraction: their cost alone."""
    count = 0
    mine = ("toll_scope.py", "attribution.py")

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call") and frame.f_code.co_filename.endswith(mine):  # type: ignore[attr-defined]
            count += 1

    sys.setprofile(profile)
    try:
        extractor.extract_text(text, published=TUESDAY)
    finally:
        sys.setprofile(None)
    return count


@settings(max_examples=15, deadline=None)
@given(chunk=_TOLL_WORDS)
def test_toll_facts_cost_is_linear(extractor: Extractor, chunk: str) -> None:
    small = chunk * 20
    ratio = _own_calls(extractor, small * 8) / max(1, _own_calls(extractor, small))
    assert ratio < 12


@pytest.mark.slow
@settings(max_examples=2, deadline=None)
@given(chunk=_TOLL_WORDS)
def test_one_megabyte_of_cues_in_linear_time(extractor: Extractor, chunk: str) -> None:
    big = (chunk + " ") * (1_000_000 // (len(chunk) + 1))
    small = big[: len(big) // 8]
    best = {"small": float("inf"), "big": float("inf")}
    for _ in range(2):
        for name, text in (("small", small), ("big", big)):
            begin = time.process_time()
            extractor.extract_text(text, published=TUESDAY)
            best[name] = min(best[name], time.process_time() - begin)
    assert best["big"] < 40 * max(best["small"], 0.01)


# --- the corpus's labels -------------------------------------------------------------------------------

@pytest.mark.parametrize("fold", [1, 2, 3])
def test_corpus_toll_fields_score(extractor: Extractor, fold: int) -> None:
    # tests/data/extract_corpus: every cumulative figure carries since/scope/attributed_to (fold 4 is
    # held out and only reported); floors under today's scores, to catch regressions
    from warnd.extract.evaluation import read_jsonl, score
    from warnd.extract.jsonl import published_of, signals_to_json, text_of

    gold = read_jsonl(Path(__file__).parent / "data" / "extract_corpus" / f"fold{fold}.jsonl")
    pred = [signals_to_json(g["id"], extractor.extract_text(text_of(g), published=published_of(g))) for g in gold]
    attributes = score(gold, pred).attributes
    accuracy = {name: attributes[name][True] / sum(attributes[name].values())
                for name in ("since", "scope", "attributed_to")}
    assert accuracy["since"] >= 0.9 and accuracy["attributed_to"] >= 0.9 and accuracy["scope"] >= 0.65, accuracy


def test_replayed_item_keeps_the_weekday_the_text_means(extractor: Extractor) -> None:
    # a replay shifts dates by an arbitrary span: "since Thursday" is resolved against the recorded
    # date, then moved by the same shift, so every item of the recording names the same start
    from datetime import timedelta

    from warnd.parse.replay import replay_shift
    from warnd.types import Item

    recorded = [Item(feed="f", key=str(day), title=f"Toll rises to {count}",
                     summary=f"At least {count} people have been killed since Thursday, the monitor said.",
                     published_at=datetime(2025, 3, day, 9, tzinfo=UTC))
                for day, count in ((7, 70), (8, 745), (9, 1018))]
    now = datetime(2026, 12, 3, 1, 40, tzinfo=UTC)   # a Thursday: the shifted Saturday is a Wednesday
    shifted = replay_shift(recorded, now)
    delta = shifted[-1].published_at - recorded[-1].published_at  # type: ignore[operator]
    starts = {c.since for item in shifted for c in extractor.extract(item).casualties}
    assert starts == {date(2025, 3, 6) + timedelta(days=delta.days)}
