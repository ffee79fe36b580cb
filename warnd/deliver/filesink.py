"""The file channel of the embedded default: each email as an RFC 5322 `.eml`, each webhook body as `.json`.

Files are named after the delivery (`alert-<alert id>-delivery-<delivery id>.eml`), so a re-send of the
same delivery overwrites its file and never adds a second one. Each write goes to a temporary file in
the same directory, is flushed to disk, then renamed over the final name (atomic on POSIX), so a reader
never sees half a message and a crash leaves at most a stray `.tmp` file.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from email.message import EmailMessage
from pathlib import Path

import aiohttp

from warnd.clock import Clock
from warnd.config.settings import FileChannelConfig, Settings
from warnd.deliver.email import EMAIL_TEMPLATES, POLICY, render_email
from warnd.deliver.render import TemplateSet, resolved
from warnd.deliver.webhook import render_webhook
from warnd.errors import PermanentDeliveryError, TransientDeliveryError
from warnd.types import Alert, Delivery

log = logging.getLogger(__name__)


def delivery_filename(delivery: Delivery, suffix: str) -> str:
    """The one file name of a delivery: stable across re-sends."""
    return f"alert-{delivery.alert_id:08d}-delivery-{delivery.id:08d}{suffix}"


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temp file + fsync + rename; never leaves a partial `path`."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)


class FileSender:
    """Writes each delivery of one file channel as a file in its directory."""

    @classmethod
    def from_config(cls, name: str, config: FileChannelConfig, *, settings: Settings, http: aiohttp.ClientSession,
                    clock: Clock, templates_dir: Path) -> FileSender:
        return cls(name, resolved(config, settings), clock=clock, templates_dir=templates_dir,
                   directory=settings.path(config.dir), public_url=settings.public_url)

    def __init__(self, name: str, config: FileChannelConfig, *, clock: Clock, templates_dir: Path,
                 directory: Path | None = None, public_url: str | None = None) -> None:
        self.name = name
        self.config = config
        self.clock = clock
        self.public_url = public_url
        self.directory = Path(directory if directory is not None else config.dir)
        self.templates_dir = templates_dir
        self.templates = TemplateSet.for_channel("email", templates_dir, config.templates)
        if config.format == "eml":
            self.templates.check(EMAIL_TEMPLATES)

    def render(self, alert: Alert, delivery: Delivery) -> tuple[str, bytes]:
        """The file name and content of one delivery."""
        if self.config.format == "eml":
            msg = render_email(alert, channel=self.name, config=self.config, templates_dir=self.templates_dir,
                               delivery_id=delivery.id, now=self.clock.now(), public_url=self.public_url,
                               templates=self.templates, notification=delivery.notification)
            return delivery_filename(delivery, ".eml"), msg.as_bytes(policy=POLICY)
        body = render_webhook(alert, channel=self.name, delivery_id=delivery.id, notification=delivery.notification)
        return delivery_filename(delivery, ".json"), body + b"\n"

    async def send(self, alert: Alert, delivery: Delivery) -> None:
        """Raises: TransientDeliveryError (disk full, I/O), PermanentDeliveryError (no permission, not a dir)."""
        name, data = self.render(alert, delivery)
        await self._store(name, data)
        log.info("delivery written", extra={"channel": self.name, "delivery": delivery.id, "file": name})

    async def send_message(self, msg: EmailMessage, *, name: str) -> None:
        """Write an already rendered message (a digest) as `name`; the same name overwrites."""
        await self._store(name, msg.as_bytes(policy=POLICY))

    async def _store(self, name: str, data: bytes) -> None:
        path = self.directory / name
        try:
            await asyncio.to_thread(self._write, path, data)
        except (PermissionError, NotADirectoryError, FileExistsError) as e:
            raise PermanentDeliveryError(self.name, f"cannot write {path}") from e
        except OSError as e:
            raise TransientDeliveryError(self.name, f"cannot write {path}") from e

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)

    async def aclose(self) -> None:
        """Nothing to close."""
