"""`warnd init` and the config lookup: a deployment anywhere, also from a wheel outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from warnd.cli import main
from warnd.deployment import find_config, init_site, site_files

ROOT = Path(__file__).resolve().parent.parent


def test_the_packaged_site_is_the_repository_default() -> None:
    files = {str(rel) for rel, _ in site_files()}
    assert {"config/warnd.yaml", "rules/syria-coast.yaml", "rules/syria-coast.test.yaml",
            "templates/email/subject.txt.j2", "demo/coast-monitor.rss"} <= files
    for rel, packaged in site_files():
        assert packaged.read_bytes() == (ROOT / rel).read_bytes(), rel


def test_init_then_check_then_run_once_fires_the_demo_alerts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "SITE"
    assert main(["init", str(site)]) == 0
    assert "next: cd" in capsys.readouterr().out
    monkeypatch.chdir(site)
    monkeypatch.delenv("WARND_CONFIG", raising=False)
    assert main(["check"]) == 0
    assert "ok: config config/warnd.yaml (./config/warnd.yaml)" in capsys.readouterr().out
    assert main(["run", "--once"]) == 0
    assert list((site / "var" / "outbox" / "mail").glob("*.eml")), "the demo's alerts were mailed to files"
    # A second init does not overwrite an operator's edits.
    assert main(["init", str(site)]) == 1
    assert "exists" in capsys.readouterr().err


@pytest.mark.parametrize("env, existing, expected", [
    pytest.param({"WARND_CONFIG": "/srv/w.yaml"}, [], ("/srv/w.yaml", "$WARND_CONFIG"), id="env"),
    pytest.param({}, ["cwd"], ("config/warnd.yaml", "./config/warnd.yaml"), id="checkout-or-site"),
    pytest.param({}, ["xdg"], ("XDG/warnd/warnd.yaml", "$XDG_CONFIG_HOME/warnd"), id="xdg"),
    pytest.param({}, [], ("config/warnd.yaml", "default"), id="nothing-found"),
])
def test_config_lookup_order(tmp_path: Path, env: dict[str, str], existing: list[str],
                             expected: tuple[str, str]) -> None:
    cwd, xdg = tmp_path / "cwd", tmp_path / "XDG"
    for place in existing:
        path = (cwd / "config" if place == "cwd" else xdg / "warnd") / "warnd.yaml"
        path.parent.mkdir(parents=True)
        path.write_text("{}\n")
    choice = find_config(None, {**env, "XDG_CONFIG_HOME": str(xdg)}, home=tmp_path, cwd=cwd)
    assert (str(choice.path).replace(str(tmp_path) + "/", ""), choice.source) == expected
    assert find_config("given.yaml", env, home=tmp_path, cwd=cwd).source == "--config"


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    init_site(tmp_path)
    with pytest.raises(FileExistsError, match="--force"):
        init_site(tmp_path)
    assert init_site(tmp_path, force=True)


@pytest.mark.slow
def test_a_wheel_installed_outside_the_checkout_starts_a_deployment(tmp_path: Path) -> None:
    """The issue's acceptance: build a wheel, install it into a fresh venv outside the checkout
    (offline: its dependencies come from this venv's site-packages), init, check, run --once."""
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                            "-q", "-w", str(wheels)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    wheel = next(wheels.glob("warnd-*.whl"))
    installed = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    site_packages = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   capture_output=True, text=True, check=True).stdout.strip()
    # The dependencies, not warnd: a plain path entry runs none of this venv's .pth files (the editable warnd).
    Path(site_packages, "warnd-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("WARND_CONFIG", "PYTHONPATH")}
    outside = tmp_path / "elsewhere"
    outside.mkdir()

    def warnd(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(venv / "bin" / "warnd"), *args], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=180)
    where = subprocess.run([str(py), "-c", "import warnd; print(warnd.__file__)"], cwd=outside, env=env,
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(venv)), where
    assert warnd("init", "SITE", cwd=outside).returncode == 0
    site = outside / "SITE"
    check = warnd("check", cwd=site)
    assert check.returncode == 0, check.stdout + check.stderr
    run = warnd("run", "--once", cwd=site)
    assert run.returncode == 0, run.stderr[-3000:]
    assert list((site / "var" / "outbox" / "mail").glob("*.eml")), run.stderr[-3000:]
