"""Jinja2 for operator-written templates: sandboxed, and bounded in time, steps and output size.

Rule titles, annotations and labels and the channel templates in `templates/` are written by
operators. The sandbox (`ImmutableSandboxedEnvironment`) keeps them away from Python internals; it
does not keep them from running for ever (`{% for i in range(99999) %}{% for j in range(99999) %}`)
or from building a string of gigabytes (`'x' * 10**9`, `{% set s = s ~ s %}` in a loop). Either
would block the thread that renders — on SQLite the store's only thread — so nothing would be
evaluated or delivered and the daemon would not stop on SIGTERM (issue 21).

`BoundedEnvironment` counts every step a template takes (each loop iteration over a `range`, each
call, filter, `+`, `*`, `**` and `~`) against a per-render `Budget`: a step limit, a wall-clock
deadline and a cap on the size of every value built and of the output. A template that exceeds
it fails with `TemplateBudgetError` (a `jinja2.TemplateRuntimeError`, so callers that already
handle template errors handle it too). The limits are far above what any real title or message
needs (the bundled templates use a few hundred steps).

Every `render()` of a template of a `BoundedEnvironment` spends the environment's `budget`;
`render_bounded` renders with another one. The meter lives in a context variable, so renders on
several threads (the store's workers) each spend their own.
"""

from __future__ import annotations

import contextvars
import functools
import math
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range

__all__ = ["Budget", "BoundedEnvironment", "TemplateBudgetError", "render_bounded"]


class TemplateBudgetError(jinja2.TemplateRuntimeError):
    """A template took too many steps, too long, or built a value or output too large."""


@dataclass(frozen=True, slots=True)
class Budget:
    """Limits of one render."""

    steps: int = 200_000          # loop iterations, calls, filters and operators
    seconds: float = 2.0          # wall-clock time of the render
    max_size: int = 1_000_000     # characters (or items) of any one value built, and of the output

    def start(self) -> _Meter:
        return _Meter(self, time.monotonic() + self.seconds)


# A rule's title, annotation or label: a line of text rendered for every alert.
RULE_TEXT_BUDGET = Budget(steps=20_000, seconds=0.5, max_size=20_000)


@dataclass(slots=True)
class _Meter:
    budget: Budget
    deadline: float
    used: int = field(default=0)

    def step(self, n: int = 1) -> None:
        self.used += n
        if self.used > self.budget.steps:
            raise TemplateBudgetError(f"template exceeded its budget of {self.budget.steps:,} steps "
                                      "(a loop that runs too long?)")
        # time.monotonic, not the injected clock: this bounds real CPU time, whatever clock the caller simulates.
        if time.monotonic() > self.deadline:
            raise TemplateBudgetError(f"template took longer than {self.budget.seconds:g} s")

    def sized(self, value: Any) -> Any:
        if isinstance(value, str | bytes | list | tuple | dict | set | frozenset) and len(value) > self.budget.max_size:
            raise TemplateBudgetError(f"template built a value of {len(value):,} characters or items "
                                      f"(limit {self.budget.max_size:,})")
        return value


_DEFAULT = Budget()
# What `generate()` or a template of another environment spends: not bounded (only counted).
_UNMETERED = _Meter(Budget(steps=sys.maxsize, seconds=math.inf, max_size=sys.maxsize), math.inf)
_meter: contextvars.ContextVar[_Meter] = contextvars.ContextVar("warnd_template_meter", default=_UNMETERED)


def _current() -> _Meter:
    return _meter.get()


class _BoundedRange:
    """`range()` in a template: a sequence whose iteration spends one step per item."""

    __slots__ = ("_range",)

    def __init__(self, *args: int) -> None:
        self._range = safe_range(*args)

    def __len__(self) -> int:
        return len(self._range)

    def __iter__(self) -> Iterator[int]:
        meter = _current()
        for i in self._range:
            meter.step()
            yield i

    def __getitem__(self, index: int) -> int:
        return self._range[index]

    def __repr__(self) -> str:
        return repr(self._range)


# A width or count this large in a string method or filter builds a value over any sane budget.
_HUGE = 100_000
# A width or precision of six digits or more in a `{:...}` or `%...` conversion.
_WIDE_FORMAT = re.compile(r"\{[^{}]*:[^{}]*\d{6,}[^{}]*\}|%[-+ #0*]*\d{6,}|%[-+ #0*]*\d*\.\d{6,}")
_SIZING_FILTERS = frozenset({"center", "indent", "wordwrap", "truncate", "batch", "slice", "format"})


def _check_args(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    for a in (*args, *kwargs.values()):
        if isinstance(a, int) and not isinstance(a, bool) and abs(a) > _HUGE:
            raise TemplateBudgetError(f"template argument {a:,} is too large (limit {_HUGE:,})")
        if isinstance(a, str) and _WIDE_FORMAT.search(a):
            raise TemplateBudgetError("template format width is too large")


def _bounded_filter(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)   # keeps jinja's pass_context / pass_environment marker
    def run(*args: Any, **kwargs: Any) -> Any:
        meter = _current()
        meter.step()
        if name in _SIZING_FILTERS:
            _check_args(args, kwargs)
        return meter.sized(fn(*args, **kwargs))
    return run


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles `a ~ b` to a metered join: Jinja's `~` calls a runtime function the sandbox never sees."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        # Jinja's own join (str or Markup, constants folded), its result metered like any other value.
        self.write("environment.metered(")
        super().visit_Concat(node, frame)
        self.write(")")


class _BoundedTemplate(jinja2.Template):
    def render(self, *args: Any, **kwargs: Any) -> str:
        env = self.environment
        return render_bounded(self, dict(*args, **kwargs), env.budget if isinstance(env, BoundedEnvironment) else _DEFAULT)


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """An immutable sandbox whose renders spend a `Budget` (see the module docstring)."""

    code_generator_class = _BoundedCodeGenerator
    template_class = _BoundedTemplate
    # Intercepted operators are also kept out of constant folding, so `'x' * 10**9` fails at render
    # time instead of allocating a gigabyte when the template is compiled.
    intercepted_binops = frozenset({"+", "*", "**"})

    def __init__(self, *, budget: Budget = _DEFAULT, **options: Any) -> None:
        super().__init__(**options)
        self.budget = budget
        self.globals["range"] = _BoundedRange
        self.filters = {name: _bounded_filter(name, fn) for name, fn in self.filters.items()}

    def add_filters(self, **filters: Callable[..., Any]) -> None:
        """Add filters, metered like the built-in ones."""
        self.filters.update({name: _bounded_filter(name, fn) for name, fn in filters.items()})

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        meter = _current()
        meter.step()
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | bytes | list | tuple) and isinstance(times, int):
                    if len(seq) * max(times, 0) > meter.budget.max_size:
                        raise TemplateBudgetError(f"template built a value of {len(seq) * times:,} characters "
                                                  f"or items (limit {meter.budget.max_size:,})")
        elif operator == "**" and isinstance(left, int | float) and isinstance(right, int | float):
            if abs(right) > 64 and abs(left) > 1:
                raise TemplateBudgetError("template exponent is too large")
        return meter.sized(super().call_binop(context, operator, left, right))

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any,  # noqa: N805 - jinja's signature
             **kwargs: Any) -> Any:
        meter = _current()
        meter.step()
        if isinstance(getattr(__obj, "__self__", None), str | bytes | list):
            _check_args(args, kwargs)   # 'x'.center(10**9): refused before the value is built
        return meter.sized(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None and _WIDE_FORMAT.search(value.__self__):
            def refuse(*args: Any, **kwargs: Any) -> str:   # '{:>999999999}'.format(x)
                raise TemplateBudgetError("template format width is too large")
            return refuse
        return wrapped

    def metered(self, value: Any) -> Any:
        meter = _current()
        meter.step()
        return meter.sized(value)


def render_bounded(template: jinja2.Template, context: Mapping[str, Any], budget: Budget = _DEFAULT) -> str:
    """Render `template` within `budget`.

    Raises:
        TemplateBudgetError: the budget ran out (steps, time or size).
        jinja2.TemplateError: any other template error; exceptions raised by the template's own
            expressions (ZeroDivisionError, TypeError, ...) propagate unchanged.
    """
    meter = budget.start()
    token = _meter.set(meter)
    try:
        out: list[str] = []
        size = 0
        for chunk in template.generate(context):
            size += len(chunk)
            if size > budget.max_size:
                raise TemplateBudgetError(f"template output is longer than {budget.max_size:,} characters")
            out.append(chunk)
            meter.step()
        return "".join(out)
    finally:
        _meter.reset(token)
