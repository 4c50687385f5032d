"""The package's shape: its modules import each other without a cycle."""

import ast
from pathlib import Path

import pytest

import facegan

PACKAGE = Path(facegan.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_at_load(path: Path, modules: set[str], inside_functions: bool = False) -> set[str]:
    """The facegan modules a module imports when it is loaded (and, with `inside_functions`, those its
    functions import when they run)."""
    found = set()
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree) if inside_functions else tree.body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("facegan")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("facegan"):
            for alias in node.names:  # `from facegan.x import y` imports the module facegan.x.y when there is one
                found.add(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module)
    return found


@pytest.mark.parametrize("inside_functions", [False, True], ids=["at load", "also inside functions"])
def test_no_module_imports_another_that_imports_it_back(inside_functions):
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {name: imports_at_load(path, set(files), inside_functions) & set(files) for name, path in files.items()}
    # A package's __init__ gathers its modules: a module reaching its own package through it is not a cycle of code.
    graph = {name: {other for other in edges if not name.startswith(other + ".")} for name, edges in graph.items()}
    # A package's __init__ gathers its modules for users; a module importing its own package root would close a cycle.
    assert not [name for name, edges in graph.items() if "facegan" in edges and name != "facegan"]
    visiting, done, cycles = [], set(), []

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            cycles.append(visiting[visiting.index(name):] + [name])
            return
        visiting.append(name)
        for other in sorted(graph[name]):
            visit(other)
        visiting.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)
    assert not cycles, cycles


def test_what_samples_scores_or_edits_never_imports_training():
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    users = [name for name in files if name.startswith(("facegan.editing", "facegan.metrics")) or name in ("facegan.sampling", "facegan.latent")]
    for name in users:
        assert not [m for m in imports_at_load(files[name], set(files), inside_functions=True) if m.startswith("facegan.training")], name


def test_only_the_registry_knows_the_engine_classes():
    engines = ("TranslatorEngine", "InversionEngine")
    for path in PACKAGE.rglob("*.py"):
        if path.name in ("registry.py", "translate.py", "redraw.py"):
            continue
        assert not any(engine in path.read_text() for engine in engines), path
