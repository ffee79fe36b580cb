"""`warnd routes test` and `warnd routes show`: what the routing tree does with given labels, as text.

Like `amtool config routes test`: the alert's labels in, the channels it would reach out (one line,
comma-separated), and with `--tree` the nodes that took it with their grouping.
"""

from __future__ import annotations

from collections.abc import Sequence

from warnd.config import Settings
from warnd.config.durations import format_duration
from warnd.routing import RouteNode, build_tree, channels_for, group_labels, match_routes
from warnd.types import Severity


def parse_labels(pairs: Sequence[str]) -> dict[str, str]:
    """`["severity=critical", "region=Latakia"]` → dict. Raises ValueError naming the bad pair."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"{pair!r} is not a label (name=value, e.g. severity=critical)")
        out[name.strip()] = value.strip().strip('"')
    return out


def describe(node: RouteNode) -> str:
    parts = [node.id, f"receiver [{', '.join(node.channels)}]"]
    if node.matchers:
        parts.append("matchers {" + ", ".join(str(m) for m in node.matchers) + "}")
    if node.grouped:
        assert node.group_by is not None
        parts.append(f"group_by [{', '.join(node.group_by)}] wait {format_duration(node.group_wait)} "
                     f"interval {format_duration(node.group_interval)} "
                     f"repeat {format_duration(node.repeat_interval)}")
    else:
        parts.append("not grouped (each alert sent as it fires)")
    if node.send_resolved:
        parts.append("send_resolved")
    if node.continue_:
        parts.append("continue")
    if node.mute_time_intervals:
        parts.append(f"muted during [{', '.join(node.mute_time_intervals)}]")
    if node.active_time_intervals:
        parts.append(f"active during [{', '.join(node.active_time_intervals)}]")
    return "  ".join(parts)


def show_tree(settings: Settings) -> str:
    """The routing tree, one node a line, indented by depth."""
    tree = build_tree(settings.route, settings.routing)
    return "\n".join("  " * node.id.count(".") + describe(node) for node in tree.walk())


def test_routes(settings: Settings, labels: dict[str, str], *, tree: bool = False) -> tuple[tuple[str, ...], str]:
    """The channels an alert with `labels` reaches (channel `min_severity` applied), and the text to print.

    Raises ValueError for a severity that is not one.
    """
    root = build_tree(settings.route, settings.routing)
    severity = Severity(labels.get("severity", "warning"))
    labels = {**labels, "severity": str(severity)}
    nodes = match_routes(root, labels)
    channels = channels_for(nodes, severity, {n: c.min_severity for n, c in settings.channels.items()})
    lines = [",".join(channels) if channels else "(no channel)"]
    if tree:
        for node in nodes:
            lines.append(describe(node))
            if node.grouped:
                lines.append("  group " + (", ".join(f"{k}={v}" for k, v in group_labels(node, labels)) or "(all)"))
    return channels, "\n".join(lines)
