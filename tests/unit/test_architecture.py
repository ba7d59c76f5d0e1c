"""The layout's rules (DESIGN.md, "Layout"), checked on the source: no import cycles among the
project's modules, `bot` never imports `actions` or `integrations`, routing and the intake model
are pure, and each package is where its concept lives."""
from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from bot.data import ROOT

PACKAGES = ("bot", "actions", "integrations")
#: Imports that would make a pure module depend on a server, a database or Rasa.
IMPURE = ("rasa", "rasa_sdk", "sqlalchemy", "aiohttp", "sanic", "alembic")
PURE = ("bot.routing", "bot.intake.model", "bot.intake.conversation", "bot.intake.reasons", "bot.answers",
        "bot.vocab", "bot.delivery.messages", "bot.delivery.handoff_notice", "bot.delivery.signing", "bot.staff.accounts", "bot.staff.transcript",
        "bot.organisations.matching")


@cache
def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "node_modules" in path.parts or "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """Dotted names an import statement brings in (relative imports resolved)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        parts = module.split(".")
        package = parts if modules()[module].name == "__init__.py" else parts[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def _project_module(name: str) -> str | None:
    while name and name not in modules():
        name = name.rpartition(".")[0]
    return name or None


@cache
def graph() -> dict[str, frozenset[str]]:
    """Module -> the project modules it imports, at module level or inside functions (a lazy
    import is a dependency too). A module's own parent packages do not count."""
    out = {}
    for module, path in modules().items():
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for name in _imported(module, node):
                    target = _project_module(name)
                    if target and target != module and not module.startswith(target + "."):
                        deps.add(target)
        out[module] = frozenset(deps)
    return out


def _cycles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_checker_finds_a_cycle():
    assert _cycles({"a": frozenset({"b"}), "b": frozenset({"a"}), "c": frozenset()}) == [["a", "b"]]


def test_no_import_cycles_among_the_projects_modules():
    assert len(modules()) > 100
    assert _cycles(graph()) == []


def test_bot_imports_nothing_from_actions_or_integrations():
    wrong = sorted((m, d) for m, deps in graph().items() if m.startswith("bot")
                   for d in deps if d.startswith(("actions", "integrations")))
    assert wrong == []


def test_pure_modules_import_no_server_database_or_rasa():
    wrong = []
    for module, path in modules().items():
        if not module.startswith(PURE):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                wrong += [(module, n) for n in names if n.split(".")[0] in IMPURE]
    assert wrong == []


def test_each_concept_has_its_package():
    # Where a newcomer looks: an affiliate declines, a partner's consent, the dashboard's funnel.
    expected = ["bot.delivery.lifecycle", "bot.intake.conversation", "bot.store.console.stats",
                "bot.routing.directory", "bot.i18n.detect", "bot.staff.accounts", "bot.cli",
                "integrations.stack.run", "bot.store.clock"]
    assert [m for m in expected if m not in modules()] == []
    top_level = sorted(m for m in modules() if m.count(".") == 1 and m.startswith("bot.")
                       and not (ROOT / m.replace(".", "/")).is_dir())
    assert top_level == ["bot.data", "bot.settings"]
