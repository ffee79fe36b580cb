"""Rule files: the pydantic models of `rules/*.yaml`. `docs/rules.md` documents every key."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from warnd.config.durations import Duration, PositiveDuration
from warnd.types import CasualtyKind, Qualifier, Severity

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")

# What each signal carries, so `match`/`group_by` on a field no signal has is an error, not silence.
GROUP_FIELDS = {
    "casualties": ("region", "country", "location", "feed", "kind", "victims"),
    "mentions": ("region", "country", "feed", "targeted_group"),
    "items": ("region", "country", "feed"),        # keyword rules read the items themselves
    "feeds": ("feed",),                            # feed_silence rules read the feeds' state
}
# The `match` filters each signal has; a filter on anything else is an error, not a silent no-match.
MATCH_FIELDS = {
    "casualties": ("kind", "victims", "country", "regions", "feeds", "tags", "qualifier"),
    "mentions": ("country", "regions", "feeds", "tags", "targeted_group"),
    "items": ("country", "regions", "feeds", "tags"),
    "feeds": ("feeds", "tags"),
}
NEW_VALUE_FIELDS = ("targeted_group", "region", "country", "location")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_tuple(value: Any) -> Any:
    if value is None:
        return ()
    if isinstance(value, str | int):
        return (value,)
    return value


class Match(_Model):
    """Signal filters; every given filter must hold. Lists mean 'any of'."""

    kind: tuple[CasualtyKind, ...] = ()
    victims: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    qualifier: tuple[Qualifier, ...] = ()
    targeted_group: tuple[str, ...] = ()

    @field_validator("*", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return _as_tuple(v)


class Baseline(_Model):
    lookback: PositiveDuration = timedelta(days=14)
    stat: Literal["median", "mean", "p90", "max"] = "median"
    min_baseline_days: int = Field(0, ge=0)


class ThresholdCondition(_Model):
    at_least: float | None = None
    at_most: float | None = None

    @model_validator(mode="after")
    def _one(self) -> ThresholdCondition:
        if self.at_least is None and self.at_most is None:
            raise ValueError("give 'at_least' or 'at_most'")
        return self


class JumpCondition(_Model):
    increase_at_least: float | None = Field(None, ge=0)
    ratio_at_least: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one(self) -> JumpCondition:
        if self.increase_at_least is None and self.ratio_at_least is None:
            raise ValueError("give 'increase_at_least', 'ratio_at_least' or both")
        return self


class _RuleBase(_Model):
    id: str
    title: str | None = Field(None, description="Jinja2, rendered with the alert")
    description: str | None = None
    severity: Severity = Severity.WARNING
    enabled: bool = True
    match: Match = Match()
    group_by: tuple[str, ...] = ("region",)
    window: PositiveDuration = timedelta(hours=24)
    min_sources: int = Field(1, ge=1)
    realert: Duration = timedelta(hours=24)
    escalate_ratio: float | None = Field(None, gt=1)
    notify: tuple[str, ...] | None = None
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(f"rule id {v!r} must be lower-case letters, digits, '-', '_' or '.' (at most 80)")
        return v

    @field_validator("group_by", "notify", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return _as_tuple(v) if v is not None else None

    def signal_name(self) -> str:
        """What the rule reads: casualties or mentions observations, items (keyword) or feeds (silence)."""
        return str(getattr(self, "signal", "casualties"))

    def signal_fields(self) -> tuple[str, ...]:
        return GROUP_FIELDS[self.signal_name()]

    @model_validator(mode="after")
    def _fields_exist(self) -> Any:
        signal = self.signal_name()
        allowed = self.signal_fields()
        what = f"{signal} signals" if signal in ("casualties", "mentions") else f"{self.kind_name()} rules"
        for f in self.group_by:
            if f not in allowed:
                raise ValueError(f"group_by: {f!r} is not a field of {what} (fields: {', '.join(allowed)})")
        for key in Match.model_fields:
            if getattr(self.match, key) and key not in MATCH_FIELDS[signal]:
                if signal == "casualties" and key == "targeted_group":
                    raise ValueError("match: 'targeted_group' does not apply to casualties signals "
                                     "(use signal: mentions)")
                raise ValueError(f"match: {key!r} does not apply to {what} "
                                 f"(filters: {', '.join(MATCH_FIELDS[signal])})")
        return self

    def kind_name(self) -> str:
        return str(getattr(self, "kind", "?"))


Measure = Literal["new", "total"]
AggregateName = Literal["max", "sum", "count", "distinct_sources"]


class _Measured(_RuleBase):
    """A rule over figures: `measure` says what a figure counts (docs/rules.md#tolls).

    `new` (the default for casualties): what each figure newly reports — a running toll's rise,
    an incident's first count — so ten outlets repeating one toll add nothing and a toll rising from
    745 to 1,018 adds 273; its default aggregate is `sum`. `total`: each figure as stated, the
    highest running total (`max`). Mentions have no measure: each is one report.
    """

    signal: Literal["casualties", "mentions"] = "casualties"
    measure: Measure = "new"
    aggregate: AggregateName = "max"

    @model_validator(mode="after")
    def _measure_defaults(self) -> Any:
        given = self.model_fields_set
        if self.signal == "mentions":
            if "measure" in given:
                raise ValueError("measure: applies to casualties signals only (a mention is one report)")
            measure = "total"
        else:
            measure = self.measure
        aggregate = self.aggregate if "aggregate" in given else ("sum" if measure == "new" else "max")
        # Frozen models: the resolved defaults are set once, here, so every reader sees the same values.
        object.__setattr__(self, "measure", measure)
        object.__setattr__(self, "aggregate", aggregate)
        return self


class ThresholdRule(_Measured):
    kind: Literal["threshold"]
    condition: ThresholdCondition


class JumpRule(_Measured):
    kind: Literal["jump"]
    baseline: Baseline = Baseline()
    condition: JumpCondition


class NewValueRule(_RuleBase):
    kind: Literal["new_value"]
    signal: Literal["mentions"] = "mentions"
    field: Literal["targeted_group", "region", "country", "location"] = "targeted_group"
    lookback: PositiveDuration = timedelta(days=30)
    group_by: tuple[str, ...] = ("region", "targeted_group")

    @model_validator(mode="after")
    def _field_grouped(self) -> NewValueRule:
        if self.field not in self.group_by:
            raise ValueError(f"group_by must include the field {self.field!r} so each new value is its own alert")
        return self


class FrequencyCondition(_Model):
    at_least: int = Field(ge=1, description="matching items in the window")


class FrequencyRule(_RuleBase):
    """A burst of reports: at least N distinct matching items in the window."""

    kind: Literal["frequency"]
    signal: Literal["casualties", "mentions"] = "casualties"
    condition: FrequencyCondition


class KeywordCondition(_Model):
    at_least: int = Field(1, ge=1, description="matching items in the window")


def _phrase_list(v: Any) -> Any:
    v = _as_tuple(v)
    if isinstance(v, tuple | list):
        for p in v:
            if isinstance(p, str) and not p.strip():
                raise ValueError("a phrase must not be empty")
    return v


class KeywordRule(_RuleBase):
    """Items whose title or summary contains a phrase (case-insensitive, whole words), minus `exclude`."""

    kind: Literal["keyword"]
    phrases: tuple[str, ...] = Field(min_length=1)
    exclude: tuple[str, ...] = ()
    condition: KeywordCondition = KeywordCondition()

    @field_validator("phrases", "exclude", mode="before")
    @classmethod
    def _phrases(cls, v: Any) -> Any:
        return _phrase_list(v)

    def signal_name(self) -> str:
        return "items"


class FeedSilenceRule(_RuleBase):
    """A feed (or every feed of a tag) produced no new item, or kept failing, for a duration."""

    kind: Literal["feed_silence"]
    silent_for: Duration | None = Field(None, description="no new item for this long")
    failing_for: Duration | None = Field(None, description="every poll failed for this long")
    group_by: tuple[str, ...] = ("feed",)

    def signal_name(self) -> str:
        return "feeds"

    @model_validator(mode="after")
    def _one(self) -> FeedSilenceRule:
        if self.silent_for is None and self.failing_for is None:
            raise ValueError("give 'silent_for', 'failing_for' or both")
        for d in (self.silent_for, self.failing_for):
            if d is not None and d <= timedelta(0):
                raise ValueError("silent_for/failing_for must be longer than 0s")
        return self


Rule = Annotated[ThresholdRule | JumpRule | NewValueRule | FrequencyRule | KeywordRule | FeedSilenceRule,
                 Field(discriminator="kind")]
RULE_KINDS = ("threshold", "jump", "new_value", "frequency", "keyword", "feed_silence")


class RuleFile(_Model):
    rules: tuple[Rule, ...] = ()
