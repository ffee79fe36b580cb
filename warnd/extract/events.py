"""The type of attack an item reports, when it names one: what tells two incidents in one town apart.

Two reports of "12 killed in Idlib" on one day are one incident, unless one says a car bomb and the
other an airstrike (docs/rules.md#tolls). The store compares these types; an item that names none,
or whose first named type is not the other's, is judged on place, time and counts alone.

A closed list of the weapons and means that reporting names, in a few classes; the first one named
in the item wins (headlines and leads name the attack first). One pass over the tokens, one lookup
per token (two for two-word cues): linear in the text.
"""

from __future__ import annotations

from collections.abc import Sequence

from warnd.extract.tokens import Token

# One-word cues and the first word of two-word cues → class; two-word cues are checked before one-word.
_TWO_WORD = {
    ("air", "strike"): "airstrike", ("air", "strikes"): "airstrike", ("air", "raid"): "airstrike",
    ("air", "raids"): "airstrike", ("drone", "strike"): "drone", ("drone", "strikes"): "drone",
    ("drone", "attack"): "drone", ("car", "bomb"): "bombing", ("suicide", "bomber"): "bombing",
    ("suicide", "bombing"): "bombing", ("roadside", "bomb"): "bombing", ("explosive", "device"): "bombing",
    ("opened", "fire"): "shooting", ("shot", "dead"): "shooting", ("rocket", "fire"): "shelling",
    ("barrel", "bomb"): "airstrike", ("barrel", "bombs"): "airstrike",
}
_ONE_WORD = {
    "airstrike": "airstrike", "airstrikes": "airstrike", "warplanes": "airstrike", "warplane": "airstrike",
    "drone": "drone", "drones": "drone",
    "shelling": "shelling", "shelled": "shelling", "artillery": "shelling", "mortar": "shelling",
    "mortars": "shelling", "rockets": "shelling",
    "bombing": "bombing", "bomb": "bombing", "blast": "bombing", "explosion": "bombing", "ied": "bombing",
    "gunmen": "shooting", "gunman": "shooting", "shooting": "shooting", "gunfire": "shooting",
    "landmine": "landmine", "landmines": "landmine",
    "stabbing": "stabbing", "stabbed": "stabbing",
    "ambush": "ambush", "ambushed": "ambush",
}
_FIRST_WORDS = frozenset(first for first, _ in _TWO_WORD)


def attack_type(tokens: Sequence[Token]) -> str | None:
    """The class of the first attack an item names (`airstrike`, `bombing`, `shooting`, …), else None."""
    n = len(tokens)
    for i, tok in enumerate(tokens):
        low = tok.low
        if low in _FIRST_WORDS and i + 1 < n and (low, tokens[i + 1].low) in _TWO_WORD:
            return _TWO_WORD[(low, tokens[i + 1].low)]
        if low in _ONE_WORD:
            return _ONE_WORD[low]
    return None
