"""Exact value comparison with short messages (values can be megabytes long)."""

import datetime as dt
import uuid
from decimal import Decimal


def short(v, n=80):
    r = repr(v)
    return r if len(r) <= n else r[: n // 2] + f"...<{len(r)} chars>..." + r[-n // 2:]


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def mismatch(actual, expected):
    """None if actual is exactly expected (value and Python type), else a message."""
    if expected is None:
        return None if actual is None else f"expected NULL, got {short(actual)}"
    if actual is None:
        return f"expected {short(expected)}, got NULL"
    if isinstance(expected, (bytes, bytearray)):
        if not isinstance(actual, (bytes, bytearray)):
            return f"expected bytes, got {type(actual).__name__} {short(actual)}"
        actual = bytes(actual)
        if actual != expected:
            i = first_diff(actual, expected)
            return (f"bytes differ: len {len(actual)} vs expected {len(expected)}, first difference "
                    f"at {i}: got {actual[i:i+8].hex()} expected {expected[i:i+8].hex()}")
        return None
    if isinstance(expected, str):
        if not isinstance(actual, str):
            return f"expected str {short(expected)}, got {type(actual).__name__} {short(actual)}"
        if actual != expected:
            i = first_diff(actual, expected)
            return (f"strings differ: len {len(actual)} vs expected {len(expected)}, first difference "
                    f"at {i}: got {actual[i:i+12]!r} expected {expected[i:i+12]!r}"
                    + (f" (whole: got {actual!r} expected {expected!r})" if len(expected) < 100 else ""))
        return None
    if type(actual) is not type(expected):
        # aware datetimes: tzinfo class may differ, the type must be datetime
        return (f"expected {type(expected).__name__} {short(expected)}, "
                f"got {type(actual).__name__} {short(actual)}")
    if isinstance(expected, dt.datetime) and expected.tzinfo is not None:
        if actual.tzinfo is None:
            return f"expected aware {expected!r}, got naive {actual!r}"
        if actual != expected or actual.utcoffset() != expected.utcoffset():
            return f"expected {expected.isoformat()}, got {actual.isoformat()}"
        return None
    if isinstance(expected, dt.datetime) and actual.tzinfo is not None:
        return f"expected naive {expected!r}, got aware {actual!r}"
    if isinstance(expected, Decimal):
        return None if actual == expected else f"expected Decimal {expected}, got {actual}"
    if isinstance(expected, uuid.UUID):
        return None if actual == expected else f"expected {expected}, got {actual}"
    if actual != expected:
        return f"expected {expected!r}, got {actual!r}"
    return None
