"""The stored JSON of an item's signals is what `dataclasses.asdict` gives (it was built with it)."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from datetime import date

from warnd.store._convert import signals_from_json, signals_to_json
from warnd.types import Casualty, CasualtyKind, Place, Qualifier, Signals


def _by_asdict(signals: Signals) -> dict:
    out = asdict(signals)
    out["casualties"] = [{**c, "kind": str(c["kind"]), "qualifier": str(c["qualifier"]),
                          "since": c["since"].isoformat() if c["since"] else None} for c in out["casualties"]]
    return out


def test_the_same_json_as_asdict_and_back() -> None:
    signals = Signals(
        casualties=(Casualty(CasualtyKind.KILLED, 745, Qualifier.AT_LEAST, "civilians", True, "Latakia",
                             since=date(2025, 3, 6), scope="Latakia", attributed_to="a monitor"),
                    Casualty(CasualtyKind.INJURED, 12, part_of=0, historical=True, estimate=True)),
        places=(Place("Jableh", "locality", "Latakia", "Syria"), Place("Syria", "country")),
        targeted_groups=("Alawite",), region="Latakia", country="Syria", actors=("armed groups",),
        event_type="shelling")
    mine = signals_to_json(signals)
    assert json.dumps(mine, sort_keys=True) == json.dumps(_by_asdict(signals), sort_keys=True)
    assert signals_from_json(json.loads(json.dumps(mine))) == signals


def test_every_field_is_written() -> None:
    # A field added to these types must be added to signals_to_json too.
    empty = signals_to_json(Signals(casualties=(Casualty(CasualtyKind.KILLED, 1),), places=(Place("x", "country"),)))
    assert set(empty) == {f.name for f in fields(Signals)}
    assert set(empty["casualties"][0]) == {f.name for f in fields(Casualty)}
    assert set(empty["places"][0]) == {f.name for f in fields(Place)}
