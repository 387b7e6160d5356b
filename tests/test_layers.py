"""The layout is the architecture: data flows one way through the layers
(sources -> kernel -> rules -> report), no module imports against that flow,
and no module grows past the size a reader holds in mind."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "memdie_audit"
# What each layer may import from the package (besides itself and the
# leaf modules errors, interrupts and the package's __version__).
ALLOWED = {
    "sources": set(),
    "kernel": {"sources"},
    "result": {"kernel"},
    "rules": {"kernel", "result"},
    "report": {"kernel", "result", "rules"},
    "walk": {"sources", "kernel", "result", "rules", "flagwalk"},
    "flagwalk": {"sources", "kernel", "result", "rules"},
    "excerpts": {"sources", "result"},
    "fix": {"sources", "kernel", "result", "rules", "walk", "api"},
    "atlas": {"sources", "kernel", "result", "rules", "report"},
}
LEAVES = {"errors", "interrupts", "__init__", "__version__"}


def _layer(module: Path) -> str:
    return module.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imports(module: Path) -> set[str]:
    """Top-level package parts a module imports, relative or absolute."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    here = module.relative_to(PACKAGE).parent.parts
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(here[:len(here) - node.level + 1])
                parts = base + (node.module.split(".") if node.module else [])
                names = [parts] if parts else [[a.name] for a in node.names]
            elif node.module and node.module.startswith("memdie_audit"):
                parts = node.module.split(".")[1:]
                names = [parts] if parts else [[a.name] for a in node.names]
            else:
                continue
            found.update(p[0] for p in names if p)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names
                         if a.name.startswith("memdie_audit."))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_import_against_the_flow(module: Path) -> None:
    layer = _layer(module)
    if layer not in ALLOWED:
        return  # cli, api, demo, precommit: the top, may use everything
    wrong = {m for m in _imports(module) if m != layer and m not in LEAVES
             and m not in ALLOWED[layer]}
    assert not wrong, f"{module.name} ({layer}) imports {sorted(wrong)} against the flow"


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_readable(module: Path) -> None:
    lines = len(module.read_text(encoding="utf-8").splitlines())
    assert lines <= 420, f"{module.name} has {lines} lines: split it along a seam"


def _module_name(module: Path) -> str:
    parts = module.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_modules(module: Path, known: set[str]) -> set[str]:
    """The package's modules that ``module`` imports: at its top, inside a
    function or under TYPE_CHECKING alike (each is a dependency a reader
    has to follow)."""
    here = _module_name(module).split(".") if module.name != "__init__.py" else (
        _module_name(module).split(".") + ["__init__"])
    found = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = [p for p in here[:len(here) - node.level] if p]
            elif node.module and node.module.split(".")[0] == "memdie_audit":
                base = []
            else:
                continue
            parts = base + [p for p in (node.module or "").split(".") if p
                            and p != "memdie_audit"]
            target = ".".join(parts)
            for alias in node.names:  # `from . import removal`: the module removal
                sub = f"{target}.{alias.name}" if target else alias.name
                found.add(sub if sub in known else target)
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("memdie_audit.") for a in node.names
                         if a.name.startswith("memdie_audit."))
    return {m for m in found if m in known and m != _module_name(module)}


def test_no_import_circle_inside_the_package() -> None:
    """A module that imports, however indirectly, a module that imports it
    is a circle: neither can be read, tested or moved without the other."""
    known = {_module_name(m) for m in MODULES}
    graph = {_module_name(m): _imported_modules(m, known) for m in MODULES}
    circles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                circles.append(" -> ".join(path[path.index(target):] + [name, target])
                               if target in path else f"{name} -> {target}")
            elif target not in state:
                visit(target, [*path, name])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert not circles, "import circles: " + "; ".join(circles)
