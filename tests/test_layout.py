"""The package's shape: one way down through its folders, no import circle, modules a newcomer
can read (at most 400 lines, functions at most 60), and a small public API."""

from __future__ import annotations

import ast
from pathlib import Path

import facekit

PACKAGE = Path(facekit.__file__).parent

# Lowest first. A module may import its own part and the parts of lower layers, never higher or
# beside it. ``facekit/__init__.py`` (the public API) sits above them all and is not checked.
LAYERS = (
    ("facekit.config", "facekit.errors", "facekit.files"),
    ("facekit.names", "facekit.examples", "facekit.litert"),
    ("facekit.faces", "facekit.decision"),
    ("facekit.data", "facekit.liveness"),
    ("facekit.model",),
    ("facekit.evaluation", "facekit.gallery"),
    ("facekit.capture", "facekit.live", "facekit.sorting"),
    ("facekit.service",),
    ("facekit.cli",),
)
LAYER_OF = {part: level for level, parts in enumerate(LAYERS) for part in parts}


def _modules() -> dict[str, Path]:
    """Every module of the package but its top ``__init__``: ``{"facekit.faces.detect": path}``."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ("facekit", *path.relative_to(PACKAGE).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name != "facekit":
            found[name] = path
    return found


def _imports(path: Path) -> set[str]:
    """The facekit modules ``path`` imports, at the top or inside functions (a deferred import is
    still a dependency). Imports are absolute (``from facekit.faces.detect import Face``), so
    that a line says where it reaches; a relative one is reported as ``"relative"``."""
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                targets.add("relative")
            elif base.split(".")[0] == "facekit":
                targets.add(base)
                targets.update(f"{base}.{alias.name}" for alias in node.names)  # `from facekit.model import train`
        elif isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names if alias.name.split(".")[0] == "facekit")
    return targets


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    # A package's __init__ naming its own submodules (`from facekit.cli import data`) is not a circle.
    return {name: {t for t in _imports(path) if (t in modules or t in ("facekit", "relative")) and t != name}
            for name, path in modules.items()}


def _part(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_every_part_has_a_layer():
    assert {_part(m) for m in _modules()} <= set(LAYER_OF), "a new folder or module: give it a place in LAYERS"


def test_imports_only_go_down_the_layers():
    wrong = []
    for module, targets in _graph().items():
        for target in targets:
            if target in ("facekit", "relative"):
                wrong.append(f"{module}: a {target} import (write `from facekit.<part>.<module> import ...`)")
            elif _part(target) != _part(module) and LAYER_OF[_part(target)] >= LAYER_OF[_part(module)]:
                wrong.append(f"{module} imports {target}, which is not below it")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_circle():
    graph, state, circles = _graph(), {}, []

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                circles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not circles, "\n".join(circles)


def test_the_checker_reads_top_level_and_deferred_imports(tmp_path):
    """The checks above are only worth something if they see every import: two made-up modules."""
    low, high = tmp_path / "low.py", tmp_path / "high.py"
    low.write_text("from facekit.gallery.people import Gallery\n")
    high.write_text("def f():\n    from facekit.faces.detect import Face\n")
    assert _imports(low) == {"facekit.gallery.people", "facekit.gallery.people.Gallery"}
    assert _imports(high) == {"facekit.faces.detect", "facekit.faces.detect.Face"}


def test_modules_and_functions_stay_readable():
    too_long = []
    for module, path in _modules().items():
        tree = ast.parse(path.read_text())
        if len(path.read_text().splitlines()) > 400:
            too_long.append(f"{module}: {len(path.read_text().splitlines())} lines (at most 400)")
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 60:
                too_long.append(f"{module}.{node.name}: {node.end_lineno - node.lineno + 1} lines (at most 60)")
    assert not too_long, "\n".join(too_long)


def test_the_public_api_is_small_and_resolves():
    assert len(facekit.__all__) <= 30
    assert all(getattr(facekit, name) is not None for name in facekit.__all__)
