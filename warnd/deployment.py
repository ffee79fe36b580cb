"""Where a deployment lives: finding its config, and `warnd init DIR`, which writes a new one.

The starter deployment ships inside the package (`warnd/site/`: the embedded default config, the
example rules with their rule tests, the templates and the demo feeds), so a wheel installed
anywhere can start a deployment and lint it: `warnd init SITE && cd SITE && warnd check && warnd run`.

Config lookup, first hit wins (`warnd check` prints which): `--config`, `$WARND_CONFIG`,
`./config/warnd.yaml`, `$XDG_CONFIG_HOME/warnd/warnd.yaml` (`~/.config/warnd/warnd.yaml`),
`/etc/warnd/warnd.yaml`.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

__all__ = ["ConfigChoice", "find_config", "init_site", "site_files"]

LOCAL_CONFIG = Path("config") / "warnd.yaml"
SYSTEM_CONFIG = Path("/etc/warnd/warnd.yaml")
# What `warnd init` writes, from the package's warnd/site/: the config and its data files, rules, templates, demo.
_SITE_DIRS = ("config", "rules", "templates", "demo")


@dataclass(frozen=True, slots=True)
class ConfigChoice:
    path: Path
    source: str         # "--config", "$WARND_CONFIG", or the lookup place that had it
    tried: tuple[Path, ...] = ()

    @property
    def found(self) -> bool:
        return self.path.exists()


def find_config(given: str | None, env: Mapping[str, str], *, home: Path, cwd: Path) -> ConfigChoice:
    """The config file to use: `given` (--config), `$WARND_CONFIG`, then the lookup places in order.

    When none exists the choice is `./config/warnd.yaml` (the embedded default's place), with every
    place tried, so the error can say where it looked.
    """
    if given:
        return ConfigChoice(Path(given), "--config")
    if env.get("WARND_CONFIG"):
        return ConfigChoice(Path(env["WARND_CONFIG"]), "$WARND_CONFIG")
    xdg = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"
    places = ((cwd / LOCAL_CONFIG, f"./{LOCAL_CONFIG}"), (xdg / "warnd" / "warnd.yaml", "$XDG_CONFIG_HOME/warnd"),
              (SYSTEM_CONFIG, str(SYSTEM_CONFIG)))
    for path, source in places:
        if path.exists():
            return ConfigChoice(path if source != f"./{LOCAL_CONFIG}" else LOCAL_CONFIG, source)
    return ConfigChoice(LOCAL_CONFIG, "default", tuple(p for p, _ in places))


def site_files() -> Iterator[tuple[Path, Traversable]]:
    """Every file of the starter deployment: (path relative to the deployment, the packaged file)."""
    root = importlib.resources.files("warnd") / "site"

    def walk(node: Traversable, rel: Path) -> Iterator[tuple[Path, Traversable]]:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.name.startswith(".") or child.name == "__pycache__":
                continue
            if child.is_dir():
                yield from walk(child, rel / child.name)
            else:
                yield rel / child.name, child
    for name in _SITE_DIRS:
        yield from walk(root / name, Path(name))


def init_site(target: Path, *, force: bool = False) -> list[Path]:
    """Write the starter deployment into `target` (created if missing); return the files written.

    Raises:
        FileExistsError: `target` holds a file that would be overwritten (and not `force`).
    """
    files = list(site_files())
    clashes = [rel for rel, _ in files if (target / rel).exists()]
    if clashes and not force:
        raise FileExistsError(f"{target / clashes[0]} exists (and {len(clashes) - 1} more); "
                              "choose an empty directory, or --force to overwrite")
    written = []
    for rel, packaged in files:
        out = target / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(packaged.read_bytes())
        written.append(out)
    (target / "var").mkdir(exist_ok=True)
    return written
