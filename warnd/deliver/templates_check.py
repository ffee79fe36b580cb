"""`warnd check` for templates: every Jinja2 file under the template directories must compile."""

from __future__ import annotations

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from warnd.config import Settings
from warnd.errors import Problem


def check_templates(settings: Settings) -> list[Problem]:
    """Compile every `*.j2` under the configured template directories; report syntax errors with file:line."""
    dirs = [settings.path(settings.templates)]
    dirs += [settings.path(c.templates) for c in settings.channels.values() if c.templates]
    problems: list[Problem] = []
    env = SandboxedEnvironment()
    for d in dirs:
        if not d.is_dir():
            problems.append(Problem(str(d), None, None, "template directory not found"))
            continue
        for path in sorted(d.rglob("*.j2")):
            try:
                env.parse(path.read_text(encoding="utf-8"), filename=str(path))
            except jinja2.TemplateSyntaxError as e:
                problems.append(Problem(str(path), e.lineno, None, f"template syntax: {e.message}"))
            except (OSError, UnicodeDecodeError) as e:
                problems.append(Problem(str(path), None, None, f"cannot read: {e}"))
    return problems


__all__ = ["check_templates"]
