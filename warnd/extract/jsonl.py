"""`warnd extract [FILE|-]`: JSON Lines of items in, one JSON line of signals out per item."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from typing import Any, TextIO

from warnd.extract.extractor import Extractor
from warnd.types import Signals


def signals_to_json(item_id: Any, signals: Signals) -> dict[str, Any]:
    """The `warnd extract` output object for one item (also the shape of a gold line)."""
    return {
        "id": item_id,
        "casualties": [
            {"kind": c.kind.value, "count": c.count, "qualifier": c.qualifier.value, "victims": c.victims,
             "cumulative": c.cumulative, "location": c.location, "part_of": c.part_of,
             "historical": c.historical, "estimate": c.estimate,
             "since": c.since.isoformat() if c.since is not None else None, "scope": c.scope,
             "attributed_to": c.attributed_to}
            for c in signals.casualties
        ],
        "locations": [p.name for p in signals.places],
        "targeted_groups": list(signals.targeted_groups),
        "region": signals.region,
        "country": signals.country,
        "is_casualty_report": signals.is_casualty_report,
        "language": signals.language,
        "read": signals.read,
    }


def declared_language(obj: dict[str, Any]) -> str | None:
    """The line's declared language: `lang` (the labelled corpora's field) or `language` (an item's).

    Raises:
        ValueError: when it is there but is not a string.
    """
    value = obj.get("lang", obj.get("language"))
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"'lang' must be a language code such as \"fr\", not {value!r}")


def text_of(obj: Any) -> str:
    """The text of an input line: `text`, or `title` and `summary` joined as an item's text is.

    Raises:
        ValueError: when the line is not an object with a string `text` or `title`/`summary`.
    """
    if not isinstance(obj, dict):
        raise ValueError("expected a JSON object")
    if "text" in obj:
        if not isinstance(obj["text"], str):
            raise ValueError("'text' must be a string")
        return obj["text"]
    title, summary = obj.get("title", ""), obj.get("summary", "")
    if not isinstance(title, str) or not isinstance(summary, str) or not (title or summary):
        raise ValueError("expected a string 'text', or 'title' and/or 'summary'")
    return f"{title}\n{summary}" if summary else title


def published_of(obj: dict[str, Any]) -> date | None:
    """The line's optional `published`: an ISO date or date-time ("2025-03-09", "2025-03-09T09:00:00Z"),
    the item's date that relative dates ("since Thursday") resolve against.

    Raises:
        ValueError: when `published` is there but is not an ISO date or date-time.
    """
    value = obj.get("published")
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).date() if "T" in value or " " in value.strip() \
                else date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"'published' must be an ISO date or date-time (2025-03-09), not {value!r}")


def extract_jsonl(src: TextIO, dst: TextIO, extractor: Extractor, *, err: TextIO | None = None) -> int:
    """Extract every line of `src` into `dst`; a bad line is reported on stderr and skipped.

    Returns:
        0 when every line was extracted, 1 when any line failed.
    """
    err = err if err is not None else sys.stderr
    failed = 0
    for number, line in enumerate(src, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            failed += 1
            err.write(f"line {number}: not JSON: {e.msg} (column {e.colno})\n")
            continue
        try:
            text = text_of(obj)
            published = published_of(obj)
            language = declared_language(obj)
        except ValueError as e:
            failed += 1
            err.write(f"line {number}: {e}\n")
            continue
        signals = extractor.extract_text(text, published=published, language=language)
        dst.write(json.dumps(signals_to_json(obj.get("id"), signals), ensure_ascii=False) + "\n")
    if failed:
        err.write(f"{failed} line(s) failed\n")
    return 1 if failed else 0
