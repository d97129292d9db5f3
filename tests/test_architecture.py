"""The shape of the package: no import circles (imports inside functions count), no module over 500
lines, a public API with documented examples, and every docstring example runs."""
from __future__ import annotations

import ast
import doctest
import importlib
import os
from pathlib import Path

import pytest

import rmfkit

PACKAGE = Path(rmfkit.__file__).parent
MAX_LINES = 500
PUBLIC_API = ("open_workspace", "analyze", "validate", "import_evidence", "pull", "build_packet", "verify",
              "take_snapshot", "diff", "portfolio")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def imported(path: Path, known: set[str]) -> set[str]:
    """The package modules ``path`` imports anywhere (functions included), TYPE_CHECKING blocks excluded."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if _type_checking_block(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    result = set()
    for target in found:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name and target != "rmfkit":
            result.add(target)
    return result


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_no_import_circles_counting_imports_inside_functions():
    known = set(modules())
    graph = {name: imported(path, known) for name, path in modules().items()}
    assert circles(graph) == []


def test_the_circle_finder_finds_a_circle_through_a_function_level_import(tmp_path):
    """The check itself can fail: a circle made only of an import inside a function is found."""
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("import b\n")
    b.write_text("def f():\n    import a\n")
    graph = {"a": {"b"}, "b": set()}
    tree = ast.parse(b.read_text())
    graph["b"] = {n.names[0].name for n in ast.walk(tree) if isinstance(n, ast.Import)}
    assert circles(graph) == [["a", "b"]]


def test_no_module_over_500_lines():
    long = {name: n for name, path in modules().items() if (n := len(path.read_text("utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_public_api_names_resolve_and_document_an_example():
    for name in PUBLIC_API:
        value = getattr(rmfkit, name)
        assert callable(value), name
        assert value.__doc__ and (">>>" in value.__doc__ or ">>>" in (importlib.import_module(
            value.__module__).__doc__ or "")), f"rmfkit.{name} has no docstring example"
    assert set(PUBLIC_API) <= set(rmfkit.__all__)


@pytest.mark.parametrize("name", sorted(modules()))
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    os.environ.pop("RMFKIT_TODAY", None)
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(module, name):
        runner.run(test)
    assert runner.failures == 0, f"{runner.failures} docstring example(s) of {name} failed"
