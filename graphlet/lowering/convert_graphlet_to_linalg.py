"""`convert-graphlet-to-linalg`: graphlet tensor ops -> `linalg.generic` on tensors.

Every op becomes one or two `linalg.generic`s writing into a `tensor.empty`
destination (destination-passing style, ready for `graphlet-bufferize`):

* elementwise ops on f32/f64/i64/i1, compare, select (`where`) and cast: the
  result's shape, broadcasting in the indexing maps (a stretched size-1 dimension
  reads index 0); a splat constant operand becomes an `arith.constant` in the
  body. Bodies follow each op's `np_operation` (PyTorch's semantics): `maximumf`
  keeps NaN, ints wrap, int operands of float ops are converted first, float to
  int casts give INT_MIN out of range (x86's, NumPy's and torch's answer) instead
  of LLVM's poison.
* int `//` and `%` never divide by 0 or INT_MIN by -1 (UB in LLVM, SIGFPE on x86):
  such divisors are replaced by 1 and the result fixed up; a zero divisor sets the
  function's status result (below), which the runtime raises as torch does.
* sum/amax/amin: a fill with the neutral element, then a generic with reduction
  iterators (not `linalg.reduce`, which `convert-linalg-to-loops` cannot lower).

Status: a function with an op that can raise gets one more result, a 0-d i64
tensor holding the first error's code (`graphlet.TENSOR_ERRORS`, 0 = ok), and the
unit attribute `STATUS_RESULT`. Kernels therefore run to the end (no early exit
inside loops, every buffer freed) and the runtime raises after the call.
* matmul/linear: a fill (zeros, or the broadcast bias), then a contraction. The
  loop order is chosen for LLVM's vectoriser: matmul iterates (m, k, n) so the
  innermost loop walks rows of b and of the result; linear iterates (m, n, k), a
  dot product over contiguous rows of x and w, with `reassoc` so it vectorises.
  2-d matmuls and all linears are tagged (`library_call`) as GEMMs.
* transpose/expand/slice/cat: copies whose indexing maps do the data movement.

reshape is left alone (a view, handled by `graphlet-bufferize`); mean, softmax,
log_softmax and layer_norm are expected decomposed (`decompose-tensor-ops`). Ops
this pass does not know are left alone: the caller checks that none remain.
"""

from __future__ import annotations

import math as pymath
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func, llvm, math, tensor
from xdsl.dialects.builtin import (
    AffineMapAttr,
    AnyFloat,
    FloatAttr,
    FunctionType,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    TensorType,
    UnitAttr,
    i1,
    i64,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.ir.affine import AffineDimExpr, AffineExpr, AffineMap
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
)
from xdsl.rewriter import InsertPoint

from graphlet.abi import TENSOR_STATUS_ATTRIBUTE
from graphlet.dialects import graphlet as g

GEMM_NN, GEMM_NT = "gemm_nn", "gemm_nt"
"""`library_call` tags of contractions that are one row-major GEMM, C += A B or
C += A B^T (A's leading dims flattened into rows): `convert-linalg-to-blas` may
turn them into BLAS calls."""

STATUS_RESULT = TENSOR_STATUS_ATTRIBUTE
"""Unit attribute of a function whose last result is its status (see above)."""

Body = Callable[[Block, Sequence[SSAValue]], SSAValue]
REASSOC = arith.FastMathFlagsAttr([arith.FastMathFlag.REASSOC, arith.FastMathFlag.ALLOW_CONTRACT])
PARALLEL, REDUCTION = linalg.IteratorTypeAttr.parallel(), linalg.IteratorTypeAttr.reduction()


def _emit(block: Block, op: Operation) -> SSAValue:
    block.add_op(op)
    return op.results[0]


def _const(block: Block, value: float | int | bool, type_: Attribute) -> SSAValue:
    attr = (
        FloatAttr(float(value), type_)
        if isinstance(type_, AnyFloat)
        else IntegerAttr(int(value), type_)
    )
    return _emit(block, arith.ConstantOp(attr))


def _is_float(value: SSAValue) -> bool:
    return isinstance(value.type, AnyFloat)


def _by_kind(float_op: type[Operation], int_op: type[Operation]) -> Body:
    return lambda b, a: _emit(b, (float_op if _is_float(a[0]) else int_op)(*a))


def _to_float(block: Block, x: SSAValue, type_: Attribute) -> SSAValue:
    """An int or bool element as a float of `type_` (ints that become floats are
    converted first, as in `np_operation`)."""
    if _is_float(x):
        return x
    return _emit(block, (arith.UIToFPOp if x.type == i1 else arith.SIToFPOp)(x, type_))


def _cmpi(block: Block, predicate: str, a: SSAValue, b: SSAValue) -> SSAValue:
    return _emit(block, arith.CmpiOp(a, b, predicate))


def _select(block: Block, c: SSAValue, a: SSAValue, b: SSAValue) -> SSAValue:
    return _emit(block, arith.SelectOp(c, a, b))


def _divmod_float(block: Block, x: SSAValue, y: SSAValue, want_quotient: bool) -> SSAValue:
    """torch's `div_floor_floating` / remainder: fmod (`llvm.frem`, arith has none), then toward -inf."""
    t = x.type
    zero = _const(block, 0.0, t)
    mod = _emit(block, llvm.FRemOp(x, y))
    signs_differ = _emit(
        block,
        arith.XOrIOp(
            _emit(block, arith.CmpfOp(y, zero, "olt")), _emit(block, arith.CmpfOp(mod, zero, "olt"))
        ),
    )
    adjust = _emit(block, arith.AndIOp(_emit(block, arith.CmpfOp(mod, zero, "une")), signs_differ))
    if not want_quotient:
        return _select(block, adjust, _emit(block, arith.AddfOp(mod, y)), mod)
    one = _const(block, 1.0, t)
    div = _emit(block, arith.DivfOp(_emit(block, arith.SubfOp(x, mod)), y))
    div = _select(block, adjust, _emit(block, arith.SubfOp(div, one)), div)
    floor = _emit(block, math.FloorOp(div))
    above_half = _emit(
        block, arith.CmpfOp(_emit(block, arith.SubfOp(div, floor)), _const(block, 0.5, t), "ogt")
    )
    floor = _select(block, above_half, _emit(block, arith.AddfOp(floor, one)), floor)
    quotient = _emit(block, arith.DivfOp(x, y))
    signed_zero = _emit(block, math.CopySignOp(zero, quotient))
    q = _select(block, _emit(block, arith.CmpfOp(div, zero, "une")), floor, signed_zero)
    return _select(block, _emit(block, arith.CmpfOp(y, zero, "oeq")), quotient, q)


def _divmod_int(
    block: Block, x: SSAValue, y: SSAValue, want_quotient: bool, safe: bool
) -> SSAValue:
    """Floor division / remainder with the divisor's sign. Unless the divisor is a
    known safe constant, 0 and -1 divide as 1 (no UB); -1 is then fixed up
    (x // -1 = -x wrapping, x % -1 = 0) and 0 is reported by the status."""
    t = x.type
    minus_one = _const(block, -1, t)
    divisor = y
    if not safe:
        zero = _const(block, 0, t)
        risky = _emit(
            block, arith.OrIOp(_cmpi(block, "eq", y, zero), _cmpi(block, "eq", y, minus_one))
        )
        divisor = _select(block, risky, _const(block, 1, t), y)
    rem = _emit(block, arith.RemSIOp(x, divisor))
    zero = _const(block, 0, t)
    adjust = _emit(
        block,
        arith.AndIOp(
            _cmpi(block, "ne", rem, zero),
            _cmpi(block, "slt", _emit(block, arith.XOrIOp(rem, y)), zero),
        ),
    )
    if not want_quotient:
        return _select(block, adjust, _emit(block, arith.AddiOp(rem, y)), rem)
    q = _emit(block, arith.DivSIOp(x, divisor))
    q = _select(block, adjust, _emit(block, arith.AddiOp(q, minus_one)), q)
    if safe:
        return q
    return _select(block, _cmpi(block, "eq", y, minus_one), _emit(block, arith.SubiOp(zero, x)), q)


def _pow_int(block: Block, x: SSAValue, y: SSAValue, exponent: int | None) -> SSAValue:
    """torch's `powi`, wrapping: square-and-multiply over the exponent's bits
    (only the set bits of a constant exponent; all 63, branch-free, otherwise).
    A negative exponent gives 1 for base 1, +-1 for base -1, else 0."""
    t = x.type
    one = _const(block, 1, t)
    if exponent is not None and exponent >= 0:
        result, base = one, x
        while exponent:
            if exponent & 1:
                result = base if result is one else _emit(block, arith.MuliOp(result, base))
            exponent >>= 1
            if exponent:
                base = _emit(block, arith.MuliOp(base, base))
        return result
    minus_one, zero = _const(block, -1, t), _const(block, 0, t)
    odd = _cmpi(block, "ne", _emit(block, arith.AndIOp(y, one)), zero)
    reciprocal = _select(
        block,
        _cmpi(block, "eq", x, one),
        one,
        _select(block, _cmpi(block, "eq", x, minus_one), _select(block, odd, minus_one, one), zero),
    )
    if exponent is not None:
        return reciprocal
    result, base = one, x
    for bit in range(63):
        mask = _const(block, 1 << bit, t)
        set_ = _cmpi(block, "ne", _emit(block, arith.AndIOp(y, mask)), zero)
        result = _select(block, set_, _emit(block, arith.MuliOp(result, base)), result)
        base = _emit(block, arith.MuliOp(base, base))
    return _select(block, _cmpi(block, "slt", y, zero), reciprocal, result)


def _cast(block: Block, x: SSAValue, to: Attribute) -> SSAValue:
    """`x.to(dtype)` between f32, f64, i64 and i1 (see the module docstring)."""
    src = x.type
    if src == to:
        return x
    if to == i1:
        if _is_float(x):
            return _emit(block, arith.CmpfOp(x, _const(block, 0.0, src), "une"))
        return _cmpi(block, "ne", x, _const(block, 0, src))
    if isinstance(to, AnyFloat):
        if _is_float(x):
            return _emit(
                block, (arith.ExtFOp if to.bitwidth > src.bitwidth else arith.TruncFOp)(x, to)
            )
        return _to_float(block, x, to)
    if src == i1:
        return _emit(block, arith.ExtUIOp(x, to))
    bound = _const(block, 2.0**63, src)
    in_range = _emit(
        block,
        arith.AndIOp(
            _emit(block, arith.CmpfOp(x, _emit(block, arith.NegfOp(bound)), "oge")),
            _emit(block, arith.CmpfOp(x, bound, "olt")),
        ),
    )
    safe = _select(block, in_range, x, _const(block, 0.0, src))
    return _select(
        block, in_range, _emit(block, arith.FPToSIOp(safe, to)), _const(block, -(2**63), to)
    )


_CMP_PREDICATES = {
    "float": {"eq": "oeq", "ne": "une", "lt": "olt", "le": "ole", "gt": "ogt", "ge": "oge"},
    "int": {"eq": "eq", "ne": "ne", "lt": "slt", "le": "sle", "gt": "sgt", "ge": "sge"},
    "bool": {"eq": "eq", "ne": "ne", "lt": "ult", "le": "ule", "gt": "ugt", "ge": "uge"},
}
"""Python's comparisons on each element kind: NaN compares false except `ne`; False < True."""


def _cmp(block: Block, predicate: str, a: SSAValue, b: SSAValue) -> SSAValue:
    if _is_float(a):
        return _emit(block, arith.CmpfOp(a, b, _CMP_PREDICATES["float"][predicate]))
    return _cmpi(block, _CMP_PREDICATES["bool" if a.type == i1 else "int"][predicate], a, b)


def _sigmoid(block: Block, x: SSAValue) -> SSAValue:
    one = _const(block, 1.0, x.type)
    e = _emit(block, math.ExpOp(_emit(block, arith.NegfOp(x))))
    return _emit(block, arith.DivfOp(one, _emit(block, arith.AddfOp(one, e))))


def _gelu(block: Block, x: SSAValue, approximate: str) -> SSAValue:
    """x/2 (1 + erf(x/sqrt 2)), or x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    t = x.type
    if approximate == "tanh":
        cube = _emit(block, arith.MulfOp(_emit(block, arith.MulfOp(x, x)), x))
        inner = _emit(
            block, arith.AddfOp(x, _emit(block, arith.MulfOp(_const(block, 0.044715, t), cube)))
        )
        y = _emit(
            block,
            math.TanhOp(
                _emit(block, arith.MulfOp(_const(block, pymath.sqrt(2 / pymath.pi), t), inner))
            ),
        )
    else:
        y = _emit(
            block, math.ErfOp(_emit(block, arith.MulfOp(x, _const(block, pymath.sqrt(0.5), t))))
        )
    half_x = _emit(block, arith.MulfOp(_const(block, 0.5, t), x))
    return _emit(block, arith.MulfOp(half_x, _emit(block, arith.AddfOp(_const(block, 1.0, t), y))))


BODIES: dict[type[Operation], Body] = {
    g.AddOp: _by_kind(arith.AddfOp, arith.AddiOp),
    g.SubOp: _by_kind(arith.SubfOp, arith.SubiOp),
    g.MulOp: _by_kind(arith.MulfOp, arith.MuliOp),
    g.TrueDivOp: lambda b, a: _emit(b, arith.DivfOp(*a)),
    g.MaxOp: _by_kind(arith.MaximumfOp, arith.MaxSIOp),
    g.MinOp: _by_kind(arith.MinimumfOp, arith.MinSIOp),
    g.AndOp: lambda b, a: _emit(b, arith.AndIOp(*a)),
    g.OrOp: lambda b, a: _emit(b, arith.OrIOp(*a)),
    g.XorOp: lambda b, a: _emit(b, arith.XOrIOp(*a)),
    g.NegOp: lambda b, a: _emit(
        b, arith.NegfOp(*a) if _is_float(a[0]) else arith.SubiOp(_const(b, 0, a[0].type), a[0])
    ),
    g.AbsOp: _by_kind(math.AbsFOp, math.AbsIOp),
    g.ReluOp: lambda b, a: _emit(
        b, (arith.MaximumfOp if _is_float(a[0]) else arith.MaxSIOp)(a[0], _const(b, 0, a[0].type))
    ),
    g.ExpOp: lambda b, a: _emit(b, math.ExpOp(*a)),
    g.LogOp: lambda b, a: _emit(b, math.LogOp(*a)),
    g.SqrtOp: lambda b, a: _emit(b, math.SqrtOp(*a)),
    g.TanhOp: lambda b, a: _emit(b, math.TanhOp(*a)),
    g.SinOp: lambda b, a: _emit(b, math.SinOp(*a)),
    g.CosOp: lambda b, a: _emit(b, math.CosOp(*a)),
    g.FloorOp: lambda b, a: _emit(b, math.FloorOp(*a)) if _is_float(a[0]) else a[0],
    g.CeilOp: lambda b, a: _emit(b, math.CeilOp(*a)) if _is_float(a[0]) else a[0],
    g.SigmoidOp: lambda b, a: _sigmoid(b, a[0]),
    g.SelectOp: lambda b, a: _select(b, *a),
}
"""Each elementwise op's scalar body (operands already of the op's computing type)."""


def _constant_divisor(value: SSAValue) -> bool:
    """Whether an int divisor is a constant without 0 or -1 (no guard needed)."""
    owner = value.owner
    if not isinstance(owner, g.ConstantOp) or not g.is_tensor(owner.value.type):
        return False
    array = g.array_of(owner.value)
    return not (array == 0).any() and not (array == -1).any()


def _body_of(op: Operation) -> Body | None:
    if isinstance(op, g.GeluOp):
        approximate = op.approximate.data
        return lambda b, a: _gelu(b, a[0], approximate)
    if isinstance(op, g.CmpOp):
        predicate = op.predicate.data
        return lambda b, a: _cmp(b, predicate, *a)
    if isinstance(op, g.CastOp):
        to = g.element_type(op.result.type)
        return lambda b, a: _cast(b, a[0], to)
    if isinstance(op, g.FloorDivOp | g.ModOp):
        want_quotient, safe = isinstance(op, g.FloorDivOp), _constant_divisor(op.rhs)
        return lambda b, a: (
            _divmod_float(b, *a, want_quotient)
            if _is_float(a[0])
            else _divmod_int(b, *a, want_quotient, safe)
        )
    if isinstance(op, g.PowOp):
        exponent = _splat(op.rhs)
        return lambda b, a: (
            _emit(b, math.PowFOp(*a))
            if _is_float(a[0])
            else _pow_int(b, *a, None if exponent is None else int(exponent))
        )
    return BODIES.get(type(op))


def broadcast_map(operand_shape: Sequence[int], result_shape: Sequence[int]) -> AffineMap:
    """The indexing map reading a broadcast operand at a point of the result."""
    rank, offset = len(result_shape), len(result_shape) - len(operand_shape)
    exprs = [
        AffineExpr.constant(0)
        if size == 1 and result_shape[offset + k] != 1
        else AffineExpr.dimension(offset + k)
        for k, size in enumerate(operand_shape)
    ]
    return AffineMap(rank, 0, tuple(exprs))


def _splat(value: SSAValue) -> float | int | bool | None:
    owner = value.owner
    if isinstance(owner, g.ConstantOp) and g.is_tensor(owner.value.type):
        array = g.array_of(owner.value)
        if array.size and (array == array.flat[0]).all():
            return array.flat[0].item()
    return None


def _map(rank: int, exprs: Sequence[AffineExpr | int]) -> AffineMapAttr:
    """A map of `rank` dims; an int `i` in `exprs` stands for dimension i."""
    return AffineMapAttr(
        AffineMap(
            rank, 0, tuple(AffineExpr.dimension(e) if isinstance(e, int) else e for e in exprs)
        )
    )


def generic(
    inputs: Sequence[SSAValue],
    init: SSAValue,
    maps: Sequence[AffineMapAttr],
    iterators: Sequence[Attribute],
    body: Callable[[Block, Sequence[SSAValue]], SSAValue],
    library_call: str | None = None,
) -> linalg.GenericOp:
    """A one-output generic; `body` gets the block arguments (inputs, then the output)."""
    block = Block(arg_types=[*(g.element_type(v.type) for v in inputs), g.element_type(init.type)])
    block.add_op(linalg.YieldOp(body(block, block.args)))
    call = StringAttr(library_call) if library_call else None
    return linalg.GenericOp(
        list(inputs),
        [init],
        Region(block),
        list(maps),
        list(iterators),
        [init.type],
        library_call=call,
    )


def _copy(
    inputs: Sequence[SSAValue], init: SSAValue, maps: Sequence[AffineMapAttr]
) -> linalg.GenericOp:
    rank = maps[0].data.num_dims
    return generic(inputs, init, maps, [PARALLEL] * rank, lambda b, a: a[0])


def _fill(result_type: TensorType, value: float | int | bool) -> list[Operation]:
    empty = tensor.EmptyOp([], result_type)
    rank = len(result_type.get_shape())
    elem = result_type.get_element_type()
    return [
        empty,
        generic(
            [],
            empty.tensor,
            [_map(rank, range(rank))],
            [PARALLEL] * rank,
            lambda b, a: _const(b, value, elem),
        ),
    ]


def _float_result(op: Operation) -> TensorType | None:
    t = op.results[0].type
    return (
        t if isinstance(t, TensorType) and t.get_element_type() in g.FLOAT_ELEMENT_TYPES else None
    )


def _tensor_result(op: Operation) -> TensorType | None:
    t = op.results[0].type
    return (
        t if isinstance(t, TensorType) and t.get_element_type() in g.TENSOR_ELEMENT_TYPES else None
    )


_KEEP_OPERAND_TYPES = (g.CmpOp, g.SelectOp, g.CastOp)


class ElementwiseToGeneric(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        body = _body_of(op)
        result_type = _tensor_result(op) if body is not None else None
        if result_type is None or not all(g.is_tensor(o.type) for o in op.operands):
            return
        shape, elem = g.shape_of(result_type), result_type.get_element_type()
        inputs = [o for o in op.operands if _splat(o) is None]
        convert = isinstance(elem, AnyFloat) and not isinstance(op, _KEEP_OPERAND_TYPES)

        def build(block: Block, args: Sequence[SSAValue]) -> SSAValue:
            it = iter(args)
            scalars = [
                next(it) if (s := _splat(o)) is None else _const(block, s, g.element_type(o.type))
                for o in op.operands
            ]
            return body(block, [_to_float(block, x, elem) for x in scalars] if convert else scalars)

        maps = [AffineMapAttr(broadcast_map(g.shape_of(o.type), shape)) for o in inputs]
        empty = tensor.EmptyOp([], result_type)
        rank = len(shape)
        ops: list[Operation] = [
            empty,
            generic(
                inputs, empty.tensor, [*maps, _map(rank, range(rank))], [PARALLEL] * rank, build
            ),
        ]
        if (
            isinstance(op, g.FloorDivOp | g.ModOp)
            and g.element_type(op.rhs.type) == i64
            and not _constant_divisor(op.rhs)
        ):
            ops += _report_if_any(
                op,
                op.rhs,
                lambda b, a: _cmpi(b, "eq", a[0], _const(b, 0, a[0].type)),
                g.TensorZeroDivisionError,
                rewriter,
            )
        rewriter.replace(op, ops, [ops[1].results[0]])


def _report_if_any(
    op: Operation, value: SSAValue, test: Body, error: type[Exception], rewriter: PatternRewriter
) -> list[Operation]:
    """Ops computing whether `test` holds for some element of `value`; the function's
    status result becomes `error`'s code when it does (and no earlier error did)."""
    rank = len(g.shape_of(value.type))
    flag = _fill(TensorType(i1, []), False)
    any_ = generic(
        [value],
        flag[-1].results[0],
        [_map(rank, range(rank)), _map(rank, [])],
        [REDUCTION] * rank,
        lambda b, a: _emit(b, arith.OrIOp(a[1], test(b, [a[0]]))),
    )
    fn = op.parent_op()
    assert isinstance(fn, func.FuncOp)
    ret = fn.body.block.last_op
    assert isinstance(ret, func.ReturnOp)
    code = next(c for c, e in g.TENSOR_ERRORS.items() if e is error)
    status_type = TensorType(i64, [])
    empty = tensor.EmptyOp([], status_type)
    earlier = [ret.arguments[-1]] if STATUS_RESULT in fn.attributes else []

    def status(b: Block, a: Sequence[SSAValue]) -> SSAValue:
        mine = _select(b, a[0], _const(b, code, i64), _const(b, 0, i64))
        return _select(b, _cmpi(b, "ne", a[1], _const(b, 0, i64)), a[1], mine) if earlier else mine

    update = generic(
        [any_.results[0], *earlier], empty.tensor, [_map(0, [])] * (2 + len(earlier)), [], status
    )
    results = [*(ret.arguments[:-1] if earlier else ret.arguments), update.results[0]]
    rewriter.insert([empty, update], InsertPoint.before(ret))
    rewriter.replace(ret, func.ReturnOp(*results))
    fn.function_type = FunctionType.from_lists(
        fn.function_type.inputs.data, [r.type for r in results]
    )
    fn.attributes[STATUS_RESULT] = UnitAttr()
    return [*flag, any_]


def _reduction(op: Operation, elem: Attribute) -> tuple[float | int, Body]:
    """The neutral element and the body (input, accumulator) of a reduction; bools
    sum as i64, and max/min of bools is or/and (unsigned)."""
    float_, bool_ = isinstance(elem, AnyFloat), elem == i1
    if isinstance(op, g.SumOp):
        if float_:
            return 0.0, lambda b, a: _emit(b, arith.AddfOp(a[1], a[0], REASSOC))
        return 0, lambda b, a: _emit(
            b, arith.AddiOp(a[1], _emit(b, arith.ExtUIOp(a[0], i64)) if bool_ else a[0])
        )
    is_max = isinstance(op, g.AmaxOp)
    if float_:
        return (-pymath.inf if is_max else pymath.inf), lambda b, a: _emit(
            b, (arith.MaximumfOp if is_max else arith.MinimumfOp)(a[1], a[0])
        )
    if bool_:
        return (0 if is_max else 1), lambda b, a: _emit(
            b, (arith.MaxUIOp if is_max else arith.MinUIOp)(a[1], a[0])
        )
    return (g.INT_MIN if is_max else g.INT_MAX), lambda b, a: _emit(
        b, (arith.MaxSIOp if is_max else arith.MinSIOp)(a[1], a[0])
    )


class ReductionToGeneric(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if (
            not isinstance(op, g.SumOp | g.AmaxOp | g.AminOp)
            or (result_type := _tensor_result(op)) is None
        ):
            return
        neutral, body = _reduction(op, g.element_type(op.input.type))
        static = op.static_args()
        rank = len(g.shape_of(op.input.type))
        out = [
            AffineExpr.constant(0) if d in static["dims"] else d
            for d in range(rank)
            if static["keepdim"] or d not in static["dims"]
        ]
        iterators = [REDUCTION if d in static["dims"] else PARALLEL for d in range(rank)]
        init = _fill(result_type, neutral)
        reduce = generic(
            [op.input],
            init[-1].results[0],
            [_map(rank, range(rank)), _map(rank, out)],
            iterators,
            body,
        )
        rewriter.replace(op, [*init, reduce])


def _contraction(
    body_flags: arith.FastMathFlagsAttr | None,
) -> Callable[[Block, Sequence[SSAValue]], SSAValue]:
    def body(b: Block, a: Sequence[SSAValue]) -> SSAValue:
        if not _is_float(a[0]):
            return _emit(b, arith.AddiOp(a[2], _emit(b, arith.MuliOp(a[0], a[1]))))
        return _emit(
            b, arith.AddfOp(a[2], _emit(b, arith.MulfOp(a[0], a[1], body_flags)), body_flags)
        )

    return body


class MatmulToGeneric(RewritePattern):
    """Domain (batch..., m, k, n); m and n absent for a 1-d operand."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, g.MatmulOp) or (result_type := _tensor_result(op)) is None:
            return
        a, b = g.shape_of(op.lhs.type), g.shape_of(op.rhs.type)
        out_shape = g.shape_of(result_type)
        nb = len(out_shape) - (len(a) > 1) - (len(b) > 1)
        has_m, has_n = len(a) > 1, len(b) > 1
        m, k, n = nb, nb + has_m, nb + has_m + 1
        rank = n + has_n

        def batch(shape: Sequence[int]) -> list[AffineExpr | int]:
            own = shape[:-2] if len(shape) > 1 else ()
            return [
                AffineExpr.constant(0)
                if s == 1 and out_shape[nb - len(own) + i] != 1
                else nb - len(own) + i
                for i, s in enumerate(own)
            ]

        lhs = [*batch(a), *([m] if has_m else []), k]
        rhs = [*batch(b), k, *([n] if has_n else [])] if len(b) > 1 else [k]
        res = [*range(nb), *([m] if has_m else []), *([n] if has_n else [])]
        iterators = [PARALLEL] * rank
        iterators[k] = REDUCTION
        init = _fill(result_type, 0)
        gemm = GEMM_NN if len(a) == len(b) == 2 else None
        maps = [_map(rank, lhs), _map(rank, rhs), _map(rank, res)]
        mm = generic(
            [op.lhs, op.rhs], init[-1].results[0], maps, iterators, _contraction(None), gemm
        )
        rewriter.replace(op, [*init, mm])


class LinearToGeneric(RewritePattern):
    """Domain (lead..., n, k): y[..., n] = bias[n] + sum_k x[..., k] w[n, k]."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, g.LinearOp) or (result_type := _float_result(op)) is None:
            return
        out_shape = g.shape_of(result_type)
        lead, rank = len(out_shape) - 1, len(out_shape) + 1
        if op.bias is None:
            init = _fill(result_type, 0.0)
        else:
            empty = tensor.EmptyOp([], result_type)
            bias_map = AffineMapAttr(broadcast_map(g.shape_of(op.bias.type), out_shape))
            init = [
                empty,
                _copy([op.bias], empty.tensor, [bias_map, _map(lead + 1, range(lead + 1))]),
            ]
        maps = [
            _map(rank, [*range(lead), lead + 1]),
            _map(rank, [lead, lead + 1]),
            _map(rank, range(lead + 1)),
        ]
        iterators = [*[PARALLEL] * (lead + 1), REDUCTION]
        y = generic(
            [op.input, op.weight],
            init[-1].results[0],
            maps,
            iterators,
            _contraction(REASSOC),
            GEMM_NT,
        )
        rewriter.replace(op, [*init, y])


def _partial(dim: int, start: int, step: int, size: int, count: int) -> AffineExpr:
    """`dim * step + start`, reading `count` of an operand dimension of `size`.
    A plain `d` covering part of a dimension is spelled `d % count`: linalg takes
    a plain dim to span its whole operand dimension (loop bounds come from it)."""
    expr = AffineExpr.dimension(dim) * step + start
    if isinstance(expr, AffineDimExpr) and count != size:
        return expr % count
    return expr


def _moved(op: Operation) -> tuple[list[AffineExpr | int], int] | None:
    """The input map of a data-movement op (over the result's dims), or None."""
    rank = len(g.shape_of(op.results[0].type))
    if isinstance(op, g.TransposeOp):
        perm = op.static_args()["perm"]
        return [perm.index(j) for j in range(rank)], rank
    if isinstance(op, g.ExpandOp):
        return list(
            broadcast_map(g.shape_of(op.input.type), g.shape_of(op.result.type)).results
        ), rank
    if isinstance(op, g.SliceOp):
        s = op.static_args()
        return [
            _partial(d, st, k, n, m)
            for d, (st, k, n, m) in enumerate(
                zip(s["starts"], s["steps"], g.shape_of(op.input.type), g.shape_of(op.result.type))
            )
        ], rank
    return None


class DataMovementToGeneric(RewritePattern):
    """transpose/expand/slice as a copy reading through a map; cat as one copy
    per operand into its offset in a shared destination."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, g.CatOp | g.TransposeOp | g.ExpandOp | g.SliceOp):
            return
        result_type = op.results[0].type
        rank = len(g.shape_of(result_type))
        if isinstance(op, g.CatOp):
            dim = op.static_args()["dim"]
            ops: list[Operation] = [empty := tensor.EmptyOp([], result_type)]
            dest, offset = empty.tensor, 0
            for x in op.inputs:
                # `% size` keeps offset 0 from simplifying to a plain dim, which the
                # verifier would require to span the whole destination.
                shifted = (
                    AffineExpr.dimension(dim) + offset
                    if offset
                    else AffineExpr.dimension(dim) % g.shape_of(result_type)[dim]
                )
                out = [shifted if d == dim else d for d in range(rank)]
                ops.append(_copy([x], dest, [_map(rank, range(rank)), _map(rank, out)]))
                dest, offset = ops[-1].results[0], offset + g.shape_of(x.type)[dim]
            rewriter.replace(op, ops)
        elif (moved := _moved(op)) is not None:
            empty = tensor.EmptyOp([], result_type)
            rewriter.replace(
                op,
                [
                    empty,
                    _copy(
                        [op.operands[0]],
                        empty.tensor,
                        [_map(rank, moved[0]), _map(rank, range(rank))],
                    ),
                ],
            )


@dataclass(frozen=True)
class ConvertGraphletToLinalgPass(ModulePass):
    name = "convert-graphlet-to-linalg"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        patterns = [
            ElementwiseToGeneric(),
            ReductionToGeneric(),
            MatmulToGeneric(),
            LinearToGeneric(),
            DataMovementToGeneric(),
        ]
        PatternRewriteWalker(
            GreedyRewritePatternApplier(patterns), apply_recursively=False
        ).rewrite_module(op)
