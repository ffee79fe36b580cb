"""Evaluate: pure functions that decide whether a rule holds for a group, from observations."""

from __future__ import annotations

from .conditions import (
    Candidate,
    TextItem,
    baseline_days,
    evidence_of,
    feed_silence,
    frequency,
    jump,
    jump_from_series,
    jump_holds,
    jump_needed,
    keyword,
    keyword_hits,
    new_value,
    threshold,
)
from .keywords import PhraseMatcher, phrase_matcher
from .tally import build_tally, ids_behind
from .windows import aggregate, baseline_stat, daily_buckets

__all__ = ["Candidate", "PhraseMatcher", "TextItem", "aggregate", "baseline_days", "baseline_stat", "build_tally",
           "daily_buckets", "evidence_of", "ids_behind", "feed_silence", "frequency", "jump", "jump_from_series", "jump_holds", "jump_needed",
           "keyword", "keyword_hits", "new_value", "phrase_matcher", "threshold"]
