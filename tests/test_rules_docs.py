"""Every YAML example in docs/rules.md is loaded (rules) or run (rule unit tests): docs are tests."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest

from warnd.config import load_rules
from warnd.rulestest import run_rule_tests

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "rules.md"
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_docs_have_examples_for_every_kind() -> None:
    kinds = set(re.findall(r"^\s+kind: (\w+)", "\n".join(BLOCKS), flags=re.M))
    assert kinds >= {"threshold", "jump", "new_value", "frequency", "keyword", "feed_silence"}


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i + 1}" for i in range(len(BLOCKS))])
def test_yaml_example_loads(block: str, tmp_path: Path) -> None:
    if re.search(r"^(tests|rule_files):", block, flags=re.M):
        shutil.copy(ROOT / "rules" / "syria-coast.yaml", tmp_path / "syria-coast.yaml")
        path = tmp_path / "example.test.yaml"
        path.write_text(block, encoding="utf-8")
        out = io.StringIO()
        assert run_rule_tests([path], out, settings=None) == 0, out.getvalue()
        return
    text = block if block.startswith("rules:") else "rules:\n" + block
    path = tmp_path / "example.yaml"
    path.write_text(text, encoding="utf-8")
    rules = load_rules([path])
    assert rules.rules
