"""Plain Python functions for the `@graphlet.jit` differential tests.

Each is compared, on generated inputs, with the jitted version: same value, same type,
same exception and message, same side effects. They are plain functions (not
decorated) so CPython's own run of each one is the reference.
"""

import math

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
