"""The package's shape: its modules import each other without a cycle."""

import ast
from pathlib import Path

import facegan

PACKAGE = Path(facegan.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_at_load(path: Path, modules: set[str]) -> set[str]:
    """The facegan modules a module imports when it is loaded (imports inside functions run later)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("facegan")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("facegan"):
            for alias in node.names:  # `from facegan.x import y` imports the module facegan.x.y when there is one
                found.add(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module)
    return found


def test_no_module_imports_another_that_imports_it_back():
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {name: imports_at_load(path, set(files)) & set(files) for name, path in files.items()}
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
