"""Helpers for tests that run graphlet tensor ops natively against PyTorch.

`compile_cases` builds one function with one result per case and compiles it once,
natively (a kernel that cannot lower raises: there is no fallback here);
`compile_one` does it for a single op, for the cases that must raise.
`export_native` compiles a torch function with `compile_fx` (torch.export and
Core ATen) and checks that every node ran natively.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Operation, Region

from graphlet.driver import compile_tensor_function
from graphlet.frontend.fx import compile_fx, tensor_type_of
from graphlet.runtime.tensors import TensorFunction

Build = Callable[..., Operation | Sequence[Operation]]
"""Builds the ops of one case from its arguments; the last op's result is the case's."""


def build_module(args: Sequence[torch.Tensor], cases: Sequence[tuple[int, Build]]) -> ModuleOp:
    """`@cases(args...)` returning one result per case; a case takes the next `n` args."""
    block = Block(arg_types=[tensor_type_of(t) for t in args])
    values, results = iter(block.args), []
    for count, build in cases:
        built = build(*[next(values) for _ in range(count)])
        ops = list(built) if isinstance(built, Sequence) else [built]
        for op in ops:
            block.add_op(op)
        results.append(ops[-1].results[0])
    block.add_op(func.ReturnOp(*results))
    fn = func.FuncOp.from_region(
        "cases", [a.type for a in block.args], [r.type for r in results], Region(block)
    )
    module = ModuleOp([fn])
    module.verify()
    return module


def compile_cases(
    args: Sequence[torch.Tensor], cases: Sequence[tuple[int, Build]]
) -> tuple[TensorFunction, list[torch.Tensor]]:
    kernel = compile_tensor_function(build_module(args, cases), "cases")
    return kernel, kernel(*args)


def compile_one(build: Build, *args: torch.Tensor) -> TensorFunction:
    return compile_tensor_function(build_module(args, [(len(args), build)]), "cases")


class Fn(torch.nn.Module):
    def __init__(self, fn: Callable[..., Any]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *args: Any) -> Any:
        return self.fn(*args)


def assert_all_native(compiled: Any) -> None:
    """Every node of every graph ran as native code (no reference interpreter, no
    node left to PyTorch)."""
    report = getattr(compiled, "report", None)
    if report is not None:
        summary = report()
        assert summary.all_native, summary
    else:
        assert compiled.native


def export(fn: Callable[..., Any] | torch.nn.Module, inputs: Sequence[Any]) -> Any:
    """`fn` (a module or a function) exported to Core ATen."""
    model = fn if isinstance(fn, torch.nn.Module) else Fn(fn)
    return torch.export.export(model.eval(), tuple(inputs)).run_decompositions()


def export_native(
    fn: Callable[..., Any] | torch.nn.Module, inputs: Sequence[Any], **options: Any
) -> Any:
    """`fn` compiled with `compile_fx(mode="native")` (its Core ATen route: the ops
    graphlet keeps whole stay whole), checked to run all natively."""
    model = fn if isinstance(fn, torch.nn.Module) else Fn(fn)
    compiled = compile_fx(model.eval(), list(inputs), mode="native", **options)
    assert_all_native(compiled)
    return compiled
