"""The `graphlet` dialect: value-semantics arithmetic with Python's meaning.

Types are `i1` (bool), `i64` (int) and `f64` (float). An `i64` value stands for a
Python int that happens to fit in 64 bits: every op's meaning is the Python
expression in its `py_operation`, evaluated on Python values. Folding, the
reference interpreter and the tests all read that one function. When a result
does not fit the declared type (an int past 64 bits, `2 ** -1`), native code
reports it and the runtime redoes the work in Python, so the answer is always
CPython's.

    %c = graphlet.add %a, %b : i64
    %q = graphlet.truediv %a, %b : i64        // result is f64, like `a / b`
    %t = graphlet.cmp lt, %a, %b : f64        // result is i1

The package is split by kind, like xDSL's `dialects/linalg/`: `types` (IR types and
the Python/NumPy tables), `traits`, `abstract_ops` (the op base classes),
`constant`, `scalar_ops` (Python's operators and `math` functions, elementwise on
tensors too), the tensor-only ops by category (`elementwise`, `reduction`,
`linear_algebra`, `shape`, `nn`), `torch_semantics` (NumPy with PyTorch's rules) and
`patterns` (canonicalization). This module assembles the `Dialect` and re-exports
every public name, so `from graphlet.dialects import graphlet as g; g.AddOp` works.
"""

from __future__ import annotations

from xdsl.dialects.builtin import TensorType, f32, f64, i1, i64
from xdsl.ir import Dialect

from graphlet.dialects.graphlet.abstract_ops import (
    BinaryOp,
    CommutativeBinaryOp,
    FloatResultUnaryOp,
    GraphletOp,
    ReduceOp,
    TensorOp,
    UnaryOp,
    check_dims,
    dims_attr,
    require,
    require_float_tensor,
    same_elements,
)
from graphlet.dialects.graphlet.constant import ConstantOp, GraphletConstantMaterialization
from graphlet.dialects.graphlet.elementwise import GeluOp, SigmoidOp
from graphlet.dialects.graphlet.linear_algebra import LinearOp, MatmulOp
from graphlet.dialects.graphlet.nn import LayerNormOp, LogSoftmaxOp, SoftmaxOp
from graphlet.dialects.graphlet.reduction import AmaxOp, AminOp, MeanOp, SumOp
from graphlet.dialects.graphlet.scalar_ops import (
    CMP_PREDICATES,
    SWAPPED_PREDICATE,
    AbsOp,
    AddOp,
    AndOp,
    BitwiseOp,
    CastOp,
    CeilOp,
    CmpOp,
    CosOp,
    ExpOp,
    FloorDivOp,
    FloorOp,
    LogOp,
    MaxOp,
    MinOp,
    ModOp,
    MulOp,
    NegOp,
    OrOp,
    PowOp,
    ReluOp,
    SelectOp,
    ShlOp,
    ShrOp,
    SinOp,
    SqrtOp,
    SubOp,
    TanhOp,
    TrueDivOp,
    XorOp,
)
from graphlet.dialects.graphlet.shape import CatOp, ExpandOp, ReshapeOp, SliceOp, TransposeOp
from graphlet.dialects.graphlet.torch_semantics import (
    TENSOR_ERROR_MESSAGES,
    TENSOR_ERRORS,
    TensorZeroDivisionError,
    np_erf,
    np_floordiv,
    np_keep_ints,
    np_mod,
    np_pow,
    np_relu,
)
from graphlet.dialects.graphlet.traits import (
    PatternsFromRegistry,
    RaisesLikePython,
    ScalarOnly,
    SpeculatableUnlessRaising,
    canonicalized,
    python_pure,
)
from graphlet.dialects.graphlet.types import (
    BOOL,
    FLOAT,
    FLOAT_ELEMENT_TYPES,
    INT,
    INT_MAX,
    INT_MIN,
    NUMERIC_TYPES,
    SCALAR_TYPES,
    TENSOR_ELEMENT_TYPES,
    UnrepresentableResult,
    array_of,
    broadcast_shapes,
    dense_attr,
    element_type,
    element_type_of_dtype,
    fits,
    from_attr,
    has_python_type,
    ir_type,
    is_tensor,
    np_dtype,
    python_type,
    scalar_stand_in,
    shape_of,
    shape_str,
    to_attr,
)

TENSOR_OPS: list[type[TensorOp]] = [
    MatmulOp,
    LinearOp,
    TransposeOp,
    ReshapeOp,
    ExpandOp,
    SumOp,
    MeanOp,
    AmaxOp,
    AminOp,
    SoftmaxOp,
    LogSoftmaxOp,
    LayerNormOp,
    GeluOp,
    SigmoidOp,
    CatOp,
    SliceOp,
]

OPS: list[type[GraphletOp]] = [
    ConstantOp,
    AddOp,
    SubOp,
    MulOp,
    TrueDivOp,
    FloorDivOp,
    ModOp,
    PowOp,
    MinOp,
    MaxOp,
    NegOp,
    AbsOp,
    AndOp,
    OrOp,
    XorOp,
    ShlOp,
    ShrOp,
    CmpOp,
    SelectOp,
    CastOp,
    ExpOp,
    LogOp,
    SqrtOp,
    SinOp,
    CosOp,
    TanhOp,
    FloorOp,
    CeilOp,
    ReluOp,
]

BINARY_OPS: dict[str, type[BinaryOp]] = {
    op.name.removeprefix("graphlet."): op for op in OPS if issubclass(op, BinaryOp)
}
UNARY_OPS: dict[str, type[UnaryOp]] = {
    op.name.removeprefix("graphlet."): op for op in OPS if issubclass(op, UnaryOp)
}

Graphlet = Dialect("graphlet", [*OPS, *TENSOR_OPS], [], [GraphletConstantMaterialization()])


__all__ = [
    "BINARY_OPS",
    "BOOL",
    "CMP_PREDICATES",
    "FLOAT",
    "FLOAT_ELEMENT_TYPES",
    "INT",
    "INT_MAX",
    "INT_MIN",
    "NUMERIC_TYPES",
    "OPS",
    "SCALAR_TYPES",
    "SWAPPED_PREDICATE",
    "TENSOR_ELEMENT_TYPES",
    "TENSOR_ERRORS",
    "TENSOR_ERROR_MESSAGES",
    "TENSOR_OPS",
    "UNARY_OPS",
    "AbsOp",
    "AddOp",
    "AmaxOp",
    "AminOp",
    "AndOp",
    "BinaryOp",
    "BitwiseOp",
    "CastOp",
    "CatOp",
    "CeilOp",
    "CmpOp",
    "CommutativeBinaryOp",
    "ConstantOp",
    "CosOp",
    "ExpOp",
    "ExpandOp",
    "FloatResultUnaryOp",
    "FloorDivOp",
    "FloorOp",
    "GeluOp",
    "Graphlet",
    "GraphletConstantMaterialization",
    "GraphletOp",
    "LayerNormOp",
    "LinearOp",
    "LogOp",
    "LogSoftmaxOp",
    "MatmulOp",
    "MaxOp",
    "MeanOp",
    "MinOp",
    "ModOp",
    "MulOp",
    "NegOp",
    "OrOp",
    "PatternsFromRegistry",
    "PowOp",
    "RaisesLikePython",
    "ReduceOp",
    "ReluOp",
    "ReshapeOp",
    "ScalarOnly",
    "SelectOp",
    "ShlOp",
    "ShrOp",
    "SigmoidOp",
    "SinOp",
    "SliceOp",
    "SoftmaxOp",
    "SpeculatableUnlessRaising",
    "SqrtOp",
    "SubOp",
    "SumOp",
    "TanhOp",
    "TensorOp",
    "TensorType",
    "TensorZeroDivisionError",
    "TransposeOp",
    "TrueDivOp",
    "UnaryOp",
    "UnrepresentableResult",
    "XorOp",
    "array_of",
    "broadcast_shapes",
    "canonicalized",
    "check_dims",
    "dense_attr",
    "dims_attr",
    "element_type",
    "element_type_of_dtype",
    "f32",
    "f64",
    "fits",
    "from_attr",
    "has_python_type",
    "i1",
    "i64",
    "ir_type",
    "is_tensor",
    "np_dtype",
    "np_erf",
    "np_floordiv",
    "np_keep_ints",
    "np_mod",
    "np_pow",
    "np_relu",
    "python_pure",
    "python_type",
    "require",
    "require_float_tensor",
    "same_elements",
    "scalar_stand_in",
    "shape_of",
    "shape_str",
    "to_attr",
]
