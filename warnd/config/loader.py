"""YAML loading that remembers where every value came from, so errors read `path:line:col: message`.

The loader composes the YAML node tree, keeps `{path: Mark}` for every key and value, substitutes
`${ENV}` references, and maps each pydantic `ValidationError` location back to a line. Every problem
in a file is reported, not just the first. Aliases are bounded while composing (values they expand
to, how many, how deep), so a "billion laughs" file is refused at its line instead of eating the host.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from warnd.errors import ConfigError, Problem

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]

_MAX_DEPTH = 64   # far beyond any real config; keeps hostile nesting away from Python's recursion limit
# What a document may expand to through its aliases ("billion laughs": ten aliases of ten aliases of …).
# 10,000 feeds as bench/daemon.py writes them are 70,000 values and 0 aliases; composing a file is
# linear, it is building the expanded values (~9 µs each) that an alias bomb makes exponential.
_MAX_VALUES = 1_000_000
_MAX_ALIASES = 100_000
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class LocatedYaml:
    """A parsed YAML document and where each of its parts is in the file."""

    path: str
    data: Any
    values: Mapping[Loc, Position]   # where each value starts
    keys: Mapping[Loc, Position]     # where each mapping key starts

    def position(self, loc: Loc, *, key: bool = False) -> Position | None:
        """The position of `loc`, or of its nearest ancestor that has one."""
        table = self.keys if key else self.values
        for n in range(len(loc), -1, -1):
            prefix = loc[:n]
            found = table.get(prefix) or self.keys.get(prefix) or self.values.get(prefix)
            if found is not None:
                return found
        return None

    def problem(self, loc: Loc, message: str, *, key: bool = False) -> Problem:
        pos = self.position(loc, key=key)
        return Problem(self.path, pos.line if pos else None, pos.col if pos else None, message)


def _pos(mark: yaml.Mark) -> Position:
    return Position(mark.line + 1, mark.column + 1)


class _TooLarge(Exception):
    def __init__(self, mark: Any, message: str) -> None:   # yaml.error.Mark, or the C loader's
        super().__init__(message)
        self.mark, self.message = mark, message


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader's composer, counting as it goes how many values the document expands to.

    An alias is a reference to a node already composed, and every node's expanded size is known once
    it is complete (what the running count grew by meanwhile), so the count is linear in the file
    however far the aliases would expand, and a bomb is refused at the alias that crosses the limit.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._expanded = 0                        # values composed so far, aliases expanded
        self._aliases = 0
        self._sizes: dict[yaml.Node, int] = {}    # each complete node: values it expands to
        self._heights: dict[yaml.Node, int] = {}  # each complete node: levels it expands to
        self._depth = 0                           # of the node being composed (the root is 1)
        self._reach = 0                           # the deepest level it reached so far, aliases expanded

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
        if isinstance(event, yaml.AliasEvent):
            target = super().compose_node(parent, index)
            if target is not None:
                self._count_alias(event, target)
            return target
        before, outer_reach = self._expanded, self._reach
        self._expanded += 1
        if self._expanded > _MAX_VALUES:
            raise _TooLarge(event.start_mark, f"the file has more than {_MAX_VALUES:,} values")
        self._depth += 1
        self._reach = self._depth
        node = super().compose_node(parent, index)
        if node is not None:
            self._sizes[node] = self._expanded - before
            self._heights[node] = self._reach - self._depth + 1
        self._depth -= 1
        self._reach = max(outer_reach, self._reach)
        return node

    def _count_alias(self, event: yaml.AliasEvent, target: yaml.Node) -> None:
        self._aliases += 1
        # An alias to a node still open is a cycle: count it once, _Composer.build reports it.
        self._expanded += self._sizes.get(target, 1)
        self._reach = max(self._reach, self._depth + self._heights.get(target, 1))
        alias = f"alias *{event.anchor} (anchor &{event.anchor} at line {target.start_mark.line + 1})"
        if self._aliases > _MAX_ALIASES:
            raise _TooLarge(event.start_mark, f"{alias}: more than {_MAX_ALIASES:,} YAML aliases in one file")
        if self._expanded > _MAX_VALUES:
            raise _TooLarge(event.start_mark, f"{alias}: the aliases expand the file to more than "
                                              f"{_MAX_VALUES:,} values (an alias bomb?)")
        if self._reach - 1 > _MAX_DEPTH:   # the root is level 1; _Composer.build counts from 0
            raise _TooLarge(event.start_mark, f"{alias}: the aliases nest the file more than "
                                              f"{_MAX_DEPTH} levels deep")


class _Composer:
    def __init__(self, path: str, env: Mapping[str, str]) -> None:
        self.path = path
        self.env = env
        self.values: dict[Loc, Position] = {}
        self.keys: dict[Loc, Position] = {}
        self.problems: list[Problem] = []
        self._open: set[int] = set()      # nodes being built, to catch an alias that contains itself
        self._constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.values[loc] = _pos(node.start_mark)
        if id(node) in self._open:
            # `a: &x [*x]` refers to itself: following it would never end.
            self.problems.append(Problem(self.path, *_astuple(_pos(node.start_mark)),
                                         "a YAML alias refers to the node that contains it"))
            return None
        if len(loc) > _MAX_DEPTH:
            self.problems.append(Problem(self.path, *_astuple(_pos(node.start_mark)),
                                         f"nested more than {_MAX_DEPTH} levels deep"))
            return None
        self._open.add(id(node))
        try:
            return self._build(node, loc)
        finally:
            self._open.discard(id(node))

    def _build(self, node: yaml.Node, loc: Loc) -> Any:
        if isinstance(node, yaml.MappingNode):
            self._constructor.flatten_mapping(node)  # resolves `<<: *anchor` merges
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                raw_key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
                key: str | int | None
                if raw_key is None or isinstance(raw_key, str | int) and not isinstance(raw_key, bool):
                    key = raw_key
                else:
                    key = str(raw_key)  # `yes:` or `1.5:` as a key: keep its text
                if key is None:
                    self.problems.append(
                        Problem(self.path, *_astuple(_pos(key_node.start_mark)), "a mapping key must be a plain value")
                    )
                    continue
                child = (*loc, key)
                if key in out:
                    self.problems.append(
                        Problem(self.path, *_astuple(_pos(key_node.start_mark)), f"duplicate key {key!r}")
                    )
                self.keys[child] = _pos(key_node.start_mark)
                out[key] = self.build(value_node, child)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*loc, i)) for i, child in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode):
            value = self._scalar(node)
            if isinstance(value, str):
                value = self._substitute(value, node)
            return value
        raise TypeError(f"unexpected YAML node {node!r}")

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as e:
            self.problems.append(Problem(self.path, *_astuple(_pos(node.start_mark)), str(e.problem)))
            return node.value

    def _substitute(self, value: str, node: yaml.Node) -> str:
        def repl(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            if name in self.env:
                return self.env[name]
            if default is not None:
                return default
            self.problems.append(
                Problem(self.path, *_astuple(_pos(node.start_mark)), f"environment variable {name} is not set")
            )
            return ""

        return _ENV_REF.sub(repl, value)


def _astuple(p: Position) -> tuple[int, int]:
    return p.line, p.col


def parse_yaml(text: str, *, path: str, env: Mapping[str, str] | None = None) -> LocatedYaml:
    """Parse one YAML document, keeping positions.

    Raises:
        ConfigError: on YAML syntax errors, duplicate keys or unset `${ENV}` references.
    """
    loader: _BoundedLoader | None = None
    try:
        loader = _BoundedLoader(text)   # its reader refuses control characters right here
        node = loader.get_single_node()
    except _TooLarge as e:
        raise ConfigError([Problem(path, *_astuple(_pos(e.mark)), e.message)]) from e
    except yaml.reader.ReaderError as e:
        # A control character (\x00, \x1f) in the file: PyYAML reports a character offset, not a line.
        at_line = text.count("\n", 0, e.position) + 1
        at_col = e.position - (text.rfind("\n", 0, e.position) + 1) + 1
        raise ConfigError([Problem(path, at_line, at_col, f"YAML: character {e.character!r} is not allowed here "
                                                    "(a control character; save the file as plain UTF-8 text)")]) from e
    except RecursionError as e:
        raise ConfigError([Problem(path, None, None, "YAML nested too deeply")]) from e
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = e.problem or "invalid YAML"
        if e.context:
            message = f"{message} ({e.context})"
        raise ConfigError([Problem(path, line, col, f"YAML syntax: {message}")]) from e
    except yaml.YAMLError as e:
        raise ConfigError([Problem(path, None, None, f"YAML: {e}")]) from e
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        return LocatedYaml(path, None, {}, {})
    composer = _Composer(path, env or {})
    data = composer.build(node, ())
    if composer.problems:
        raise ConfigError(composer.problems)
    return LocatedYaml(path, data, composer.values, composer.keys)


def read_yaml(path: Path, *, env: Mapping[str, str] | None = None, display: str | None = None) -> LocatedYaml:
    """Read and parse a YAML file; unreadable files become a ConfigError."""
    shown = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise ConfigError([Problem(shown, None, None, "file not found")]) from e
    except UnicodeDecodeError as e:
        raise ConfigError([Problem(shown, None, None, f"not UTF-8 text (byte {e.start})")]) from e
    except OSError as e:
        raise ConfigError([Problem(shown, None, None, f"cannot read: {e.strerror}")]) from e
    return parse_yaml(text, path=shown, env=env)


def validate(doc: LocatedYaml, model: type[M], *, context: dict[str, Any] | None = None,
             loc_prefix: Loc = ()) -> M:
    """Validate `doc.data` (or the part at `loc_prefix`) against `model`; errors carry file:line:col.

    Raises:
        ConfigError: every validation problem, each located.
    """
    data: Any = doc.data
    for part in loc_prefix:
        data = data[part]
    try:
        return model.model_validate(data if data is not None else {}, context=context)
    except ValidationError as e:
        raise ConfigError(located_problems(doc, model, e, loc_prefix=loc_prefix)) from e


def located_problems(doc: LocatedYaml, model: Any, error: ValidationError, *,
                     loc_prefix: Loc = (), subject: str = "") -> list[Problem]:
    """Turn a pydantic ValidationError into located problems, one per error."""
    problems: list[Problem] = []
    data = doc.data
    for part in loc_prefix:
        data = data[part]
    for err in error.errors(include_url=False):
        loc = _data_loc(data, tuple(err["loc"]))
        full = (*loc_prefix, *loc)
        kind = err["type"]
        if kind == "extra_forbidden":
            name = str(loc[-1]) if loc else "?"
            allowed = _allowed_keys(model, data, loc[:-1])
            hint = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6) if allowed else []
            message = f"unknown key {name!r}"
            if hint:
                message += f"; did you mean {hint[0]!r}?"
            elif allowed:
                message += f" (allowed: {', '.join(sorted(allowed))})"
            problem = doc.problem(full, _with_where(subject, loc[:-1], message), key=True)
        elif kind == "missing":
            problem = doc.problem(full[:-1], _with_where(subject, loc[:-1], f"missing required key {loc[-1]!r}"))
        else:
            msg = err["msg"]
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, "):]
            elif msg.startswith("Assertion failed, "):
                msg = msg[len("Assertion failed, "):]
            problem = doc.problem(full, _with_where(subject, loc, msg))
        if problem not in problems:
            problems.append(problem)
    return problems


def _with_where(subject: str, loc: Loc, message: str) -> str:
    where = _dotted(loc)
    head = f"{subject}: " if subject else ""
    return f"{head}{where}: {message}" if where else f"{head}{message}"


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _data_loc(data: Any, loc: Loc) -> Loc:
    """Drop the parts of a pydantic loc that are not in the data (union tags, validator names)."""
    out: list[str | int] = []
    cur = data
    for part in loc:
        if isinstance(cur, dict) and part not in cur and part in (cur.get("kind"), cur.get("type")):
            continue  # the discriminator value of a tagged union, not a key
        if isinstance(cur, dict) and part in cur:
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, dict) and isinstance(part, str) and not _looks_like_tag(part):
            out.append(part)   # an unknown or missing key: keep it, it names the problem
            cur = None
        elif cur is None or not isinstance(cur, dict | list):
            continue
    return tuple(out)


def _looks_like_tag(part: str) -> bool:
    # pydantic puts discriminator values and function names into loc: 'function-after[...]', 'email'
    return "[" in part or part.startswith("function-")


def _allowed_keys(model: Any, data: Any, loc: Loc) -> list[str]:
    """The keys a model accepts at `loc`, for 'did you mean' hints."""
    current: Any = model
    cur_data = data
    for part in loc:
        current = _descend(current, part, cur_data)
        if current is None:
            return []
        try:
            holder: Any = cur_data
            cur_data = holder[part] if isinstance(cur_data, dict | list) else None
        except (KeyError, IndexError, TypeError):
            cur_data = None
    current = _pick_member(current, cur_data)
    if isinstance(current, type) and issubclass(current, BaseModel):
        names = []
        for name, info in current.model_fields.items():
            names.append(info.alias or name)
        return names
    return []


def _descend(tp: Any, part: str | int, data: Any) -> Any:
    """The type at key/index `part` of a value of type `tp` whose data is `data`."""
    tp = _pick_member(tp, data)
    if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(part, str):
        for name, info in tp.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
        return None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (list, tuple, set, frozenset) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


def _pick_member(tp: Any, data: Any) -> Any:
    """From a union (maybe Annotated, maybe discriminated by `kind`/`type`), pick the member for data."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        models = [m for m in (_pick_member(a, data) for a in members)
                  if isinstance(m, type) and issubclass(m, BaseModel)]
        if isinstance(data, dict):
            for m in models:
                for tag in ("kind", "type"):
                    field = m.model_fields.get(tag)
                    if field is not None and tag in data and data[tag] in typing.get_args(field.annotation):
                        return m
        if len(models) == 1:
            return models[0]
        return members[0] if len(members) == 1 else None
    return tp
