"""Evaluate: pure functions that decide whether a rule holds for a group, from observations."""

from __future__ import annotations

from .conditions import Candidate, evidence_of, jump, new_value, threshold
from .windows import aggregate, baseline_stat, daily_buckets

__all__ = ["Candidate", "aggregate", "baseline_stat", "daily_buckets", "evidence_of", "jump", "new_value",
           "threshold"]
