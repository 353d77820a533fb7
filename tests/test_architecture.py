"""The shape of ``lbs/``: dependencies point one way, and no module grows past one concern's size.

Every import is read from the source (``import`` and ``from … import`` anywhere in a file, inside functions
and ``TYPE_CHECKING`` blocks included), so a cycle cannot hide in a late import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
LBS = ROOT / "lbs"
MAX_LINES = 400
MAX_FUNCTION_LINES = 60

# Domain packages from the bottom up: a package may import those before it, never one after it.
LAYERS = ["organisations", "audit", "auth", "staffs", "notifications", "incidents", "consultation", "decisions",
          "hearing", "costs", "review"]
# On top of every domain; none of the domains may import them.
TOP = {"admin", "api", "cli", "demo", "main", "ops", "navigation"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(LBS.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _target(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(modules: dict[str, Path] | None = None) -> nx.DiGraph:
    """Module → module edges of every import between modules of ``lbs``."""
    modules = modules or _modules()
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            imported: list[str] = []
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                imported = [f"{base}.{alias.name}" for alias in node.names] or [base]
            for full in imported:
                if full.split(".")[0] != "lbs":
                    continue
                target = _target(full, modules)
                if target and target != name:
                    graph.add_edge(name, target)
    return graph


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def package_graph(graph: nx.DiGraph) -> nx.DiGraph:
    packages = nx.DiGraph()
    for a, b in graph.edges:
        if package_of(a) != package_of(b) and package_of(a) and package_of(b):
            packages.add_edge(package_of(a), package_of(b))
    return packages


def _cycles(graph: nx.DiGraph) -> list[list[str]]:
    return [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]


def test_no_import_cycle_between_files() -> None:
    assert _cycles(import_graph()) == []


def test_no_import_cycle_between_packages() -> None:
    assert _cycles(package_graph(import_graph())) == []


def test_domain_packages_import_only_downwards() -> None:
    def upward(a: str, b: str) -> bool:
        return a in LAYERS and (b in TOP or (b in LAYERS and LAYERS.index(b) > LAYERS.index(a)))

    assert [f"{a} -> {b}" for a, b in package_graph(import_graph()).edges if upward(a, b)] == []


def test_no_module_over_the_size_limit() -> None:
    long = {str(path.relative_to(ROOT)): n for path in LBS.rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_a_long_function_says_why_in_its_docstring() -> None:
    """A function may run past the limit only with a docstring (which says why it is long)."""
    silent = []
    for path in LBS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None \
                    and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES and not ast.get_docstring(node):
                silent.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert silent == []


def test_the_checks_see_a_cycle(tmp_path: Path) -> None:
    """The graph finds an import inside a function, and the cycle it closes."""
    (tmp_path / "a.py").write_text("from lbs.b import x\n")
    (tmp_path / "b.py").write_text("def f():\n    from lbs import a\n")
    graph = import_graph({"lbs.a": tmp_path / "a.py", "lbs.b": tmp_path / "b.py"})
    assert _cycles(graph) == [["lbs.a", "lbs.b"]]


@pytest.mark.parametrize("layer", LAYERS)
def test_every_layer_exists(layer: str) -> None:
    assert (LBS / layer / "__init__.py").exists()
