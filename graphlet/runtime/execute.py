"""`execute(graph, **inputs)`: run a builder graph natively if it was compiled so, else
through the reference interpreter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from xdsl.dialects.builtin import ModuleOp


class ExecutableGraph(Protocol):
    module: ModuleOp
    FUNCTION: str

    @property
    def input_names(self) -> list[str]: ...

    @property
    def input_types(self) -> list[type]: ...


def coerce_argument(name: str, value: Any, expected: type) -> Any:
    """Accept what Python arithmetic would treat alike: a bool where an int is
    declared, an int where a float is declared."""
    if expected is float and isinstance(value, int | float):
        return float(value)
    if expected is int and isinstance(value, int):
        return int(value)
    if expected is bool and isinstance(value, bool):
        return value
    raise TypeError(
        f"input {name!r} is declared {expected.__name__}, got {type(value).__name__} {value!r}"
    )


def bind_inputs(graph: ExecutableGraph, inputs: dict[str, Any]) -> list[Any]:
    names = graph.input_names
    missing = [n for n in names if n not in inputs]
    unknown = [n for n in inputs if n not in names]
    if missing:
        raise TypeError(f"execute() missing input(s): {', '.join(map(repr, missing))}")
    if unknown:
        raise TypeError(
            f"execute() got unknown input(s): {', '.join(map(repr, unknown))}; "
            f"the graph's inputs are {names}"
        )
    return [coerce_argument(n, inputs[n], t) for n, t in zip(names, graph.input_types)]


def execute(graph: ExecutableGraph, /, **inputs: Any) -> Any:
    """One value for a single output, a tuple for several."""
    args = bind_inputs(graph, inputs)
    native = getattr(graph, "native", None)
    if native is not None:
        results = native(*args)
    else:
        from graphlet.runtime.interpreter import interpret

        results = interpret(graph.module, graph.FUNCTION, args)
    if not isinstance(results, tuple):
        return results
    return results[0] if len(results) == 1 else results
