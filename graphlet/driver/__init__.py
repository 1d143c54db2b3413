"""The compile driver: named pipelines, the on-disk cache, and the entry points that
hand the runtime a callable.

    from graphlet import driver
    llvm_ir, signatures = driver.lower(module, "lower-to-llvm")
    artifact = driver.compile(module, "lower-to-llvm")          # loaded code + ABI
    artifact = driver.load("lower-to-llvm", key, identity=...)  # a cache hit, or None
    driver.compile_counts()                                     # LLVM runs and cache loads so far
    native = driver.compile_native(module)                      # runtime.native.NativeModule
    kernel = driver.compile_tensor_function(module, "forward")  # runtime.tensors.TensorFunction

Frontends build IR and call these; the runtime only calls what they return. The
driver is the frontends' one door to the runtime (they import none of it): besides
the compiled callables it hands them the reference interpreter (`make_interpreter`),
`@jit`'s kernels (`native_kernel`) and result boxing (`unbox_result`), the tensor
status errors (`tensor_error`) and the region runtime (`graphlet.driver.regions`).
The pipelines are in `graphlet.driver.pipelines`, the cache in `graphlet.driver.cache`.
Importing this package loads neither xDSL nor the lowering: they load on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from graphlet.driver.core import Artifact, CompileCounts, compile, compile_counts, load, lower

if TYPE_CHECKING:
    from collections.abc import Iterator

    from xdsl.context import Context
    from xdsl.dialects.builtin import ModuleOp
    from xdsl.interpreter import Interpreter

    from graphlet.runtime.jit_kernel import NativeKernel as NativeKernel
    from graphlet.runtime.native import NativeFunction as NativeFunction
    from graphlet.runtime.native import NativeModule as NativeModule
    from graphlet.runtime.tensors import TensorFunction as TensorFunction

__all__ = [
    "Artifact",
    "CompileCounts",
    "compile",
    "compile_counts",
    "compile_graph_function",
    "compile_native",
    "compile_native_source",
    "compile_tensor_function",
    "load",
    "lower",
    "make_interpreter",
    "native_kernel",
    "python_literal",
    "python_name",
    "python_source",
    "python_source_names",
    "python_sources",
    "tensor_error",
    "unbox_result",
]


def python_source(module: ModuleOp, *, memory: bool = False) -> str:
    """`module` as Python source (`graphlet.backend.python_source`; `memory`: with its
    lists and arrays runtime); an op the back end cannot print raises its
    `PythonSourceError`, a located diagnostic."""
    from graphlet.backend.python_source import module_source

    return module_source(module, memory=memory)


def python_sources(modules: Sequence[tuple[str, ModuleOp]]) -> str:
    """Several modules as one Python source, each one's functions named after its
    prefix (`python_name(symbol, prefix)`)."""
    from graphlet.backend.python_source import modules_source

    return modules_source(modules)


def python_source_names() -> frozenset[str]:
    """The top-level names `python_source` output defines besides its functions."""
    from graphlet.backend.python_source import defined_names

    return defined_names()


def python_literal(value: Any) -> str:
    """A constant (a number, a NumPy array) as `python_source` writes it."""
    from graphlet.backend.python_source import literal

    return literal(value)


def python_name(symbol: str, prefix: str = "") -> str:
    """The name `python_source` (`python_sources`, with the module's prefix) gives the
    function `@symbol`."""
    from graphlet.backend.python_source import PythonPrinter

    return PythonPrinter(prefix).symbol(symbol)


def compile_native(
    module: ModuleOp, *, opt_level: int = 2, optimize: bool = True, ctx: Context | None = None
) -> NativeModule:
    """`module`'s public scalar functions as native callables with CPython's answers
    (see `graphlet.runtime.native`); the module is not modified."""
    from graphlet.runtime.native import NativeModule

    artifact = compile(module, "lower-to-llvm", ctx=ctx, opt_level=opt_level, optimize=optimize)
    return NativeModule(module.clone(), artifact)


def compile_native_source(text: str, filename: str = "<string>", **options: Any) -> NativeModule:
    """`compile_native` of IR text (graphlet's textual format)."""
    from graphlet.locations import LocatingParser
    from graphlet.registry import make_context

    ctx = make_context()
    module = LocatingParser(ctx, text, filename).parse_module()
    module.verify()
    return compile_native(module, ctx=ctx, **options)


def compile_graph_function(module: ModuleOp, name: str) -> NativeFunction:
    """The native callable of function `name` of `module` (what the builder's
    `Compiler(target="native")` attaches to a graph); it keeps its code alive."""
    native = compile_native(module)
    if name not in native.functions:
        raise ValueError(
            f"@{name} cannot be called natively: only public functions with i1/i64/f64 "
            "arguments and results can"
        )
    return native.functions[name]


def compile_tensor_function(
    module: ModuleOp, name: str, *, blas: bool | None = None, opt_level: int = 3
) -> TensorFunction:
    """The tensor function `name` of `module` as a native callable on NumPy arrays
    and torch tensors (see `graphlet.runtime.tensors`). `blas=None` calls BLAS for
    matmuls when NumPy's OpenBLAS is there."""
    from graphlet.backend.blas import bind_blas
    from graphlet.runtime.tensors import TensorFunction

    _check_tensor_function(module, name)
    use_blas = bind_blas() if blas is None else blas and bind_blas()
    artifact = compile(
        module, "lower-tensors-to-llvm", function=name, blas=use_blas, opt_level=opt_level
    )
    return TensorFunction(artifact, name)


def _check_tensor_function(module: ModuleOp, name: str) -> None:
    from xdsl.dialects import func
    from xdsl.dialects.builtin import TensorType

    for op in module.ops:
        if isinstance(op, func.FuncOp) and op.sym_name.data == name:
            types = (*op.function_type.inputs.data, *op.function_type.outputs.data)
            for t in types:
                if not isinstance(t, TensorType):
                    raise TypeError(
                        f"@{name}: native tensor functions take and return tensors only, got {t}"
                    )
            return
    raise KeyError(f"no function @{name} in the module")


def native_kernel(artifact: Artifact, symbol: str) -> NativeKernel:
    """The `@jit` entry `symbol` of `artifact` as the runtime calls it (through the
    CPython wrapper compiled with it, see `graphlet.runtime.jit_kernel`)."""
    from graphlet.runtime.jit_kernel import NativeKernel

    return NativeKernel(artifact, symbol)


def make_interpreter(module: ModuleOp) -> Interpreter:
    """The reference interpreter of `module` (`graphlet.runtime.interpreter`): what
    runs a module that is not compiled."""
    from graphlet.runtime.interpreter import make_interpreter as make

    return make(module)


def unbox_result(spec: Any, values: Iterator[Any]) -> Any:
    """The Python value of result `spec` from flat results computed in Python, or
    `HandBack` for a scalar that does not fit its type (`graphlet.runtime.jit_kernel`)."""
    from graphlet.runtime.jit_kernel import unbox_result as unbox

    return unbox(spec, values)


def tensor_error(status: int) -> Exception:
    """The PyTorch error a tensor function's non-zero `status` stands for."""
    from graphlet.runtime.tensors import tensor_error as error

    return error(status)
