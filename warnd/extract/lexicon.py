"""The community lexicon: communities and the words that name them, the context words that decide
targeting, names that are not places, and demonyms. Bundled in `data/lexicon.yaml`; operator files of
the same shape (config/lexicons/communities.yaml) add to every list.

```yaml
communities:
  - name: Alawite              # the name used in signals and rules (singular adjective)
    forms: [Alawite, Alawites, Alawi]
    worship: []                # places of worship whose attack targets the community ("church")
victim_nouns: [villagers]     # "Alawite villagers" -> targeted
party_nouns: [herders]        # "Fulani herders" -> a party, not a victim
not_places: [Arakan Army]     # names with place words in them that are not places
demonyms: {Syrian: Syria}     # never locations; used to tell Tripoli (Lebanon) from Tripoli (Libya)
```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from warnd.config.loader import LocatedYaml, located_problems, read_yaml
from warnd.errors import ConfigError, Problem
from warnd.extract.gazetteer import bundled_yaml
from warnd.extract.tokens import fold, tokenize


class _CommunityModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    forms: list[str] = Field(default_factory=list)
    worship: list[str] = Field(default_factory=list)


class _LexiconModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    communities: list[_CommunityModel] = Field(default_factory=list)
    victim_nouns: list[str] = Field(default_factory=list)
    party_nouns: list[str] = Field(default_factory=list)
    target_before: list[str] = Field(default_factory=list)
    not_target_before: list[str] = Field(default_factory=list)
    harm_words: list[str] = Field(default_factory=list)
    not_places: list[str] = Field(default_factory=list)
    demonyms: dict[str, str] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Folded word tuples to community names, and the folded context word sets."""

    forms: Mapping[tuple[str, ...], str]
    worship: Mapping[str, str]
    victim_nouns: frozenset[str]
    party_nouns: frozenset[str]
    target_before: frozenset[str]
    not_target_before: frozenset[str]
    harm_words: frozenset[str]
    not_places: tuple[tuple[str, ...], ...]
    demonyms: Mapping[str, str]
    max_form_words: int
    first_words: frozenset[str] = frozenset()
    not_place_firsts: frozenset[str] = frozenset()   # first words of not_places, for a one-lookup skip
    not_names: frozenset[str] = frozenset()          # community words and demonyms: never an unknown place

def _words(text: str) -> tuple[str, ...]:
    return tuple(t.low for t in tokenize(text) if t.kind != "punct")


def _validate(doc: LocatedYaml) -> _LexiconModel | list[Problem]:
    try:
        return _LexiconModel.model_validate(doc.data if doc.data is not None else {})
    except ValidationError as e:
        return located_problems(doc, _LexiconModel, e)


def load_lexicon(files: Sequence[Path] = ()) -> Lexicon:
    """The bundled lexicon plus operator files.

    Raises:
        ConfigError: every problem in the operator files, each with file:line:col.
    """
    docs = [bundled_yaml("lexicon.yaml")] + [read_yaml(p) for p in files]
    forms: dict[tuple[str, ...], str] = {}
    worship: dict[str, str] = {}
    sets: dict[str, set[str]] = {k: set() for k in ("victim_nouns", "party_nouns", "target_before",
                                                    "not_target_before", "harm_words")}
    not_places: set[tuple[str, ...]] = set()
    demonyms: dict[str, str] = {}
    problems: list[Problem] = []
    for doc in docs:
        model = _validate(doc)
        if isinstance(model, list):
            problems.extend(model)
            continue
        for community in model.communities:
            for form in community.forms:
                words = _words(form)
                if words:
                    forms[words] = community.name
            for noun in community.worship:
                worship[fold(noun)] = community.name
        for key, bucket in sets.items():
            bucket.update(fold(w) for w in getattr(model, key))
        not_places.update(w for w in (_words(p) for p in model.not_places) if w)
        demonyms.update({fold(k): v for k, v in model.demonyms.items()})
    if problems:
        raise ConfigError(problems)
    return Lexicon(forms, worship, frozenset(sets["victim_nouns"]), frozenset(sets["party_nouns"]),
                   frozenset(sets["target_before"]), frozenset(sets["not_target_before"]),
                   frozenset(sets["harm_words"]), tuple(sorted(not_places)), demonyms,
                   max((len(k) for k in forms), default=1), frozenset(k[0] for k in forms),
                   frozenset(p[0] for p in not_places), frozenset(k[0] for k in forms) | frozenset(demonyms))
