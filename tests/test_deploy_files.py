"""Deployment files, checked without a Docker engine: compose structure, the image's install steps, the unit.

The Dockerfile must install exactly as the README's `make install` does (minus the `[dev]` extra),
so what runs in a container is what was tested in a checkout.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from warnd.config import EmailChannelConfig, load_settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
COMPOSE_CONFIG = ROOT / "deploy" / "warnd-compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
UNIT = ROOT / "deploy" / "warnd.service"
METRICS_PORT = 9108


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def container_port(mapping: str) -> int:
    return int(mapping.rsplit(":", 1)[1].split("/")[0])


# ---- docker-compose.yml ----------------------------------------------------------------------


def test_compose_has_warnd_postgres_and_a_mail_catcher(compose: dict) -> None:
    assert {"warnd", "postgres", "mailpit", "migrate"} <= set(compose["services"])
    assert compose["services"]["postgres"]["image"].startswith("postgres:")
    assert compose["services"]["mailpit"]["image"].startswith("axllent/mailpit:")


@pytest.mark.parametrize("service", ["warnd", "postgres", "mailpit"])
def test_long_running_services_have_healthchecks(compose: dict, service: str) -> None:
    check = compose["services"][service]["healthcheck"]
    assert check["test"][0] in ("CMD", "CMD-SHELL")
    assert len(check["test"]) > 1
    assert compose["services"][service]["restart"] == "unless-stopped"


def test_warnd_healthcheck_asks_healthz_on_the_metrics_port(compose: dict) -> None:
    test = " ".join(compose["services"]["warnd"]["healthcheck"]["test"])
    assert f"127.0.0.1:{METRICS_PORT}/healthz" in test


def test_postgres_data_is_on_a_named_volume(compose: dict) -> None:
    assert "pgdata" in compose["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]


def test_database_url_points_at_the_postgres_service(compose: dict) -> None:
    pg = compose["services"]["postgres"]["environment"]
    for service in ("warnd", "migrate"):
        url = compose["services"][service]["environment"]["WARND_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://")
        assert f"{pg['POSTGRES_USER']}:" in url
        assert url.endswith(f"@postgres:5432/{pg['POSTGRES_DB']}")
        # The same password variable (and default) on both sides.
        assert pg["POSTGRES_PASSWORD"] in url


def test_metrics_port_is_published_on_loopback_only(compose: dict) -> None:
    ports = compose["services"]["warnd"]["ports"]
    assert [container_port(p) for p in ports] == [METRICS_PORT]
    assert all(p.startswith("127.0.0.1:") for p in ports)
    for service in compose["services"].values():
        for p in service.get("ports", []):
            assert p.startswith("127.0.0.1:"), f"{p} is published on every interface"


def test_warnd_starts_after_migration_and_healthy_dependencies(compose: dict) -> None:
    deps = compose["services"]["warnd"]["depends_on"]
    assert deps["postgres"]["condition"] == "service_healthy"
    assert deps["mailpit"]["condition"] == "service_healthy"
    assert deps["migrate"]["condition"] == "service_completed_successfully"
    assert compose["services"]["migrate"]["command"] == ["db", "upgrade"]
    assert compose["services"]["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_stop_grace_covers_the_drain(compose: dict) -> None:
    # The daemon drains within 10 s of SIGTERM; docker must not SIGKILL it before that.
    assert int(compose["services"]["warnd"]["stop_grace_period"].rstrip("s")) > 10


def test_compose_mounts_a_config_that_loads(compose: dict) -> None:
    """The mounted config is valid, takes its database from the compose env and mails Mailpit."""
    service = compose["services"]["warnd"]
    [mount] = [v for v in service["volumes"] if v["target"] == service["environment"]["WARND_CONFIG"]]
    assert (ROOT / mount["source"]).resolve() == COMPOSE_CONFIG
    env = {k: v.replace("${POSTGRES_PASSWORD:-warnd}", "warnd") for k, v in service["environment"].items()}
    used = set(re.findall(r"\$\{(\w+)", COMPOSE_CONFIG.read_text()))
    assert used <= set(env), f"the config needs {used - set(env)} which compose does not set"
    settings = load_settings(COMPOSE_CONFIG, env=env)
    assert settings.database == env["WARND_DATABASE_URL"]
    assert settings.http is not None
    assert int(settings.http.listen.rsplit(":", 1)[1]) == METRICS_PORT
    channels = [c for c in settings.channels.values() if isinstance(c, EmailChannelConfig)]
    assert [(c.smtp.host, c.smtp.port) for c in channels] == [("mailpit", 1025)]
    assert set(settings.routing.default) == set(settings.channels)


# ---- Dockerfile ---------------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), " ".join(rest.split())))
    return out


def makefile_install_steps() -> list[str]:
    """The shell commands of the Makefile's install recipe, variables substituted."""
    text = (ROOT / "Makefile").read_text()
    variables = dict(re.findall(r"^(\w+)\s*[?:]?=\s*(.*?)\s*$", text, re.M))

    def expand(s: str) -> str:
        for _ in range(5):
            s = re.sub(r"\$\((\w+)\)", lambda m: variables.get(m.group(1), m.group(0)), s)
        return s

    recipe = re.search(r"^\$\(STAMP\):.*\n((?:\t.*\n)+)", text, re.M)
    assert recipe, "the Makefile's install recipe ($(STAMP):) was not found"
    steps = []
    for line in recipe.group(1).splitlines():
        cmd = expand(line.strip().lstrip("@"))
        if "||" in cmd:  # `test -x PY || python -m venv VENV`: the step is the venv creation
            cmd = cmd.split("||", 1)[1].strip()
        if cmd.startswith(("touch ", "test ")):
            continue
        steps.append(cmd)
    return steps


def normalise(cmd: str) -> list[str]:
    words = shlex.split(cmd)
    return [re.sub(r"^\.(\[dev\])?$", ".", w) for w in words]  # the image leaves out the [dev] extra


def test_dockerfile_install_steps_are_the_makefiles() -> None:
    make_steps = [normalise(c) for c in makefile_install_steps()]
    assert any("-e" in s for s in make_steps), make_steps
    runs = [cmd for word, args in dockerfile() if word == "RUN" for cmd in args.split("&&")]
    docker_steps = [normalise(c) for c in runs if "venv" in c or "pip" in c]
    assert docker_steps == make_steps


def test_dockerfile_is_slim_and_runs_as_non_root() -> None:
    instructions = dockerfile()
    [base] = [args for word, args in instructions if word == "FROM"]
    assert base.endswith("-slim")
    users = [args for word, args in instructions if word == "USER"]
    assert users, "the image must switch to a non-root USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    # The non-root user comes after every RUN that installs things.
    last_user = max(i for i, (w, _) in enumerate(instructions) if w == "USER")
    assert all(w != "RUN" for w, _ in instructions[last_user:])


def test_dockerfile_copies_what_exists_and_runs_warnd() -> None:
    instructions = dockerfile()
    for word, args in instructions:
        if word == "COPY":
            for source in args.split()[:-1]:
                if not source.startswith("--") and source != ".":
                    assert (ROOT / source).exists(), f"COPY {source}: not in the tree"
    [entry] = [args for word, args in instructions if word == "ENTRYPOINT"]
    assert entry == '["warnd"]'
    assert any(w == "EXPOSE" and str(METRICS_PORT) in a for w, a in instructions)


def test_dockerignore_keeps_local_state_out() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".git", ".venv", "var"} <= ignored
    # Everything the image's install needs stays in the context.
    assert not {"warnd", "pyproject.toml", "README.md", "config", "rules"} & ignored


# ---- systemd unit -------------------------------------------------------------------------------


def unit() -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
        else:
            key, _, value = line.partition("=")
            current.setdefault(key.strip(), []).append(value.strip())
    return sections


UNIT_OPTIONS = [
    pytest.param("Restart", "on-failure", id="restart"),
    pytest.param("ExecReload", "/bin/kill -HUP $MAINPID", id="reload-is-sighup"),
    pytest.param("TimeoutStopSec", "15", id="stop-timeout"),
    pytest.param("KillSignal", "SIGTERM", id="kill-signal"),
    pytest.param("User", "warnd", id="non-root-user"),
    pytest.param("NoNewPrivileges", "yes", id="no-new-privileges"),
    pytest.param("ProtectSystem", "strict", id="protect-system"),
    pytest.param("ProtectHome", "yes", id="protect-home"),
    pytest.param("PrivateTmp", "yes", id="private-tmp"),
    pytest.param("CapabilityBoundingSet", "", id="no-capabilities"),
    pytest.param("ExecStart", "/opt/warnd/.venv/bin/warnd run", id="runs-the-venv-warnd"),
    pytest.param("Type", "notify", id="notify-readiness"),
    pytest.param("NotifyAccess", "main", id="notify-from-the-daemon-only"),
    pytest.param("WatchdogSec", "60", id="watchdog"),
]


@pytest.mark.parametrize("key, expected", UNIT_OPTIONS)
def test_systemd_unit_options(key: str, expected: str) -> None:
    assert unit()["Service"][key] == [expected]


def test_systemd_unit_is_installable_and_writable_where_needed() -> None:
    sections = unit()
    assert sections["Install"]["WantedBy"] == ["multi-user.target"]
    assert "network-online.target" in sections["Unit"]["After"][0]
    # ProtectSystem=strict makes the tree read-only: var/ (SQLite, file sinks) must be let through.
    assert sections["Service"]["ReadWritePaths"] == [sections["Service"]["WorkingDirectory"][0] + "/var"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verify_finds_nothing_but_the_missing_install() -> None:
    proc = subprocess.run(["systemd-analyze", "verify", str(UNIT)], capture_output=True, text=True, timeout=60)
    problems = [line for line in (proc.stdout + proc.stderr).splitlines()
                if line.strip() and "/opt/warnd/.venv/bin/warnd" not in line]
    assert problems == []


# ---- docs/operations.md -------------------------------------------------------------------------

OPERATIONS = ROOT / "docs" / "operations.md"


def test_operations_yaml_examples_parse() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", OPERATIONS.read_text(), re.S)
    assert len(blocks) >= 2
    for block in blocks:
        assert yaml.safe_load(block) is not None


def test_operations_http_example_is_valid_config(tmp_path: Path) -> None:
    [block] = [b for b in re.findall(r"```yaml\n(.*?)```", OPERATIONS.read_text(), re.S) if b.startswith("http:")]
    config = tmp_path / "warnd.yaml"
    config.write_text(block)
    settings = load_settings(config, env={})
    assert settings.http is not None and settings.http.listen == f"127.0.0.1:{METRICS_PORT}"


def test_every_metric_named_in_the_docs_exists(clock) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    from warnd.metrics import Metrics

    m = Metrics(clock=clock)
    m.set_feeds(["f"])
    m.poll_done("f", "ok", 0.1)
    m.feed_succeeded("f", clock.now())
    m.items_ingested("f", 1)
    m.extraction_time(0.001)
    m.item_language("fr", True)
    m.evaluation_time(0.1)
    m.alert_fired("r", "high")
    m.delivery_done("c", "dead")
    m.set_outbox({"pending": 1})
    m.rules_loaded(1)
    m.reload_done(True)
    m.cycle_done(failed=["r"], lagging=1, text_failures={"r": 1})
    exposed = {s.name for f in text_string_to_metric_families(m.render().decode()) for s in f.samples}
    import warnd.metrics
    for source in (OPERATIONS.read_text(), warnd.metrics.__doc__ or ""):
        named = set(re.findall(r"\bwarnd_[a-z_]+[a-z]", source))
        assert named, "no metric names found"
        assert named <= exposed | {n.removesuffix("_bucket") for n in exposed}, named - exposed
