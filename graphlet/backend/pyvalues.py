"""Python values in and out of native code, for the CPython wrapper: the value ABI.

A *spec* says how one Python value crosses into compiled code and back:

    "i1" | "i64" | "f64"          bool, int (fits in 64 bits), float: one slot
    ("complex",)                  complex: two f64 slots (real, imag)
    ("const", obj)                exactly `obj` (None, a string by value, ...): no slot
    ("tuple", (spec, ...))        a tuple of exactly those items: their slots in order
    ("list", item_spec)           a list whose items all match the scalar `item_spec`:
                                  one pointer to a native list (`graphlet.backend.lists`)
    ("list", item_spec, "empty")  the same, for code compiled for an empty list only
    ("union", (spec, ...))        results only: an i64 tag, then every alternative's slots
    ("array", dtype, ndim, w, v)  a NumPy array of that dtype name and ndim (writeable when
                                  `w`; a view made by indexing when `v`): its object, data
                                  pointer, lengths and byte strides, not copied
                                  (`graphlet.backend.arrays`)
    ("npscalar", dtype)           a NumPy scalar (`np.float64`, ...): one slot, its value

Arguments are unboxed into the flattened native arguments (`Unboxer`), any mismatch
taking the wrapper's slow path; results are read from the 8-byte result slots of
the C interface and boxed (`box`). Lists are copied into the call's arena on entry
and written back (`lists.reflect`) only when the call succeeds, so a call that hands
back to Python has changed nothing. See docs/jit-values.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import llvmlite.ir as ir

from graphlet.backend import lists
from graphlet.backend.cpython_wrapper import (
    _OB_TYPE,
    _address,
    _c_api,
    _f64,
    _i32,
    _i64,
    _ptr,
)
from graphlet.backend.python_memory import slot_count

SCALARS = ("i1", "i64", "f64")

_COMPLEX_FROM = _c_api("PyComplex_FromDoubles", _ptr, _f64, _f64)
_COMPLEX_REAL = _c_api("PyComplex_RealAsDouble", _f64, _ptr)
_COMPLEX_IMAG = _c_api("PyComplex_ImagAsDouble", _f64, _ptr)
_TUPLE_NEW = _c_api("PyTuple_New", _ptr, _i64)
_TUPLE_SET = _c_api("PyTuple_SetItem", _i32, _ptr, _i64, _ptr)
_TUPLE_GET = _c_api("PyTuple_GetItem", _ptr, _ptr, _i64)
_TUPLE_SIZE = _c_api("PyTuple_Size", _i64, _ptr)
_UNICODE_COMPARE = _c_api("PyUnicode_Compare", _i32, _ptr, _ptr)
_INCREF = _c_api("Py_IncRef", ir.VoidType(), _ptr)
_DECREF = _c_api("Py_DecRef", ir.VoidType(), _ptr)


def validate(spec: Any) -> Any:
    """`spec` if it is a well-formed spec, else TypeError."""
    if spec in SCALARS:
        return spec
    if not isinstance(spec, tuple) or not spec:
        raise TypeError(f"not a value spec: {spec!r}")
    kind = spec[0]
    if kind == "complex" and len(spec) == 1:
        return spec
    if kind == "const" and len(spec) == 2:
        return spec
    if kind in ("tuple", "union") and len(spec) == 2:
        for item in spec[1]:
            validate(item)
        return spec
    if kind == "list" and spec[1:2] and spec[1] in SCALARS and spec[2:] in ((), ("empty",)):
        return spec
    if kind == "array" and len(spec) == 5 and spec[2] in (1, 2, 3):
        return spec
    if kind == "npscalar" and len(spec) == 2:
        return spec
    raise TypeError(f"not a value spec: {spec!r}")


def has_lists(spec: Any) -> bool:
    if spec in SCALARS:
        return False
    if spec[0] == "list":
        return True
    if spec[0] in ("tuple", "union"):
        return any(has_lists(item) for item in spec[1])
    return False


def _type_of(b: ir.IRBuilder, obj: ir.Value) -> ir.Value:
    return b.load(b.gep(obj, [ir.Constant(_i64, _OB_TYPE)], source_etype=ir.IntType(8)), typ=_ptr)


class Unboxer:
    """Unboxes arguments at `b`; `check(ok)` continues when `ok`, else takes the slow path."""

    def __init__(
        self,
        b: ir.IRBuilder,
        check: Callable[[ir.Value], None],
        scalar: Callable[[str, ir.Value], ir.Value],
        arena: ir.Value | None,
    ) -> None:
        self.b = b
        self.check = check
        self.scalar = scalar
        self.arena = arena
        self.lists: list[tuple[ir.Value, ir.Value, str]] = []
        """(Python list, native list, item spec) of every list argument, for aliasing
        and for writing back."""

    def unbox(self, spec: Any, obj: ir.Value) -> list[ir.Value]:
        b = self.b
        if spec in SCALARS:
            return [self.scalar(spec, obj)]
        kind = spec[0]
        if kind == "complex":
            self.check(b.icmp_unsigned("==", _type_of(b, obj), _address(complex)))
            return [b.call(_COMPLEX_REAL, [obj]), b.call(_COMPLEX_IMAG, [obj])]
        if kind == "const":
            expected = spec[1]
            if type(expected) is str:
                self.check(b.icmp_unsigned("==", _type_of(b, obj), _address(str)))
                same = b.call(_UNICODE_COMPARE, [obj, _address(expected)])
                self.check(b.icmp_signed("==", same, ir.Constant(_i32, 0)))
            else:
                self.check(b.icmp_unsigned("==", obj, _address(expected)))
            return []
        if kind == "tuple":
            items = spec[1]
            self.check(b.icmp_unsigned("==", _type_of(b, obj), _address(tuple)))
            size = b.call(_TUPLE_SIZE, [obj])
            self.check(b.icmp_signed("==", size, ir.Constant(_i64, len(items))))
            values: list[ir.Value] = []
            for index, item in enumerate(items):
                values += self.unbox(item, b.call(_TUPLE_GET, [obj, ir.Constant(_i64, index)]))
            return values
        if kind == "list":
            native = self._unbox_list(spec[1], obj)
            if spec[2:] == ("empty",):
                self.check(b.icmp_signed("==", b.load(native, typ=_i64), ir.Constant(_i64, 0)))
            return [native]
        if kind == "array":
            from graphlet.backend.arrays import check_array

            return check_array(b, self.check, obj, spec[1], spec[2], spec[3])
        raise TypeError(f"no unboxing for {spec!r}")

    def _unbox_list(self, item: str, obj: ir.Value) -> ir.Value:
        """The native copy of a list argument; the same Python list passed twice (or
        inside a tuple) is one native list, so aliasing is kept."""
        b = self.b
        assert self.arena is not None, "list arguments need the call's arena"
        native = b.call(lists.runtime().unbox(item), [self.arena, obj])
        self.check(b.icmp_unsigned("!=", native, ir.Constant(_ptr, None)))
        for earlier, earlier_native, earlier_item in self.lists:
            same = b.icmp_unsigned("==", obj, earlier)
            if earlier_item == item:
                native = b.select(same, earlier_native, native)
            else:  # one list as two item types (an empty list): Python decides
                self.check(b.not_(same))
        self.lists.append((obj, native, item))
        return native


class Boxer:
    """Boxes results read from the C interface's 8-byte slots (`slot(index, type)`)."""

    def __init__(self, b: ir.IRBuilder, slot: Callable[[int, ir.Type], ir.Value]) -> None:
        self.b = b
        self.slot = slot

    def box(self, spec: Any, index: int) -> ir.Value:
        """A new reference to the Python value of `spec` stored from slot `index`, or
        NULL with an exception set."""
        b = self.b
        if spec in SCALARS:
            return self._scalar(spec, index)
        kind = spec[0]
        if kind == "complex":
            return b.call(_COMPLEX_FROM, [self.slot(index, _f64), self.slot(index + 1, _f64)])
        if kind == "const":
            obj = _address(spec[1])
            b.call(_INCREF, [obj])
            return obj
        if kind == "tuple":
            items = []
            for item in spec[1]:
                items.append(self.box(item, index))
                index += slot_count(item)
            return self.tuple_of(items)
        if kind == "list":
            return b.call(lists.runtime().box(spec[1]), [self.slot(index, _ptr)])
        if kind == "union":
            return self._union(spec[1], index)
        if kind == "array":
            from graphlet.backend.arrays import emit_box_array

            slots = [self.slot(index, _ptr), self.slot(index + 1, _ptr)]
            slots += [self.slot(index + 2 + k, _i64) for k in range(2 * spec[2])]
            return emit_box_array(b, slots, spec[4])
        if kind == "npscalar":
            from graphlet.backend.arrays import emit_box_scalar

            float_ = spec[1] in ("float64", "float32")
            return emit_box_scalar(b, spec[1], self.slot(index, _f64 if float_ else _i64))
        raise TypeError(f"no boxing for {spec!r}")

    def _scalar(self, spec: str, index: int) -> ir.Value:
        from graphlet.backend.cpython_wrapper import _BOOL_FROM, _FLOAT_FROM, _LONG_FROM, _long

        b = self.b
        if spec == "i1":
            is_set = b.icmp_signed("!=", self.slot(index, _i64), ir.Constant(_i64, 0))
            return b.call(_BOOL_FROM, [b.zext(is_set, _long)])
        if spec == "i64":
            return b.call(_LONG_FROM, [self.slot(index, _i64)])
        return b.call(_FLOAT_FROM, [self.slot(index, _f64)])

    def tuple_of(self, items: list[ir.Value]) -> ir.Value:
        """A tuple of the new references `items` (stolen), or NULL if any is NULL or
        the tuple cannot be made (the others are released)."""
        b = self.b
        null = ir.Constant(_ptr, None)
        result = b.call(_TUPLE_NEW, [ir.Constant(_i64, len(items))])
        failed = b.icmp_unsigned("==", result, null)
        for item in items:
            failed = b.or_(failed, b.icmp_unsigned("==", item, null))
        with b.if_else(failed, likely=False) as (on_failure, on_success):
            with on_failure:
                for item in (result, *items):
                    b.call(_DECREF, [item])
                failure_block = b.block
            with on_success:
                for position, item in enumerate(items):
                    b.call(_TUPLE_SET, [result, ir.Constant(_i64, position), item])
                success_block = b.block
        phi = b.phi(_ptr)
        phi.add_incoming(null, failure_block)
        phi.add_incoming(result, success_block)
        return phi

    def _union(self, alternatives: tuple[Any, ...], index: int) -> ir.Value:
        b = self.b
        tag = self.slot(index, _i64)
        index += 1
        function = b.function
        blocks = [function.append_basic_block(f"union_{i}") for i in range(len(alternatives))]
        merge = function.append_basic_block("union_boxed")
        switch = b.switch(tag, blocks[-1])
        for position, block in enumerate(blocks[:-1]):
            switch.add_case(ir.Constant(_i64, position), block)
        incoming = []
        for block, alternative in zip(blocks, alternatives):
            b.position_at_end(block)
            incoming.append((self.box(alternative, index), b.block))
            b.branch(merge)
            index += slot_count(alternative)
        b.position_at_end(merge)
        phi = b.phi(_ptr)
        for value, block in incoming:
            phi.add_incoming(value, block)
        return phi
