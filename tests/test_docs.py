"""Every YAML example in the README and the configuration/extraction references loads as documented
(docs/rules.md is covered by tests/test_rules_docs.py, docs/delivery.md by tests/test_deliver_init.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from warnd.config import load_settings
from warnd.extract import load_extractor

ROOT = Path(__file__).resolve().parent.parent
ENV = {name: f"dummy-{name.lower()}" for name in (
    "WARND_SMTP_USER", "WARND_SMTP_PASSWORD", "WARND_SLACK_URL", "WARND_HOOK_SECRET", "ACLED_TOKEN",
    "WARND_SESSION_SECRET")}
ENV["WARND_SLACK_URL"] = "https://hooks.slack.com/services/T000/B000/XXXX"


def yaml_blocks(doc: str) -> list[tuple[str, str]]:
    text = (ROOT / doc).read_text(encoding="utf-8")
    return [(f"{doc}#{n}", m.group(1)) for n, m in enumerate(re.finditer(r"```yaml\n(.*?)```", text, re.S), 1)]


CONFIG_EXAMPLES = yaml_blocks("README.md") + yaml_blocks("docs/configuration.md")


@pytest.mark.parametrize("where, text", [pytest.param(w, t, id=w) for w, t in CONFIG_EXAMPLES])
def test_config_examples_load(where: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / "warnd.yaml"
    path.write_text(text, encoding="utf-8")
    settings = load_settings(path, env=ENV)
    assert settings.model_dump(), where


def test_extraction_doc_gazetteer_example_loads(tmp_path: Path) -> None:
    where, text = yaml_blocks("docs/extraction.md")[0]
    path = tmp_path / "aliases.yaml"
    path.write_text(text, encoding="utf-8")
    extractor = load_extractor([path], [])
    signals = extractor.extract_text("Three people were killed in Lathqiyah on Friday.")
    assert signals.region == "Latakia", where


def test_extraction_doc_lexicon_example_loads(tmp_path: Path) -> None:
    where, text = yaml_blocks("docs/extraction.md")[1]
    path = tmp_path / "communities.yaml"
    path.write_text(text, encoding="utf-8")
    extractor = load_extractor([], [path])
    signals = extractor.extract_text("Raiders torched Ogiek homes and a Catholic church, killing 4.")
    assert signals.targeted_groups == ("Ogiek", "Christian"), where


def test_extraction_doc_sources_example_loads(tmp_path: Path) -> None:
    where, text = yaml_blocks("docs/extraction.md")[2]
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    extractor = load_extractor([], [path])
    text = "KST said 14 civilians were killed in Beni. The tracker said 12 more died, Radio Okapi reported."
    assert [c.attributed_to for c in extractor.extract_text(text).casualties] == ["Kivu Security Tracker"] * 2, where


def test_extraction_doc_language_example_loads(tmp_path: Path) -> None:
    where, text = yaml_blocks("docs/extraction.md")[3]
    path = tmp_path / "fr.yaml"
    path.write_text(text, encoding="utf-8")
    extractor = load_extractor([], [path])
    signals = extractor.extract_text("Trois civils ont été fusillés à Gao par des jihadistes présumés.", language="fr")
    assert [(c.kind.value, c.count, c.victims, c.location) for c in signals.casualties] == [
        ("killed", 3, "civilians", "Gao")], where


def test_bundled_operator_french_file_loads() -> None:
    extractor = load_extractor([], [ROOT / "config" / "lexicons" / "fr.yaml"])
    assert "fr" in extractor.reads


def test_extraction_doc_arabic_glossary_example_loads(tmp_path: Path) -> None:
    where, text = next((w, t) for w, t in yaml_blocks("docs/extraction.md") if t.lstrip("# ").startswith("config/lexicons/ar"))
    path = tmp_path / "ar.yaml"
    path.write_text(text, encoding="utf-8")
    communities = tmp_path / "communities.yaml"
    communities.write_text("communities:\n  - {name: Ogiek, forms: [Ogiek, Ogieks]}\n", encoding="utf-8")
    extractor = load_extractor([], [path, communities])
    signals = extractor.extract_text("ذبح 7 مدنيين الأوغيك في كركوك.", language="ar")
    assert [(c.kind.value, c.count, c.location) for c in signals.casualties] == [("killed", 7, "Kirkuk")], where
    assert signals.targeted_groups == ("Ogiek",), where


def test_bundled_operator_sources_file_loads() -> None:
    extractor = load_extractor([], [ROOT / "config" / "lexicons" / "sources.yaml"])
    assert "Kivu Security Tracker" in extractor.lexicon.sources.refer


def test_every_doc_link_points_to_a_file() -> None:
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            assert (doc.parent / target).exists(), f"{doc.name} links to missing {target}"
