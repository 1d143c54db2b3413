"""Connecting a trace: from the outputs back to the calls they depend on.

Every call was logged with the ids of its inputs and outputs; starting from the
ids the function returned, each id is linked to the call that produced it, and
that call's inputs are followed in turn. What is never reached is dropped: calls
whose results nothing returned depends on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from graphlet.frontend.numpy_trace.proxy import Call


def connect(calls: Sequence[Call], outputs: Iterable[int]) -> tuple[list[Call], list[Call]]:
    """The calls the outputs depend on, and the dropped ones, each in call order."""
    producer = {out: call for call in calls for out in call.outputs}
    needed: set[int] = set()
    pending = list(outputs)
    while pending:
        call = producer.get(pending.pop())
        if call is None or call.index in needed:
            continue  # an input, or a call already reached
        needed.add(call.index)
        pending.extend(call.inputs)
    kept = [c for c in calls if c.index in needed]
    dropped = [c for c in calls if c.index not in needed]
    return kept, dropped


def to_mermaid(calls: Sequence[Call], inputs: Sequence[int], outputs: Sequence[int]) -> str:
    """A Mermaid flowchart of the connected calls: inputs, calls, outputs."""
    lines = ["flowchart TD"]
    node_of = {}
    for n, i in enumerate(inputs):
        node_of[i] = f"in{n}"
        lines.append(f'  in{n}[/"input {n}"/]')
    for call in calls:
        name = f"c{call.index}"
        lines.append(f'  {name}["{call.name}"]')
        for i in dict.fromkeys(call.inputs):
            if i in node_of:
                lines.append(f"  {node_of[i]} --> {name}")
        for o in call.outputs:
            node_of[o] = name
    for n, o in enumerate(outputs):
        lines.append(f'  out{n}[\\"output {n}"\\]')
        if o in node_of:
            lines.append(f"  {node_of[o]} --> out{n}")
    return "\n".join(lines)
