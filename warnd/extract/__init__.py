"""Signal extraction: casualty figures, places and targeted communities from item text.

Pure: `load_extractor` reads the bundled data (inside this package, under `data/`, so an installed
warnd has it) and the operator's gazetteer and lexicon files once; `Extractor.extract` is then a
function of the item alone.

    extractor = load_extractor([Path("config/gazetteer/aliases.yaml")], [Path("config/lexicons/communities.yaml")])
    signals = extractor.extract(item)
"""

from __future__ import annotations

from warnd.extract.casualties import extract_casualties
from warnd.extract.evaluation import eval_extract
from warnd.extract.extractor import Extractor, load_extractor
from warnd.extract.jsonl import extract_jsonl

__all__ = ["Extractor", "eval_extract", "extract_casualties", "extract_jsonl", "load_extractor"]
