"""The community lexicon: communities and the words that name them, the context words that decide
targeting, names that are not places, and demonyms. Bundled in `data/lexicon.yaml`; operator files of
the same shape (config/lexicons/communities.yaml) add to every list.

```yaml
communities:
  - name: Alawite              # the name used in signals and rules (singular adjective)
    forms: [Alawite, Alawites, Alawi]
    worship: []                # places of worship whose attack targets the community ("church")
    worship_in_service: false  # true: a worship place counts only when attacked during prayers
    within: null               # the wider group it is a branch of (Catholic: Christian; Sunni: Muslim)
    any_case: false            # true: matched in lower case too ("vodou practitioners")
fold_into: [Christian]        # optional: report branches as the wider group ("Catholic" -> "Christian")
victim_nouns: [villagers]     # "Alawite villagers" -> targeted
party_nouns: [herders]        # "Fulani herders" -> a party, not a victim
not_places: [Arakan Army]     # names with place words in them that are not places
demonyms: {Syrian: Syria}     # never locations; used to tell Tripoli (Lebanon) from Tripoli (Libya)
sources:                      # named sources of figures (attribution.py); bundled in data/sources.yaml
  - name: Syrian Observatory for Human Rights   # what `attributed_to` says
    aliases: [SOHR]           # other spellings
    refer: [observatory, monitor]   # generic words that refer back to it once named
    implied_in: [Syria]       # countries where such a word means it even unnamed
    umbrella: false           # true: "the X mission/office" is that office, named as written (the UN)
relays: [Reuters]             # wire agencies: they carry figures, they are never their source
```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
    worship_in_service: bool = False
    within: str | None = None
    any_case: bool = False


class _SourceModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    refer: list[str] = Field(default_factory=list)
    implied_in: list[str] = Field(default_factory=list)
    umbrella: bool = False


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
    fold_into: list[str] = Field(default_factory=list)
    sources: list[_SourceModel] = Field(default_factory=list)
    relays: list[str] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Sources:
    """Named sources of figures (warnd.extract.attribution): folded word tuples to canonical names."""

    names: Mapping[tuple[str, ...], str] = field(default_factory=dict)
    refer: Mapping[str, frozenset[str]] = field(default_factory=dict)   # name -> generic words for it
    implied: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # country -> names implied there
    relays: frozenset[tuple[str, ...]] = frozenset()
    firsts: Mapping[str, int] = field(default_factory=dict)   # first word -> most words of a name or relay
    generic: frozenset[str] = frozenset()   # every refer word: "the tracker" is a reference, not a name
    umbrellas: frozenset[str] = frozenset()  # bodies whose offices are named after them ("the UN mission")
    words: frozenset[str] = frozenset()      # every word of a spelling or refer word (a phrase with none
                                             # of them, nor a head word, names no known source)


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
    # names generated from ISO 639-3 (data/communities.tsv): matched with stronger evidence only, and
    # kept apart from `forms` so that they never stop a place name from matching
    generated: Mapping[tuple[str, ...], str] = field(default_factory=dict)
    any_case: frozenset[str] = frozenset()           # first words matched in lower case too
    within: Mapping[str, str] = field(default_factory=dict)   # branch -> wider group (Sunni -> Muslim)
    service_worship: frozenset[str] = frozenset()    # worship words that count only during a service
    starts: frozenset[str] = frozenset()             # first words of every curated or generated form
    sources: Sources = field(default_factory=Sources)


def _words(text: str) -> tuple[str, ...]:
    return tuple(t.low for t in tokenize(text) if t.kind != "punct")


def _generated_forms(skip: Mapping[tuple[str, ...], str], demonyms: Mapping[str, str]) -> dict[tuple[str, ...], str]:
    """data/communities.tsv (tools/build_communities.py): a plain TSV, read without YAML or pydantic so
    that its 5,000 names cost milliseconds at start-up. Curated forms and demonyms win."""
    out: dict[tuple[str, ...], str] = {}
    text = (Path(__file__).parent / "data" / "communities.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line or line[0] == "#":
            continue
        name, _, forms = line.partition("\t")
        for form in forms.split("|"):
            words = tuple(fold(w) for w in form.replace("-", " - ").split() if w != "-")
            if words and words not in skip and not (len(words) == 1 and words[0] in demonyms):
                out[words] = name
    return out


def _plurals(words: set[str]) -> set[str]:
    """The plain -s plurals of nouns ("explosions", "clashes" stay as they are): a sentence saying
    "blasts" or "explosions" is about harm as much as one saying "blast"."""
    return {w + "s" for w in words if w.isalpha() and not w.endswith(("s", "ed", "ing", "x", "sh", "ch"))}


def _add_plurals(forms: dict[tuple[str, ...], str], demonyms: Mapping[str, str]) -> None:
    """A one-word community form names its members with a plain -s as well ("Papuan" -> "Papuans"):
    lists often give only one of the two. A form already listed, or a demonym, is left as it is."""
    for words, name in list(forms.items()):
        if len(words) != 1 or not words[0].isalpha() or words[0].endswith(("s", "sh", "ch", "x", "z")):
            continue
        plural = (words[0] + "s",)
        if plural not in forms and plural[0] not in demonyms:
            forms[plural] = name


def _validate(doc: LocatedYaml) -> _LexiconModel | list[Problem]:
    try:
        return _LexiconModel.model_validate(doc.data if doc.data is not None else {})
    except ValidationError as e:
        return located_problems(doc, _LexiconModel, e)


def load_lexicon(files: Sequence[Path | LocatedYaml] = ()) -> Lexicon:
    """The bundled lexicon plus operator files.

    Raises:
        ConfigError: every problem in the operator files, each with file:line:col.
    """
    docs = [bundled_yaml("lexicon.yaml"), bundled_yaml("sources.yaml")] \
        + [read_yaml(p) if isinstance(p, Path) else p for p in files]
    forms: dict[tuple[str, ...], str] = {}
    worship: dict[str, str] = {}
    sets: dict[str, set[str]] = {k: set() for k in ("victim_nouns", "party_nouns", "target_before",
                                                    "not_target_before", "harm_words")}
    not_places: set[tuple[str, ...]] = set()
    demonyms: dict[str, str] = {}
    any_case: set[str] = set()
    within: dict[str, str] = {}
    service_worship: set[str] = set()
    fold_into: set[str] = set()
    problems: list[Problem] = []
    source_models: list[_SourceModel] = []
    relays: list[str] = []
    for doc in docs:
        model = _validate(doc)
        if isinstance(model, list):
            problems.extend(model)
            continue
        source_models.extend(model.sources)
        relays.extend(model.relays)
        for community in model.communities:
            for form in community.forms:
                words = _words(form)
                if words:
                    forms[words] = community.name
            for noun in community.worship:
                worship[fold(noun)] = community.name
                if community.worship_in_service:
                    service_worship.add(fold(noun))
            if community.any_case:
                any_case.update(w[0] for w in map(_words, community.forms) if w)
            if community.within:
                within[community.name] = community.within
        fold_into.update(model.fold_into)
        for key, bucket in sets.items():
            bucket.update(fold(w) for w in getattr(model, key))
        not_places.update(w for w in (_words(p) for p in model.not_places) if w)
        demonyms.update({fold(k): v for k, v in model.demonyms.items()})
    if problems:
        raise ConfigError(problems)
    _add_plurals(forms, demonyms)
    sets["harm_words"].update(_plurals(sets["harm_words"]))
    if fold_into:  # an operator who wants "Christian" for every church: report branches as the wider group
        forms = {k: within.get(v, v) if within.get(v) in fold_into else v for k, v in forms.items()}
        worship = {k: within.get(v, v) if within.get(v) in fold_into else v for k, v in worship.items()}
    generated = _generated_forms(forms, demonyms)
    return Lexicon(forms, worship, frozenset(sets["victim_nouns"]), frozenset(sets["party_nouns"]),
                   frozenset(sets["target_before"]), frozenset(sets["not_target_before"]),
                   frozenset(sets["harm_words"]), tuple(sorted(not_places)), demonyms,
                   max((len(k) for k in forms), default=1), frozenset(k[0] for k in forms),
                   frozenset(p[0] for p in not_places), frozenset(k[0] for k in forms) | frozenset(demonyms),
                   generated, frozenset(any_case), within, frozenset(service_worship),
                   frozenset(k[0] for k in forms) | frozenset(k[0] for k in generated),
                   _sources(source_models, relays))


def _sources(models: Sequence[_SourceModel], relays: Sequence[str]) -> Sources:
    """Later entries (operator files) win a spelling over earlier ones (the bundled list)."""
    names: dict[tuple[str, ...], str] = {}
    refer: dict[str, set[str]] = {}
    implied: dict[str, list[str]] = {}
    for s in models:
        for spelling in (s.name, *s.aliases):
            words = _words(spelling)
            if words:
                names[words] = s.name
        refer.setdefault(s.name, set()).update(" ".join(_words(w)) for w in s.refer)
        for country in s.implied_in:
            implied.setdefault(country, []).append(s.name)
    relay_words = frozenset(w for w in map(_words, relays) if w)
    firsts: dict[str, int] = {}
    for words in (*names, *relay_words):
        firsts[words[0]] = max(firsts.get(words[0], 0), len(words))
    return Sources(names, {k: frozenset(v) for k, v in refer.items()},
                   {k: tuple(dict.fromkeys(v)) for k, v in implied.items()}, relay_words, firsts,
                   frozenset(w for v in refer.values() for w in v), frozenset(s.name for s in models if s.umbrella),
                   frozenset(w for words in (*names, *relay_words) for w in words)
                   | frozenset(w for v in refer.values() for phrase in v for w in phrase.split()))
