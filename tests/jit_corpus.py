"""Plain Python functions for the `@graphlet.jit` differential tests.

Each is compared, on generated inputs, with the jitted version: same value, same type,
same exception and message, same side effects. They are plain functions (not
decorated) so CPython's own run of each one is the reference.
"""

import math

import numpy as np

SCALE = 3
OFFSET = 0.5
LIMIT = 10
EFFECTS: list = []


def add(a, b):
    return a + b


def sub_mul(a, b):
    return a * b - b


def sum_squares(n):
    s = 0
    for i in range(n):
        s += i * i
    return s


def range_two(a, b):
    s = 0
    for i in range(a, b):
        s += i
    return s


def range_three(a, b, step):
    s = 0
    count = 0
    for i in range(a, b, step):
        s += i
        count += 1
    return s * 1000 + count


def countdown(n):
    s = 0
    for i in range(n, 0, -1):
        s = s * 3 + i
    return s


def nested_loops(n, m):
    s = 0
    for i in range(n):
        for j in range(m):
            s += (i * j) ^ j
    return s


def collatz(n):
    if n < 1:
        return -1
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n //= 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def fib_iter(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, (a + b) % 1000000007
    return a


def fib_rec(n):
    if n < 2:
        return n
    return fib_rec(n - 1) + fib_rec(n - 2)


def first_square_above(x):
    for i in range(100):
        if i * i > x:
            return i
    return -1


def branches(x):
    if x < 0:
        return -x
    elif x == 0:
        return 100
    else:
        return x * 2


def chained(a, b, c):
    return a < b <= c


def and_or(a, b):
    return (a and b) or (a - b)


def negate(a):
    return not a


def conditional_expression(a, b):
    return a if a > b else b


def mixed_int_float(a, x):
    return a * x + a // 3


def true_divide(a, b):
    return a / b


def floor_div_mod(a, b):
    return a // b + a % b


def power(a, b):
    return a**b


def multiply(a, b):
    return a * b


def abs_min_max(a, b, c):
    return abs(a) + min(a, b, c) - max(b, c)


def casts(x):
    return int(x) + float(x)


def to_bool(x):
    return bool(x)


def math_mix(x):
    return math.sqrt(abs(x)) + math.exp(min(x, 10.0)) + math.sin(x) * math.cos(x) + math.tanh(x)


def logarithm(x):
    return math.log(x)


def floor_ceil(x):
    return math.floor(x) * 10 - math.ceil(x)


def float_classes(x):
    return math.isnan(x) + 2 * math.isinf(x) + 4 * math.isfinite(x) + (x != x) * 8


def globals_scaled(x):
    return x * SCALE + OFFSET


def helper(x):
    return x * x - 1


def calls_helper(x):
    return helper(x) + helper(x + 1)


def break_continue(n):
    s = 0
    for i in range(n):
        if i % 3 == 0:
            continue
        if i > 20:
            break
        s += i
    return s


def for_else(n):
    for i in range(n):
        if i * 7 % 11 == 5:
            break
    else:
        return -1
    return i


def while_loop_float(x):
    y = 1.0
    steps = 0
    while abs(y * y - x) > 1e-9 and steps < 100:
        y = (y + x / y) / 2
        steps += 1
    return y


def horner(x):
    return (((3.0 * x - 2.0) * x + 0.5) * x - 1.0) * x + 7.0


def prints_result(n):
    s = 0
    for i in range(n):
        s += i
    if s > 10:
        print("big sum", s)
    return s


def appends_effects(n):
    EFFECTS.append(n)
    total = 0
    for i in range(n):
        total += i
    EFFECTS.append(total)
    return total


def type_changes_in_loop(n):
    x = 0
    for i in range(n):
        x = x + 0.5
    return x


def maybe_unbound(n):
    if n > 0:
        y = n * 2
    return y


def bool_arithmetic(a, b):
    return (a + b) * 10 + (a & b) * 3 + (a | b) - (a ^ b)


def invert(a):
    return ~a


def bitwise(a, b):
    return ((a & b) | (a ^ b)) + (a << (b & 7)) - (a >> 2)


def shift(a, b):
    return a << b


def negative_zero(x):
    return -x * 0.0


def int_float_compare(a, x):
    return (a < x) * 4 + (a == x) * 2 + (a >= x)


def returns_bool_or_int(x):
    if x > 0:
        return True
    return 0


def uses_list(n):
    values = [i for i in range(n)]
    return len(values)


def uses_try(a, b):
    try:
        return a // b
    except ZeroDivisionError:
        return 0


def raises_on_negative(x):
    if x < 0:
        raise ValueError("negative input")
    return x + 1


def defaults(a, b=2):
    return a * b


def range_of_float(x):
    s = 0
    for i in range(x):
        s += i
    return s


def unary_plus(a):
    return +a - -a


def is_even(n):
    if n == 0:
        return True
    return is_odd(n - 1)


def is_odd(n):
    if n == 0:
        return False
    return is_even(n - 1)


def attribute_access(x):
    return x.real + 1


def string_result(n):
    return str(n)


def nested_loop_break(n):
    found = 0
    for i in range(n):
        for j in range(n):
            if i * j == 12:
                found = i * 100 + j
                break
        if found:
            break
    return found


def compare_floats(x, y):
    return (x < y) + (x <= y) * 2 + (x == y) * 4 + (x != y) * 8 + (x > y) * 16 + (x >= y) * 32


def mixed_accumulate(n, x):
    total = x
    for i in range(n):
        total = total + i * 0.25
    return total


def modulo_signs(a, b):
    return a % b * 100 + a // b


# --------------------------------------------------------------------------- tuples


def tuple_swap_mixed(t):
    a, b = t
    return (b, a), a * b, (a,)


def tuple_index_slice(t):
    total = 0
    for x in t:
        total += x
    return t[0], t[-1], t[1:], t[::-1], len(t), total


def tuple_dynamic_index(t, i):
    return t[i] * 2


def tuple_compare(a, b):
    return a == b, a != b, a < b, a >= b, a[0] in b, a == (1, 2.5)


def body_step(p, v, dt):
    (x, y), (vx, vy) = p, v
    x, y = x + vx * dt, y + vy * dt
    return (x, y), (vx * 0.5, vy - dt)


def nbody_like(n, dt):
    p, v = (0.0, 1.0), (1.0, 0.0)
    for _ in range(n):
        p, v = body_step(p, v, dt)
    return p, v


def tuple_star_unpack(t):
    first, *middle, last = t
    middle.append(first * last)
    return middle, len(middle)


def tuple_of_kinds(x):
    total = 0
    for item in (x, 1.5, True, 2):
        total = total + item
    return total


# --------------------------------------------------------------------------- None, Optional


def none_default(x, y=None):
    if y is None:
        return x * 2
    return x + y


def optional_result(x):
    if x > 0:
        return x
    return None


def uses_optional(x):
    found = optional_result(x)
    if found is None:
        return -1
    return found * 10


def none_comparisons(x, y):
    return x is None, y is not None, x == None, y != None  # noqa: E711


def returns_none(x):
    if x:
        return
    return x


# --------------------------------------------------------------------------- lists


def list_append_arg(xs, n):
    for i in range(n):
        xs.append(i * 3)
    return len(xs)


def list_build(n):
    out = []
    for i in range(n):
        out.append(i * i - n)
    return out


def list_index(xs, i):
    return xs[i] + xs[-1]


def list_slice(xs, a, b):
    return xs[a:b], xs[:a], xs[b:], xs[::2], xs[::-1], xs[a:b:-1]


def list_mutate(xs):
    xs.insert(1, 100)
    last = xs.pop()
    xs.reverse()
    del xs[0]
    xs[-1] += last
    return xs


def list_search(xs, v):
    return v in xs, v not in xs, xs.count(v), xs.index(v)


def list_scale(xs, k):
    for i in range(len(xs)):
        xs[i] *= k
    return xs


def list_mean(xs):
    total = 0.0
    for x in xs:
        total += x
    return total / len(xs)


def list_sieve(n):
    flags = [True] * (n + 1)
    flags[0] = False
    flags[1] = False
    i = 2
    while i * i <= n:
        if flags[i]:
            for j in range(i * i, n + 1, i):
                flags[j] = False
        i += 1
    count = 0
    for f in flags:
        if f:
            count += 1
    return count


def list_combine(n):
    xs = list(range(n))
    ys = xs.copy()
    ys += [n, n + 1]
    zs = xs + ys * 2
    zs.extend((7, 8))
    return zs, len(zs), xs


def list_alias(xs):
    ys = xs
    ys.append(1.5)
    ys.pop(0)
    return xs is ys, xs


def list_out_param(out, n):
    for i in range(n):
        out.append(i / 4)
    return out


def list_grow_while_iterating(xs):
    seen = 0
    for x in xs:
        if len(xs) < 6:
            xs.append(x + 1)
        seen += 1
    return seen


def list_pop_until_empty(xs):
    total = 0
    while xs:
        total += xs.pop()
    return total, xs


def list_unpack(xs):
    a, b, c = xs
    return a * b - c


def list_of_bools(flags):
    count = 0
    for f in flags:
        count += f
    flags.append(count > 2)
    return count, flags


def list_compare(xs, ys):
    return xs == ys, xs != ys, xs < ys, xs <= ys, xs > ys, xs >= ys


def list_remove(xs, v):
    xs.remove(v)
    return xs


def list_splice(xs, a, b, ys):
    xs[a:b] = ys
    del xs[b:]
    return xs, len(xs)


def list_star_unpack(xs):
    first, *rest = xs
    *init, last = rest
    return first + last, init


def fill_list(ys, n):
    for i in range(n):
        ys.append(i + 0.5)


def list_filled_by_callee(n):
    xs = []
    fill_list(xs, n)
    return xs


# --------------------------------------------------------------------------- complex


def complex_arith(z, w):
    return z + w, z - w, z * w, z / w, -z, z.conjugate()


def complex_mixed(z, x):
    return z * x + 1j, x / z, z == x, z.real * x + z.imag


def complex_power(z):
    return z**2, z**-1, z**0


def complex_runtime_power(z, n):
    return z**n, (z * 0.5) ** (n - 1)


def complex_from_parts(a, b):
    z = complex(a, b)
    return z * z, z != 0


# --------------------------------------------------------------------------- strings


def string_mode(x, mode):
    if mode == "double":
        return x * 2
    if mode == "negate":
        return -x
    return x


def string_constant_result(x):
    if x > 0:
        return "positive"
    return "not positive"


def string_default(x, how="add"):
    if how == "add":
        return x + 1
    return x - 1


# --------------------------------------------------------------------------- mixed types on paths


def mixed_branch(x):
    y = 1 if x > 0 else 2.5
    return y * 2


def mixed_accumulator(n, scale):
    total = 0
    for i in range(n):
        if i % 3 == 0:
            total = total + scale
        else:
            total = total + i
    return total


def int_or_float(x):
    if x > 0:
        return x // 2
    return x / 2


def uses_int_or_float(x):
    value = int_or_float(x)
    return value * 3, value


# --------------------------------------------------------------------------- NumPy arrays


def array_shape(a):
    return a.shape, a.ndim, a.size, len(a)


def array_item(a, i):
    return a[i]


def array_item2(a, i, j):
    return a[i, j]


def array_row_item(a, i, j):
    return a[i][j]


def array_write(a, i, x):
    a[i] = x
    return a[i]


def array_increment_then_index(a, i):
    a[0] += 1
    return a[i]


def array_iterate(a):
    s = 0
    for x in a:
        s += x
    return s


def array_loop_sum(a):
    s = 0.0
    for i in range(len(a)):
        s = s + a[i]
    return s


def array_slice_sum(a, lo, hi):
    return a[lo:hi].sum()


def array_view_write(a):
    b = a[::2]
    b[0] = -1
    return a


def array_reversed(a):
    return a[::-1]


def array_slice_assign(a, lo, hi, x):
    a[lo:hi] = x
    return a


def array_zeros_filled(n):
    b = np.zeros(n)
    for i in range(n):
        b[i] = i * 0.5
    return b


def array_table(n, m):
    t = np.empty((n, m), np.int64)
    for i in range(n):
        for j in range(m):
            t[i, j] = i * m + j
    return t


def array_ones_like(a):
    b = np.ones_like(a)
    b[0] = 0
    return b


def array_arange(lo, hi):
    return np.arange(lo, hi)


def array_add(a, b):
    return a + b


def array_scale(a, x):
    return a * x


def array_divide(a, x):
    return a / x


def array_sqrt(a):
    return np.sqrt(a)


def array_sum(a):
    return np.sum(a), a.sum()


def array_extremes(a):
    return a.max(), np.min(a)


def array_int_dot(a, b):
    return np.dot(a, b)


def array_scalar_arith(a, x):
    y = a[0] * x + a[-1]
    return y, y > x


def array_histogram(data, bins, lo, hi):
    counts = np.zeros(bins, np.int64)
    width = (hi - lo) / bins
    for x in data:
        k = int((x - lo) / width)
        if 0 <= k < bins:
            counts[k] += 1
    return counts


def array_stencil(a):
    n, m = a.shape
    out = np.zeros_like(a)
    for i in range(1, n - 1):
        for j in range(1, m - 1):
            out[i, j] = 0.25 * (a[i - 1, j] + a[i + 1, j] + a[i, j - 1] + a[i, j + 1])
    return out


def array_tuple_equal(a, b):
    """Tuples of NumPy scalars: `==` and `in` give a bool (CPython compares the items
    with `PyObject_RichCompareBool`), not the items' np.bool_."""
    return (a[0],) == (b[0],), (a[0], a[-1]) == (b[0], b[-1]), a[-1] in (b[0], b[-1])


def array_pairwise(x):
    n, d = x.shape
    out = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            s = 0.0
            for k in range(d):
                t = x[i, k] - x[j, k]
                s += t * t
            out[i, j] = np.sqrt(s)
    return out


def array_dot_loop(a, b):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    return s


# --------------------------------------------------------------------------- builtins


def builtin_price_with_tax(x):
    return round(x * 1.07, 2)


def builtin_reduce_fraction(a, b):
    g = math.gcd(a, b)
    if g == 0:
        return (0, 0)
    return (a // g, b // g)


def builtin_modpow(a, b):
    return pow(a, b, 1000000007)


def builtin_heading(x, y):
    return math.degrees(math.atan2(y, x)) % 360.0


def builtin_decibels(x):
    if x <= 0:
        return -math.inf
    return 10.0 * math.log(x, 10)


def builtin_clamp(x, lo, hi):
    return max(lo, min(x, hi))


def builtin_weighted(xs):
    total = 0
    for i, x in enumerate(xs, 1):
        total += i * x
    return total


def builtin_dot(xs, ys):
    total = 0.0
    for x, y in zip(xs, ys):
        total += x * y
    return total


def builtin_horner(coeffs, x):
    result = 0.0
    for c in reversed(coeffs):
        result = result * x + c
    return result


def _lerp(a, b, t=0.5, clamp=True):
    if clamp:
        t = min(max(t, 0.0), 1.0)
    return a + (b - a) * t


def builtin_keywords(a, b, t):
    return _lerp(a, b, t=t) + _lerp(a, b, clamp=False, t=t)


def builtin_is_square(n):
    if n < 0:
        return False
    r = math.isqrt(n)
    return r * r == n


def builtin_binomial_row(n):
    row = []
    for k in range(n + 1):
        row.append(math.comb(n, k))
    return row


def builtin_digit_sum(n):
    n = abs(n)
    total = 0
    while n:
        n, d = divmod(n, 10)
        total += d
    return total


def builtin_scale_number(x):
    if isinstance(x, bool):
        return 0
    if isinstance(x, int):
        return x * 2
    return x * 0.5


def builtin_math_mix(x):
    return math.tanh(x) + math.log1p(abs(x)) + math.cbrt(x) - math.copysign(math.fmod(x, 3.0), x)


def builtin_mean(xs):
    if not xs:
        return 0.0
    return sum(xs) / len(xs)


def builtin_spread(xs):
    if not xs:
        return 0
    return max(xs) - min(xs)


def builtin_polyline_length(xs, ys):
    total = 0.0
    for i in range(1, min(len(xs), len(ys))):
        total += math.hypot(xs[i] - xs[i - 1], ys[i] - ys[i - 1])
    return total


def builtin_median(xs):
    if not xs:
        return 0.0
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def builtin_exact_mean(xs):
    return math.fsum(xs) / len(xs) if xs else 0.0


def builtin_hash_mix(n):
    return (n * 31 + 7) & 0xFFFFFFFFFFFFFFFF if n >= 0 else n % 1000000007


def builtin_fits_in_u64(x):
    return 0 <= x < 2**64


# --------------------------------------------------------------------------- closures


def closure_late_binding(n):
    k = 1

    def scaled(v):
        return v * k

    k = n + 2  # assigned after the definition: the call sees it
    return scaled(n)


def closure_key_sorted(xs, c):
    return sorted(xs, key=lambda v: abs(v - c))


def closure_key_min_max(xs, c):
    return min(xs, key=lambda v: (v - c) * (v - c)), max(xs, key=lambda v: v % 7)


def closure_sort_in_place(xs, c):
    xs.sort(key=lambda v: v * c, reverse=c > 0)
    return xs


def closure_defaults(n):
    def shifted(v, w=n * 2):  # the default is evaluated here, once
        return v - w

    n = 100
    return shifted(1) + shifted(2, 3) * 10 + shifted(w=n, v=4) * 100


def closure_in_loop(n):
    total = 0
    step = 3
    bump = lambda v: v + step
    for i in range(n):
        total = bump(total) * 2 % 1000
        step = i
    return total


def closure_two_levels(n, x):
    a = n + 1

    def middle(y):
        def inner(z):
            return z * a + y

        return inner(y + 1) + x

    return middle(n) + middle(a)


def _apply_twice(f, x):
    return f(f(x))


def closure_passed_to_helper(n, x):
    k = n % 5
    return _apply_twice(lambda v: v * 2 + k, x)


def closure_choose(n, x):
    if n > 0:
        f = lambda v: v + n
    else:
        f = lambda v: v * 2.5
    return f(x)


def _make_closure(scale, offset, pair, f):
    def closure_from_factory(x):
        return f(x) * scale + offset + pair[0] - pair[1]

    return closure_from_factory


closure_from_factory = _make_closure(3, 0.5, (4, 1), abs)


def closure_recursive(n):
    base = 2

    def fib(m):
        return m * base if m < 2 else fib(m - 1) + fib(m - 2)

    return fib(n)


def closure_appends_to_outer_list(n, ys):
    xs = []

    def add(v):
        xs.append(v * 2)  # a mutation, not a rebinding: the enclosing list changes
        ys.append(v)

    for i in range(n):
        add(i)
    return xs, len(ys)


def closure_in_a_list(n):
    fs = [lambda v: v + n]
    return fs[0](n)


def closure_counter(n, x):
    count = 0
    total = 0

    def bump(v):
        nonlocal count, total
        count += 1
        total = total + v * x  # an int, then a float when x is one
        return count * 2

    last = 0
    for i in range(n):
        last = bump(i)
    return count, total, last


def closure_nonlocal(n):
    count = 0

    def bump():
        nonlocal count
        count += n

    bump()
    return count


# ------------------------------------------------------------------ comprehensions and generators


def comp_filter_map(xs, k):
    return [x * k for x in xs if x > 0]


def comp_nested(n):
    return [i * j for i in range(n) for j in range(i) if (i + j) % 3]


def comp_enumerate_zip(a, b):
    return [i * x + y for i, (x, y) in enumerate(zip(a, b))]


def comp_over_tuple(t):
    return [v * 2 for v in t]


def comp_over_array(a):
    return [float(x) * 2.0 for x in a]


def comp_shadows_a_local(n):
    x = n * 10
    ys = [x + 1 for x in range(n)]
    return x, ys


def comp_calls_a_lambda(xs, k):
    scale = lambda v: v * k
    return [scale(x) for x in xs if x != k]


def comp_of_generators(n):
    return [sum(j * i for j in range(i)) for i in range(n)]


def _logged(log, x):
    log.append(x)
    return x


def comp_side_effect_order(xs, log):
    ys = [_logged(log, x) * 2 for x in xs if x % 2 == 0]
    return ys, len(log)


def gen_sum_squares(xs):
    return sum(x * x for x in xs)


def gen_sum_start(xs, start):
    return sum((x for x in xs), start)


def gen_sum_keyword_start(xs):
    return sum((x * 0.5 for x in xs if x), start=1)


def gen_sum_mixed_items(n, f):
    return sum(i if i % 2 else f for i in range(n))


def gen_sum_nested(a, b):
    return sum(x * y for x in a for y in b if x != y)


def gen_min_max(xs):
    return min(x - 1 for x in xs), max(x * 2 for x in xs)


def gen_min_max_default(xs):
    return min((x for x in xs if x > 0), default=None), max((-x for x in xs), default=0.5)


def gen_min_max_mixed_items(n, f):
    return min(i if i % 3 else f for i in range(1, n)), max(f if i % 2 else i for i in range(n))


def gen_any_all_short_circuit(xs, t, log):
    found = any(_logged(log, x) > t for x in xs)
    every = all(_logged(log, -x) < t for x in xs)
    return found, every, len(log)


def gen_any_all_of_numbers(xs):
    return any(x for x in xs), all(x for x in xs), any(x > 1 for x in ())


def gen_list_tuple_sorted(xs, t):
    return list(x + 1 for x in xs), tuple(v * 2 for v in t), sorted((-x for x in xs), reverse=True)


def gen_closure_over_arguments(xs, k):
    return sum(x * k for x in xs), max((x + k for x in xs), default=k)


def gen_stored_in_a_variable(xs):
    squares = (x * x for x in xs)
    return sum(squares)


def set_comprehension(xs):
    return len({x % 3 for x in xs})
