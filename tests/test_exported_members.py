"""Each stage's public API is its `__all__`, pinned here (httpx tests/test_exported_members.py), so a
name other code relies on cannot disappear unnoticed. parse, extract and deliver pin theirs beside
their tests."""

from __future__ import annotations

import importlib

import pytest

EXPORTS = {
    "warnd.config": [
        "AlertmanagerChannelConfig", "AppriseChannelConfig", "ChannelConfig", "ConfigError", "DEFAULT_CONFIG", "Duration", "EmailChannelConfig", "FeedSettings",
        "FetchSettings", "FieldMapping", "FileChannelConfig", "LoadedRule", "RULE_KINDS", "Rule", "RuleError",
        "RuleSet", "Settings", "SlackChannelConfig", "WebhookChannelConfig", "crash_spec", "format_duration",
        "load_rules", "load_settings", "parse_duration", "parse_yaml", "read_yaml", "rule_paths", "rule_templates",
        "secrets_needed", "validate",
    ],
    "warnd.store": [
        "AlertFilter", "AlertPage", "AlertRecord", "AlertState", "DecisionRecord", "FeedbackRecord", "Group",
        "GroupTarget", "IngestReport", "NewAlert", "RuleCatchUp", "RuleFailure", "RuleLag", "SeriesPoint", "Silence",
        "Store",
        "StoreThread", "StoredItem", "observed_time", "open_store",
    ],
    "warnd.console": ["CSP", "ConsoleApp", "Identity", "Role", "hash_password", "new_token"],
    "warnd.evaluate": [
        "Candidate", "PhraseMatcher", "TextItem", "aggregate", "baseline_days", "baseline_stat", "build_tally",
        "daily_buckets", "evidence_of", "feed_silence", "frequency", "ids_behind", "jump", "jump_from_series",
        "jump_holds", "jump_needed", "keyword", "keyword_hits", "new_value", "phrase_matcher", "threshold",
    ],
}


@pytest.mark.parametrize("module", sorted(EXPORTS))
def test_exported_members(module: str) -> None:
    mod = importlib.import_module(module)
    assert sorted(mod.__all__) == EXPORTS[module]
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.__all__ names {name!r}, which it does not define"
