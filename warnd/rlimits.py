"""Process limits `warnd run` adjusts at start-up.

The open-files soft limit is raised to the hard limit, as Go programs do since Go 1.19 and as systemd
recommends for programs that do not use select() (https://0pointer.net/blog/file-descriptor-limits.html):
systemd and many shells start services at a soft 1,024, which a few hundred slow HTTP clients once
exhausted (issue 21). Nothing warnd loads waits with select(): asyncio uses epoll, psycopg poll().
"""

from __future__ import annotations

import logging
import resource

__all__ = ["raise_open_files_limit"]

log = logging.getLogger(__name__)

# Linux's default fs.nr_open; a hard limit above it (or RLIM_INFINITY) cannot be reached anyway.
_NOFILE_CEILING = 1_048_576


def raise_open_files_limit() -> int:
    """Raise RLIMIT_NOFILE's soft limit to its hard limit (at most 1,048,576); return the soft limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = _NOFILE_CEILING if hard == resource.RLIM_INFINITY else min(hard, _NOFILE_CEILING)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError) as e:
        log.warning("open-files limit not raised", extra={"soft": soft, "hard": hard, "error": str(e)})
        return soft
    log.info("open-files limit raised", extra={"soft_before": soft, "soft": target, "hard": hard})
    return target
