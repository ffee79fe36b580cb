"""Score a predictions file against a gold file, both JSON Lines in the `warnd extract` shape.

    python tools/score_extract.py GOLD.jsonl PRED.jsonl

Prints precision/recall/F1 for casualty (kind,count) pairs, locations and targeted groups, accuracy of
victims/cumulative/qualifier/location on matched pairs, false casualties on negative items and the
items with the most errors — the same report as `warnd eval-extract`, for predictions made elsewhere.
"""

from __future__ import annotations

import sys
from pathlib import Path

from warnd.extract.evaluation import read_jsonl, score, write_report


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: score_extract.py GOLD.jsonl PRED.jsonl\n")
        return 2
    try:
        gold, pred = read_jsonl(Path(argv[0])), read_jsonl(Path(argv[1]))
    except (OSError, ValueError) as e:
        sys.stderr.write(f"score_extract: {e}\n")
        return 2
    write_report(score(gold, pred), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
