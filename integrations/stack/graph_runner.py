"""Rasa's prediction graph run in a fixed order computed once per set of targets, instead of a
dask graph rebuilt and scheduled on every call (issue 15).

For each message the Rasa server runs its model graph twice or more (NLU, then the policies
for every action of the turn) through `DaskGraphRunner.run` (rasa/engine/runner/dask.py). Each
call walks the schema for the nodes the targets need (`_all_dependencies_schema`, a recursion
without memory that visits shared ancestors once per path), builds a dask graph and lets
`dask.get` order and execute it. In a profile of `make bench` this bookkeeping, not the
components, was a fifth of the Rasa server's CPU; in the stock bot's profile the walk alone
was 9%.

`SequentialGraphRunner` keeps Rasa's nodes (`GraphNode`, with its hooks and error handling)
and calls them exactly as dask does: each node gets its needs as `(node_name, output)` pairs,
a need that nothing provides is passed as its bare name (GraphNode logs it as unresolved), the
inputs are `(name, value)` pairs, and the targets' outputs are returned by name. Only the
schedule differs: a depth-first order of the targets' ancestors, computed once per tuple of
targets and kept. The graph has no parallel branches worth a scheduler: dask's synchronous
`get` runs them one after the other too.

The launcher (rasa_server.py) installs it before Rasa loads the model, by replacing the
runner class that `rasa.core.processor` hands to `rasa.engine.loader` (the hook Rasa itself
uses to choose the runner). Nothing in site-packages is edited;
tests/unit/test_graph_runner.py fails if an upgrade of Rasa changes the replaced code.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner


class SequentialGraphRunner(DaskGraphRunner):
    """DaskGraphRunner's nodes and results, run in a kept depth-first order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._orders: dict[tuple[str, ...], list[str]] = {}

    def _order(self, targets: tuple[str, ...]) -> list[str]:
        """The nodes the targets depend on, each after everything it needs (computed once)."""
        order = self._orders.get(targets)
        if order is None:
            nodes = self._graph_schema.nodes
            order, seen = [], set()

            def visit(name: str, path: frozenset[str]) -> None:
                if name in seen or name not in nodes:
                    return
                if name in path:
                    raise GraphRunError(f"Cycle in the graph at node '{name}'.")
                for need in nodes[name].needs.values():
                    visit(need, path | {name})
                seen.add(name)
                order.append(name)

            for target in targets:
                visit(target, frozenset())
            self._orders[targets] = order
        return order

    def run(self, inputs: dict[str, Any] | None = None, targets: list[str] | None = None) -> dict[str, Any]:
        """Runs the graph (see GraphRunner.run)."""
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        order = self._order(run_targets)
        results: dict[str, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and (value in order or value in results):
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none of the input names "
                    f"passed to the `run` method are the same as node names in the graph schema.")
            results[name] = (name, value)  # as in dask's graph, an input named like a node replaces it
        nodes = self._graph_schema.nodes
        try:
            for name in order:
                if name not in results:
                    needs = nodes[name].needs.values()
                    results[name] = self._instantiated_nodes[name](*(results.get(need, need) for need in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(results[target] for target in run_targets)


def install() -> None:
    """Make the Rasa server load its model with SequentialGraphRunner (idempotent)."""
    import rasa.core.processor

    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # type: ignore[misc]
