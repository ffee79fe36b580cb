"""A language's glossary: its words and phrases mapped onto the English vocabulary that the shared
rules read, so that one set of figure frames, clause-bounded attachment, discourse state, places and
communities serves every language warnd reads.

The rules were written for English and name English words (casualty_words.py, numbers.py, places.py);
what differs between English and French news is the words, not the structure of a casualty report
(a hedge, a number, a head noun, a harm verb or toll noun in the same clause). So an item in French is
tokenised as any item is, then rewritten token by token before the rules see it:

1. elision: "l'attaque", "d’une", "s'alourdit" become two tokens ("l'" + "attaque");
2. numbers: French number words become one number ("quatre-vingt-dix" -> 90, "deux mille" -> 2000),
   and a decimal comma becomes a point ("1,5 million" -> 1.5 million);
3. phrases, words and participles (with their feminine and plural forms), longest first: "au moins" -> "at least", "ont trouvé la mort" -> "died",
   "civils" -> "civilians"; a phrase listed under `before_number` means something else right before a
   number ("près de Gao" is near Gao, "près de 40" is nearly 40);
4. adjectives after their noun move in front of it ("civils alaouites" -> "Alawite civilians").

A capitalised word after another word is a name ("la région de l'Est"), and so is a word joined to
another by a hyphen ("Port-au-Prince"): neither is glossed; places keep their own spelling, which the gazetteer resolves to its English name.

Every rewritten token keeps the offsets of the words it stands for, so sentences and line breaks fall
where they were. The bundled glossary of a language is `data/lang_<code>.yaml`; an operator file of
the same shape (it says `language: fr`) adds to it, its entries winning.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from warnd.config.loader import LocatedYaml, located_problems
from warnd.errors import ConfigError, Problem
from warnd.extract.casualty_words import VICTIM_CLASS
from warnd.extract.gazetteer import bundled_yaml
from warnd.extract.numbers import NumberWords, word_number
from warnd.extract.tokens import Token, fold, tokenize

BUNDLED = ("fr", "ar")     # languages with a glossary in data/lang_<code>.yaml


class _NumbersModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    units: dict[str, int] = Field(default_factory=dict)
    tens: dict[str, int] = Field(default_factory=dict)
    scales: dict[str, int] = Field(default_factory=dict)
    joiners: list[str] = Field(default_factory=list)
    ones: list[str] = Field(default_factory=list)   # "un" counts as 1 only after a joiner ("vingt et un")


class _GlossaryModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    language: str = Field(pattern=r"^[a-z]{2,3}$")
    name: str | None = None
    decimal_comma: bool | None = None
    elisions: list[str] = Field(default_factory=list)
    numbers: _NumbersModel = Field(default_factory=_NumbersModel)
    phrases: dict[str, str] = Field(default_factory=dict)
    before_number: dict[str, str] = Field(default_factory=dict)
    words: dict[str, str] = Field(default_factory=dict)
    inflected: dict[str, str] = Field(default_factory=dict)
    adjectives: dict[str, str] = Field(default_factory=dict)
    adjective_nouns: list[str] = Field(default_factory=list)


_Key = tuple[str, ...]
_Word = tuple[str, str, bool]        # an English word of a gloss: text, folded text, capitalised
_Out = tuple[_Word, ...]


@dataclass(frozen=True, slots=True)
class _Table:
    """Glosses under exact (accented) and folded keys: one-word entries in a dict each, longer phrases
    by their first word, longest first (most tokens are one word or none: one lookup settles them)."""

    exact: Mapping[str, _Out]
    folded: Mapping[str, _Out]
    phrases: Mapping[str, tuple[tuple[_Key, _Out], ...]]          # exact first word -> phrases
    folded_phrases: Mapping[str, tuple[tuple[_Key, _Out], ...]]

    def match(self, keys: Sequence[str], folded: Sequence[str], i: int,
              names: Sequence[bool]) -> tuple[int, _Out] | None:
        """The longest phrase at token i that takes in no name after its first word."""
        for table, words in ((self.phrases, keys), (self.folded_phrases, folded)):
            for key, out in table.get(words[i], ()):
                n = len(key)
                if tuple(words[i:i + n]) == key and not any(names[i + 1:i + n]):
                    return n, out
        one = self.exact.get(keys[i])
        if one is None:
            one = self.folded.get(folded[i])
        return (1, one) if one is not None else None


def _english(gloss: str) -> _Out:
    return tuple((w, fold(w), w[:1].isupper()) for w in gloss.split())


def _table(entries: Mapping[_Key, str]) -> _Table:
    by_fold: dict[_Key, set[str]] = {}
    for key, gloss in entries.items():
        by_fold.setdefault(tuple(fold(w) for w in key), set()).add(gloss)
    # a folded key is kept only when it is unambiguous: "à" (in) and "a" (has) both fold to "a"
    folded = {k: next(iter(v)) for k, v in by_fold.items() if len(v) == 1}

    def split(table: Mapping[_Key, str]) -> tuple[dict[str, _Out], dict[str, tuple[tuple[_Key, _Out], ...]]]:
        singles = {k[0]: _english(v) for k, v in table.items() if len(k) == 1}
        multi: dict[str, list[tuple[_Key, _Out]]] = {}
        for k, v in table.items():
            if len(k) > 1:
                multi.setdefault(k[0], []).append((k, _english(v)))
        return singles, {w: tuple(sorted(v, key=lambda e: -len(e[0]))) for w, v in multi.items()}

    exact, phrases = split(entries)
    folded_singles, folded_phrases = split(folded)
    return _Table(exact, folded_singles, phrases, folded_phrases)


@dataclass(frozen=True, slots=True)
class Glossary:
    """One language's words and phrases in the English vocabulary of the shared rules."""

    language: str
    name: str
    decimal_comma: bool
    elisions: frozenset[str]
    numbers: NumberWords
    number_starts: frozenset[str]
    table: _Table
    before_number: _Table
    before_firsts: frozenset[str]       # first words (exact and folded) of the before_number phrases
    adjectives: Mapping[str, str]
    adjective_nouns: frozenset[str]
    reader: Callable[[Sequence[Token]], list[Token]] | None = None   # a script's own reading (arabic.py)

    def apply(self, tokens: Sequence[Token]) -> list[Token]:
        """The tokens as the shared rules read them (see the module docstring)."""
        if self.reader is not None:
            return self.reader(tokens)
        split = self._numbers(self._split_elisions(tokens))
        # a word in capitals has usually lost its accents ("TUES" for "tués"): only folded keys match it
        keys = ["" if t.kind != "word" or t.text.isupper() else _key(t.text) for t in split]
        folded = [t.low for t in split]
        n = len(split)
        # names: "de l'Est", "Croix-des-Bouquets" (a capitalised word after a word, a hyphenated word)
        names = [t.kind == "word" and ((t.is_cap and i > 0 and split[i - 1].kind == "word") or _hyphenated(split, i))
                 for i, t in enumerate(split)]
        out: list[Token] = []
        moved = self.adjectives
        make = tuple.__new__      # as tokens.tokenize does: skips NamedTuple.__new__'s keyword handling
        table = self.table
        exact, folded_singles, phrases, folded_phrases = table.exact, table.folded, table.phrases, \
            table.folded_phrases
        before_firsts = self.before_firsts
        i = 0
        while i < n:
            t = split[i]
            if t.kind != "word" or names[i]:
                out.append(t)
                i += 1
                continue
            key, low = keys[i], folded[i]
            hit = None
            if key in before_firsts or low in before_firsts:
                hit = self.before_number.match(keys, folded, i, names)
                if hit is not None and not (i + hit[0] < n and split[i + hit[0]].kind == "num"):
                    hit = None      # "près de Gao": near, not nearly
            if hit is None:
                if key in phrases or low in folded_phrases:
                    hit = self.table.match(keys, folded, i, names)
                else:               # most words start no phrase: one or two lookups settle them
                    one = exact.get(key)
                    if one is None:
                        one = folded_singles.get(low)
                    hit = (1, one) if one is not None else None
            if hit is None:
                adjective = moved.get(keys[i]) or moved.get(folded[i])
                if adjective is not None:
                    word = make(Token, (adjective, fold(adjective), t.start, t.end, "word", True))
                    if out and out[-1].kind == "word" and (out[-1].low in VICTIM_CLASS
                                                           or out[-1].low in self.adjective_nouns):
                        out.insert(len(out) - 1, word)   # "civils alaouites" -> "Alawite civilians"
                    else:
                        out.append(word)
                else:
                    out.append(t)
                i += 1
                continue
            length, words = hit
            start, end = t.start, split[i + length - 1].end
            first_cap = t.is_cap
            for text, low, cap in words:
                out.append(make(Token, (text, low, start, end, "word", cap or first_cap)))
                first_cap = False
            i += length
        return out

    def _split_elisions(self, tokens: Iterable[Token]) -> list[Token]:
        """ "l'attaque" -> "l'" + "attaque"; a name keeps its apostrophe ("N'Djamena", "Amoron'i")."""
        out: list[Token] = []
        for t in tokens:
            text = t.text
            if t.kind != "word" or ("'" not in text and "’" not in text):
                out.append(t)
                continue
            cut = max(text.find("'"), text.find("’"))
            if cut <= 0:
                out.append(t)
                continue
            head, rest = text[:cut], text[cut + 1:]
            if head.lower() not in self.elisions or not rest or (head[0].isupper() and rest[0].isupper()):
                out.append(t)
                continue
            mid = t.start + cut + 1
            out.append(Token(head + "'", fold(head) + "'", t.start, mid, "word", head[0].isupper()))
            out.append(Token(rest, fold(rest), mid, t.end, "word", rest[0].isupper()))
        return out

    def _numbers(self, tokens: list[Token]) -> list[Token]:
        """Number words to one number token; "1,5" to "1.5" where the comma is a decimal one."""
        out: list[Token] = []
        i = 0
        n = len(tokens)
        while i < n:
            t = tokens[i]
            if t.kind == "num" and self.decimal_comma and "," in t.text:
                whole, _, frac = t.text.partition(",")
                if len(frac) != 3:                  # "1,5" and "2,06" are decimals; "1,200" stays thousands
                    t = t._replace(text=f"{whole}.{frac}", low=f"{whole}.{frac}")
                out.append(t)
                i += 1
                continue
            parsed = word_number(tokens, i, n, self.numbers) if t.low in self.number_starts else None
            if parsed is None:
                out.append(t)
                i += 1
                continue
            value, j = parsed
            out.append(Token(str(value), str(value), t.start, tokens[j - 1].end, "num", False))
            i = j
        return out


def _hyphenated(tokens: Sequence[Token], i: int) -> bool:
    """A word joined by a hyphen to the one before or after it is part of a name ("Port-au-Prince",
    "Croix-des-Bouquets", "Extrême-Nord"): its parts are not French words to gloss."""
    t = tokens[i]
    before = i >= 2 and tokens[i - 1].text == "-" and tokens[i - 1].end == t.start and tokens[i - 2].end == tokens[i - 1].start
    after = i + 2 < len(tokens) and tokens[i + 1].text == "-" and tokens[i + 1].start == t.end \
        and tokens[i + 2].start == tokens[i + 1].end
    return before or after


@functools.lru_cache(maxsize=65_536)
def _key(text: str) -> str:
    """A word's lower-case text with its accents (the exact key) and one kind of apostrophe."""
    return text.lower().replace("’", "'")


def _inflections(word: str) -> list[str]:
    """A French adjective or participle and its feminine and plural: "tué" tués tuée tuées, "malien"
    maliens malienne maliennes, "heureux" heureuse(s); short words and words ending in s/x stay."""
    if len(word) < 3 or " " in word or "'" in word:
        return [word]
    forms = [word]
    if word.endswith("eux"):
        forms += [word[:-1] + "se", word[:-1] + "ses"]
    elif word.endswith(("s", "x")):
        forms += [word + "e", word + "es"] if word.endswith("s") and not word.endswith("ais") else []
        if word.endswith("ais"):
            forms += [word + "e", word + "es"]
    elif word.endswith("e"):
        forms += [word + "s"]
    else:
        forms += [word + "s", word + "e", word + "es"]
        if word.endswith(("en", "on")):
            forms += [word + "ne", word + "nes"]
    return forms


def _phrase_key(text: str, elisions: frozenset[str]) -> _Key:
    """The exact key of a phrase as the glossary splits text: "s'alourdit à" -> ("s'", "alourdit", "à")."""
    words: list[str] = []
    for t in tokenize(text):
        low = t.text.lower().replace("’", "'")
        cut = low.find("'")
        if cut > 0 and low[:cut] in elisions and cut + 1 < len(low):
            words += [low[:cut + 1], low[cut + 1:]]
        elif t.kind == "punct" and t.text in "'’" and words:
            words[-1] += "'"
        else:
            words.append(low)
    return tuple(words)


def _validate(doc: LocatedYaml) -> _GlossaryModel | list[Problem]:
    try:
        return _GlossaryModel.model_validate(doc.data if doc.data is not None else {})
    except ValidationError as e:
        return located_problems(doc, _GlossaryModel, e)


def is_glossary(doc: LocatedYaml) -> bool:
    """An operator lexicon file is a language's glossary when it says which language (`language:`)."""
    return isinstance(doc.data, dict) and "language" in doc.data


def load_glossaries(docs: Sequence[LocatedYaml] = ()) -> dict[str, Glossary]:
    """The bundled glossaries plus operator ones (already read), by language code.

    Raises:
        ConfigError: every problem in the operator files, each with file:line:col.
    """
    models: list[_GlossaryModel] = []
    problems: list[Problem] = []
    for doc in [bundled_yaml(f"lang_{code}.yaml") for code in BUNDLED] + list(docs):
        model = _validate(doc)
        if isinstance(model, list):
            problems.extend(model)
        else:
            models.append(model)
    if problems:
        raise ConfigError(problems)
    by_language: dict[str, list[_GlossaryModel]] = {}
    for m in models:
        by_language.setdefault(m.language, []).append(m)
    return {code: _reader(code, _build(parts), parts) for code, parts in by_language.items()}


def _reader(code: str, glossary: Glossary, parts: Sequence[_GlossaryModel]) -> Glossary:
    """Arabic is read by arabic.py from the same glossary files (its script needs its own passes)."""
    if code != "ar":
        return glossary
    from warnd.extract.arabic import ArabicReader  # imported here: arabic.py reads this module's models
    return dataclasses.replace(glossary, reader=ArabicReader(parts).apply)


def _build(parts: Sequence[_GlossaryModel]) -> Glossary:
    """One glossary from the bundled file and the operator files after it (later entries win)."""
    elisions = frozenset(e.lower() for p in parts for e in p.elisions)
    entries: dict[_Key, str] = {}
    before: dict[_Key, str] = {}
    adjectives: dict[str, str] = {}
    units: dict[str, int] = {}
    tens: dict[str, int] = {}
    scales: dict[str, int] = {}
    for p in parts:
        for word, gloss in p.inflected.items():
            for form in _inflections(word.lower()):
                entries[(form,)] = gloss
        for word, gloss in p.words.items():
            entries[(word.lower(),)] = gloss
        for phrase, gloss in p.phrases.items():
            entries[_phrase_key(phrase, elisions)] = gloss
        for phrase, gloss in p.before_number.items():
            before[_phrase_key(phrase, elisions)] = gloss
        for word, english in p.adjectives.items():
            for form in _inflections(word.lower()):
                adjectives[form] = english
                adjectives[fold(form)] = english
        units.update({fold(k): v for k, v in p.numbers.units.items()})
        tens.update({fold(k): v for k, v in p.numbers.tens.items()})
        scales.update({fold(k): v for k, v in p.numbers.scales.items()})
    last = parts[-1]
    decimal_comma = next((p.decimal_comma for p in reversed(parts) if p.decimal_comma is not None), False)
    return Glossary(last.language, next((p.name for p in reversed(parts) if p.name), last.language),
                    decimal_comma, elisions,
                    NumberWords(units, tens, scales, joiners=frozenset(fold(j) for p in parts for j in p.numbers.joiners),
                                ones=frozenset(fold(o) for p in parts for o in p.numbers.ones), scale_alone=True,
                                tens_multiply=True, limit=12),
                    frozenset(units) | frozenset(tens) | frozenset(scales), _table(entries),
                    _table(before), frozenset(k[0] for k in before) | frozenset(fold(k[0]) for k in before),
                    adjectives,
                    frozenset(fold(w) for p in parts for w in p.adjective_nouns))
