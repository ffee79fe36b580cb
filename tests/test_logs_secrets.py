"""Secrets never reach a log line: URLs through `redact_url`, values through the JSON and human formatters."""

from __future__ import annotations

import io
import json
import logging
import traceback

import pytest
from pydantic import SecretStr

from warnd.config.settings import SmtpSettings
from warnd.errors import StoreError
from warnd.logs import HumanFormatter, JsonFormatter, redact_url
from warnd.store import open_store

# (url, the secret in it, what must still be readable after redaction)
URLS = [
    pytest.param("smtp://warnd:S3cretSmtpPw@smtp.example.org:587", "S3cretSmtpPw", "smtp.example.org:587",
                 id="smtp-password"),
    pytest.param("https://user:p%40ssW0rd@example.org/x", "p%40ssW0rd", "example.org/x", id="user-pass-escaped"),
    pytest.param("https://user:pa:ss@w0rd@example.org/x", "ss@w0rd", "example.org/x", id="user-pass-with-at"),
    pytest.param("postgresql+psycopg://warnd:DbPassw0rd@db:5432/warnd", "DbPassw0rd", "db:5432/warnd",
                 id="database-url"),
    pytest.param("https://hooks.slack.com/services/T0AAAA/B0BBBB/XoXoSlackPathToken", "XoXoSlackPathToken",
                 "hooks.slack.com/services/T0AAAA/B0BBBB/", id="slack-path-token"),
    pytest.param("https://HOOKS.SLACK.COM/services/T0AAAA/B0BBBB/XoXoSlackPathToken/", "XoXoSlackPathToken",
                 "/services/", id="slack-upper-case-host"),
    pytest.param("https://partner.example.org/hook?token=HookTok123&lang=en", "HookTok123", "lang=en",
                 id="token-query"),
    pytest.param("https://partner.example.org/hook?TOKEN=HookTok123", "HookTok123", "partner.example.org",
                 id="token-query-upper"),
    pytest.param("https://partner.example.org/hook?token=one1111&token=two2222", "two2222", "/hook",
                 id="token-query-repeated"),
    pytest.param("https://api.example.org/feed?access_token=AccTok999", "AccTok999", "/feed", id="access-token"),
    pytest.param("https://api.example.org/feed?api_key=Key12345&key=Key67890", "Key67890", "/feed", id="api-key"),
    pytest.param("https://bucket.example.org/f.xml?X-Amz-Signature=SigAbcdef", "SigAbcdef", "/f.xml",
                 id="signed-url"),
    pytest.param("https://partner.example.org/hook?secret=WebhookSecret1", "WebhookSecret1", "/hook",
                 id="webhook-secret-query"),
    pytest.param("https://example.org/cb#access_token=FragTok42", "FragTok42", "/cb", id="fragment-token"),
    pytest.param("https://ghp_UserOnlyToken123@github.example.org/x", "ghp_UserOnlyToken123", "github.example.org",
                 id="token-as-username"),
    pytest.param("https://hooks.slack.com/workflows/T0AAAA/A0BBBB/123456/SlackWorkflowSecret", "SlackWorkflowSecret",
                 "hooks.slack.com", id="slack-workflow-url"),
]


@pytest.mark.parametrize("url, secret, kept", URLS)
def test_redact_url_hides_the_secret(url: str, secret: str, kept: str) -> None:
    out = redact_url(url)
    assert secret not in out
    assert kept in out


@pytest.mark.parametrize("url, secret, kept", URLS)
@pytest.mark.parametrize("formatter", [JsonFormatter(), HumanFormatter()], ids=["json", "human"])
def test_formatted_log_line_has_no_secret(formatter: logging.Formatter, url: str, secret: str, kept: str) -> None:
    record = logging.LogRecord("warnd.fetch", logging.WARNING, __file__, 1, "feed poll failed", (), None)
    record.__dict__.update(feed="monitor", url=redact_url(url))
    line = formatter.format(record)
    assert secret not in line
    assert "\n" not in line
    assert "monitor" in line


# Config values that hold secrets: the formatters must never render them, whatever the extra key.
SECRET_VALUES = [
    pytest.param(lambda: SecretStr("WebhookHmacKey77"), "WebhookHmacKey77", id="webhook-secret"),
    pytest.param(lambda: SmtpSettings(host="smtp.example.org", username="desk", password=SecretStr("SmtpPw9")),
                 "SmtpPw9", id="smtp-settings"),
    pytest.param(lambda: {"password": SecretStr("NestedPw8")}, "NestedPw8", id="nested-dict"),
    pytest.param(lambda: [SecretStr("ListedPw7")], "ListedPw7", id="in-a-list"),
]


@pytest.mark.parametrize("make, secret", SECRET_VALUES)
@pytest.mark.parametrize("json_lines", [True, False], ids=["json", "human"])
def test_secret_values_are_masked_by_the_formatters(make, secret: str, json_lines: bool) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if json_lines else HumanFormatter())
    log = logging.getLogger("warnd.test_logs_secrets")
    log.addHandler(handler)
    log.propagate = False  # a logger of its own: the root logger (and pytest's capture) stay untouched
    try:
        log.warning("channel configured", extra={"channel": "desk", "config": make()})
    finally:
        log.removeHandler(handler)
    line = stream.getvalue()
    assert "channel configured" in line
    assert secret not in line
    if json_lines:
        assert json.loads(line)["channel"] == "desk"


def test_unreachable_database_error_has_no_password() -> None:
    """The StoreError and its traceback (what `log.exception` writes) name the server, not the password."""
    url = "postgresql+psycopg://warnd:DbPassw0rdLeak@127.0.0.1:1/warnd"
    with pytest.raises(StoreError) as info:
        open_store(url)
    assert "DbPassw0rdLeak" not in str(info.value)
    assert "DbPassw0rdLeak" not in "".join(traceback.format_exception(info.value))
    record = logging.LogRecord("warnd.daemon", logging.ERROR, __file__, 1, "database unreachable", (),
                               (type(info.value), info.value, info.value.__traceback__))
    for formatter in (JsonFormatter(), HumanFormatter()):
        assert "DbPassw0rdLeak" not in formatter.format(record)


@pytest.mark.parametrize("journal, expected_prefix", [(True, "<4>"), (False, "")], ids=["on-journald", "elsewhere"])
def test_json_lines_carry_journald_priorities_only_on_the_journal_stream(tmp_path, journal: bool,
                                                                        expected_prefix: str) -> None:
    import json as json_module
    import logging
    import os

    from warnd.logs import journald_priority, setup_logging
    with (tmp_path / "stderr").open("w+") as stream:
        st = os.fstat(stream.fileno())
        env = {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}" if journal else "1:2"}
        setup_logging(level="INFO", json_lines=True, stream=stream, env=env)
        logging.getLogger("warnd.test").warning("feed failing", extra={"feed": "a"})
        logging.getLogger().handlers[0].flush()
        stream.seek(0)
        line = stream.read().splitlines()[-1]
    assert line.startswith(expected_prefix + "{")
    assert json_module.loads(line.removeprefix(expected_prefix))["event"] == "feed failing"
    assert [journald_priority(n) for n in (50, 40, 30, 20, 10, 35)] == [2, 3, 4, 6, 7, 4]
