"""A layered drawing of the rule graph (pure, no numpy): decision conditions → LBS-O → LBS-S →
municipal and regional authorities, one column per layer, nodes stacked by municipality and name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

ORG_KINDS = ("condition", "police", "municipality", "region", "fire_service", "state_agency", "defence",
             "home_guard", "other")
COLUMN_WIDTH = 330
NODE_WIDTH = 270
ROW_HEIGHT = 30
NODE_HEIGHT = 22
MARGIN = 20
HEADER = 30
LABEL_CHARS = 40


@dataclass(frozen=True)
class NodeBox:
    id: str
    label: str
    short_label: str
    kind: str  # condition | party
    org_kind: str  # ORG_KINDS entry (condition nodes: "condition")
    x: int
    y: int
    highlighted: bool
    rules: str  # the rules of a condition node, e.g. "R2, R2b, R2c"


@dataclass(frozen=True)
class EdgeLine:
    source: str
    target: str
    rule: str
    mode: str
    x1: int
    y1: int
    x2: int
    y2: int
    highlighted: bool
    d: str  # the SVG path


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    nodes: list[NodeBox]
    edges: list[EdgeLine]
    layers: list[tuple[int, int]]  # (layer, x) of the column headings


def filter_graph(graph: nx.DiGraph, *, municipality: str | None = None, decision_type: str | None = None,
                 keep: Iterable[str] = ()) -> nx.DiGraph:
    """The part of the graph for one municipality and/or one decision type."""
    nodes = set()
    for node, data in graph.nodes(data=True):
        if data["kind"] == "condition":
            types = data.get("types") or []
            if decision_type and types and decision_type not in types:
                continue
        elif municipality and data.get("municipality") not in (None, municipality):
            continue
        nodes.add(node)
    sub = graph.subgraph(nodes).copy()
    if municipality:
        sub.remove_edges_from([(u, v) for u, v, d in sub.edges(data=True)
                               if d.get("municipalities") and municipality not in d["municipalities"]])
    conditions = [n for n, d in sub.nodes(data=True) if d["kind"] == "condition"]
    reachable = set(conditions) | set(keep)
    for node in conditions:
        reachable |= nx.descendants(sub, node)
    return sub.subgraph(n for n in sub.nodes if n in reachable).copy()


def rules_used(graph: nx.DiGraph, keep: Iterable[str]) -> nx.DiGraph:
    """Only the nodes ``keep`` (those on the rule paths a decision used) and the edges between them."""
    wanted = set(keep)
    return graph.subgraph(n for n in graph.nodes if n in wanted).copy()


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def layered(graph: nx.DiGraph, highlight: set[tuple[str, str]] | None = None) -> Drawing:
    highlight = highlight or set()
    lit_nodes = {n for edge in highlight for n in edge}
    columns: dict[int, list[str]] = {}
    for node, data in graph.nodes(data=True):
        columns.setdefault(int(data.get("layer", 3)), []).append(node)
    positions: dict[str, tuple[int, int]] = {}
    layer_x: list[tuple[int, int]] = []
    height = 0
    for column, layer in enumerate(sorted(columns)):
        x = MARGIN + column * COLUMN_WIDTH
        layer_x.append((layer, x))
        ordered = sorted(columns[layer], key=lambda n: (
            graph.nodes[n].get("municipality") or "", str(graph.nodes[n].get("rules", [""])[0:1]),
            str(graph.nodes[n]["label"])))
        if layer == 0:
            ordered = sorted(columns[layer], key=lambda n: _code_key(str(n)))
        for row, node in enumerate(ordered):
            positions[node] = (x, HEADER + MARGIN + row * ROW_HEIGHT)
        height = max(height, HEADER + MARGIN * 2 + len(ordered) * ROW_HEIGHT)
    nodes = [
        NodeBox(id=str(node), label=str(data["label"]), short_label=_short(str(data["label"])), kind=data["kind"],
                org_kind="condition" if data["kind"] == "condition" else str(data.get("org_kind", "other")),
                x=positions[node][0], y=positions[node][1], highlighted=node in lit_nodes,
                rules=", ".join(data.get("rules", [])))
        for node, data in graph.nodes(data=True)
    ]
    edges = []
    right = MARGIN * 2 + max(1, len(columns)) * COLUMN_WIDTH
    for source, target, data in graph.edges(data=True):
        sx, sy = positions[source]
        tx, ty = positions[target]
        y1, y2 = sy + NODE_HEIGHT // 2, ty + NODE_HEIGHT // 2
        if tx > sx:
            x1, x2 = sx + NODE_WIDTH, tx
            d = f"M {x1} {y1} L {x2} {y2}"
        else:  # within a column (party to party): bow out to the right of the boxes
            x1 = x2 = sx + NODE_WIDTH
            bow = x1 + 40 + abs(y2 - y1) // 6
            d = f"M {x1} {y1} C {bow} {y1}, {bow} {y2}, {x2} {y2}"
            right = max(right, bow + MARGIN)  # the bow of the last column is drawn inside the picture
        edges.append(EdgeLine(source=str(source), target=str(target), rule=str(data["rule"]),
                              mode=str(data["mode"]), x1=x1, y1=y1, x2=x2, y2=y2,
                              highlighted=(source, target) in highlight, d=d))
    # Highlighted edges are drawn last so that they lie on top.
    edges.sort(key=lambda e: e.highlighted)
    return Drawing(width=right, height=max(height, 120), nodes=nodes, edges=edges, layers=layer_x)


def _code_key(node: str) -> tuple[int, str]:
    code = node.removeprefix("condition:R")
    digits = "".join(ch for ch in code if ch.isdigit())
    return (int(digits) if digits else 999, code)
