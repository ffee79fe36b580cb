"""Rule files: the pydantic models of `rules/*.yaml`. `docs/rules.md` documents every key."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from warnd.config.durations import Duration
from warnd.types import CasualtyKind, Qualifier, Severity

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")

# What each signal carries, so `match`/`group_by` on a field no signal has is an error, not silence.
GROUP_FIELDS = {
    "casualties": ("region", "country", "location", "feed", "kind", "victims"),
    "mentions": ("region", "country", "feed", "targeted_group"),
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
    lookback: Duration = timedelta(days=14)
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
    window: Duration = timedelta(hours=24)
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

    def signal_fields(self) -> tuple[str, ...]:
        return GROUP_FIELDS[getattr(self, "signal", "casualties")]

    @model_validator(mode="after")
    def _fields_exist(self) -> Any:
        allowed = self.signal_fields()
        for f in self.group_by:
            if f not in allowed:
                raise ValueError(
                    f"group_by: {f!r} is not a field of {getattr(self, 'signal', 'casualties')} signals "
                    f"(fields: {', '.join(allowed)})"
                )
        signal = getattr(self, "signal", "casualties")
        if signal == "mentions":
            for key in ("kind", "victims", "qualifier"):
                if getattr(self.match, key):
                    raise ValueError(f"match: {key!r} does not apply to mentions signals")
        elif self.match.targeted_group:
            raise ValueError("match: 'targeted_group' does not apply to casualties signals (use signal: mentions)")
        return self


class ThresholdRule(_RuleBase):
    kind: Literal["threshold"]
    signal: Literal["casualties", "mentions"] = "casualties"
    aggregate: Literal["max", "sum", "count", "distinct_sources"] = "max"
    condition: ThresholdCondition


class JumpRule(_RuleBase):
    kind: Literal["jump"]
    signal: Literal["casualties", "mentions"] = "casualties"
    aggregate: Literal["max", "sum", "count", "distinct_sources"] = "max"
    baseline: Baseline = Baseline()
    condition: JumpCondition


class NewValueRule(_RuleBase):
    kind: Literal["new_value"]
    signal: Literal["mentions"] = "mentions"
    field: Literal["targeted_group", "region", "country", "location"] = "targeted_group"
    lookback: Duration = timedelta(days=30)
    group_by: tuple[str, ...] = ("region", "targeted_group")

    @model_validator(mode="after")
    def _field_grouped(self) -> NewValueRule:
        if self.field not in self.group_by:
            raise ValueError(f"group_by must include the field {self.field!r} so each new value is its own alert")
        return self


Rule = Annotated[ThresholdRule | JumpRule | NewValueRule, Field(discriminator="kind")]
RULE_KINDS = ("threshold", "jump", "new_value")


class RuleFile(_Model):
    rules: tuple[Rule, ...] = ()
