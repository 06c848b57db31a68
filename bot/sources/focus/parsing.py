"""Read FOCUS text columns as exact amounts, UTC times and distinct values, vectorised.

Everything here works on whole pyarrow columns; Python touches only distinct values (a month
of hourly rows has 720 distinct timestamps, not a million).
"""

from __future__ import annotations

from decimal import Decimal, localcontext

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

AMOUNT_TYPE = pa.decimal128(38, 12)
_WIDE_DECIMAL = pa.decimal256(76, 30)
# Text with more decimals than AMOUNT_TYPE keeps is cast to this type first, then rounded.
_FINE_DECIMAL = pa.decimal128(38, 18)
# Arrow's text-to-decimal128 cast can wrap around silently when scaling overflows (a big
# exponent like "1e+30", or too many digits). A plain number of at most 20 characters has at
# most 20 integer digits, and 20 + _FINE_DECIMAL's 18 decimals fit its 38 digits: only those
# take the fast path.
_FAST_MAX_CHARS = 20
_LOWER_E = ord("e")
_AMOUNT_LIMIT = pa.scalar(Decimal(10) ** (AMOUNT_TYPE.precision - AMOUNT_TYPE.scale), _WIDE_DECIMAL)
_NUMBER = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d{1,2})?$"
# The times a billing row may carry: cloud billing began long after 1970, and a charge beyond
# 2199 is a typo or a placeholder (9999-12-31), not a cost to spread over the days up to it.
FIRST_TIME = pd.Timestamp("1970-01-01", tz="UTC")
END_TIME = pd.Timestamp("2200-01-01", tz="UTC")


def combined(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array: compute kernels and numpy views want a single chunk."""
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def trimmed_text(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A column as trimmed text, empty meaning null."""
    trimmed = pc.utf8_trim_whitespace(combined(column))
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def distinct_codes(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Each row's index into the column's distinct values (-1 for null), and those values."""
    encoded = combined(column).dictionary_encode()
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    return codes.astype(np.int64, copy=False), encoded.dictionary


def distinct_rows(columns: list[pa.Array | pa.ChunkedArray], rows: int) -> np.ndarray:
    """Number the distinct combinations of values across `columns`: one code per row.

    Codes run from 0 in order of first appearance. Each column's distinct-value index is
    folded into one int64 per row (mixed radix), re-numbered before it could overflow.
    """
    folded = np.zeros(rows, dtype=np.int64)
    span = 1
    for column in columns:
        codes, values = distinct_codes(column)
        size = len(values) + 1  # one more for null
        if span * size >= 2**62:
            folded, uniques = pd.factorize(folded)
            span = max(len(uniques), 1)
        folded = folded * size + (codes + 1)
        span *= size
    numbered, _ = pd.factorize(folded)
    return numbered.astype(np.int64, copy=False)


def first_rows(codes: np.ndarray) -> np.ndarray:
    """For codes numbered 0..n-1 in order of first appearance: the row where each first appears."""
    if len(codes) == 0:
        return np.empty(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, codes[1:] > np.maximum.accumulate(codes)[:-1]])
    return starts.astype(np.int64, copy=False)


def parse_times(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """UTC nanoseconds from ISO 8601 text (`T` or space, `Z`, offset or none), and a mask of
    the rows that are empty, not a time, or outside the years costbot stores."""
    ticks, unreadable, out_of_range = parse_times_in_range(column)
    return ticks, unreadable | out_of_range


def parse_times_in_range(
    column: pa.Array | pa.ChunkedArray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """As parse_times, with two masks: rows empty or not a time, and rows of a time outside
    FIRST_TIME..END_TIME (year 0001 or 9999 parse, but are no billing time, and nanoseconds
    since 1970 cannot hold them). Each distinct text is parsed once."""
    codes, values = distinct_codes(column)
    text = trimmed_text(values).to_pylist()
    parsed = pd.to_datetime(
        pd.Series(text, dtype=object), utc=True, format="ISO8601", errors="coerce"
    )
    known = parsed.notna().to_numpy()
    in_range = ((parsed >= FIRST_TIME) & (parsed < END_TIME)).to_numpy()
    # pandas may pick micro- or nanoseconds for the parsed values; pin the unit before counting.
    ticks = parsed.where(in_range).dt.as_unit("ns").astype("int64").to_numpy()
    # One extra slot at the end stands for null rows (code -1).
    ticks = np.append(np.where(in_range, ticks, 0), 0)
    known = np.append(known, False)
    in_range = np.append(in_range, False)
    return ticks[codes], ~known[codes], (known & ~in_range)[codes]


def parse_amounts(column: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Exact decimals from text; a null amount counts as zero, text that is no number is bad.

    Returns the amounts, the rows that are no number, and the rows too large to store.
    """
    raw = combined(column)
    fast = _parse_plain_numbers(raw)
    if fast is not None:
        clean = np.zeros(len(raw), dtype=bool)
        return fast, clean, clean
    return _parse_carefully(trimmed_text(raw))


def _parse_plain_numbers(raw: pa.Array) -> pa.Array | None:
    """The common case in one cast: short plain numbers (see _FAST_MAX_CHARS).

    Returns None when any value needs the careful path: spaces, empty text, an exponent, a
    long number, or text that is no number at all.
    """
    if not pa.types.is_string(raw.type) or len(raw) == 0:
        return None
    offsets = np.frombuffer(
        raw.buffers()[1], dtype=np.int32, count=len(raw) + 1, offset=raw.offset * 4
    )
    if int(np.diff(offsets).max()) > _FAST_MAX_CHARS:
        return None
    data = raw.buffers()[2]
    if data is not None:
        chars = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]]
        if bool(((chars | 0x20) == _LOWER_E).any()):  # "e" or "E"
            return None
    try:
        values = pc.cast(raw, AMOUNT_TYPE)
    except pa.ArrowInvalid:
        try:  # more decimals than AMOUNT_TYPE keeps (or no number: the careful path says so)
            values = pc.cast(
                pc.round(pc.cast(raw, _FINE_DECIMAL), ndigits=AMOUNT_TYPE.scale), AMOUNT_TYPE
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
    except pa.ArrowNotImplementedError:
        return None
    return values.fill_null(pa.scalar(0, AMOUNT_TYPE))


def _parse_carefully(text: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    is_number = pc.match_substring_regex(text, _NUMBER)
    bad = pc.and_(pc.is_valid(text), pc.invert(is_number.fill_null(False)))
    clean = pc.if_else(bad, pa.scalar(None, pa.string()), text)
    try:
        wide = pc.cast(clean, _WIDE_DECIMAL)
    except pa.ArrowInvalid:
        # Too large for 46 integer digits, or more than 30 decimals (`1E-40`): row by row.
        wide = _parse_slowly(clean)
    rounded = pc.round(wide, ndigits=AMOUNT_TYPE.scale)
    # More integer digits than AMOUNT_TYPE holds: reject the row rather than fail the file.
    too_large = pc.or_(
        pc.and_(pc.is_valid(clean), pc.is_null(wide)),
        pc.greater_equal(pc.abs(rounded), _AMOUNT_LIMIT).fill_null(False),
    )
    kept = pc.if_else(too_large, pa.scalar(None, rounded.type), rounded)
    values = pc.cast(kept, AMOUNT_TYPE).fill_null(pa.scalar(0, AMOUNT_TYPE))
    return values, as_mask(bad), as_mask(too_large)


def _parse_slowly(text: pa.Array) -> pa.Array:
    """Numbers (text that matched _NUMBER) one by one: decimals beyond the wide type's scale
    are rounded off; a number too large for the wide type is null."""
    integer_digits = _WIDE_DECIMAL.precision - _WIDE_DECIMAL.scale
    quantum = Decimal(1).scaleb(-_WIDE_DECIMAL.scale)
    values: list[Decimal | None] = []
    with localcontext() as context:
        context.prec = 2 * _WIDE_DECIMAL.precision
        for value in text.to_pylist():
            number = None if value is None else Decimal(value)
            if number is None or number.adjusted() >= integer_digits:
                values.append(None)
            else:
                values.append(number.quantize(quantum))
    return pa.array(values, _WIDE_DECIMAL)


def as_mask(values: pa.Array | pa.ChunkedArray | np.ndarray) -> np.ndarray:
    """A boolean numpy mask, null meaning False."""
    if isinstance(values, np.ndarray):
        return values.astype(bool, copy=False)
    return np.asarray(combined(values).fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
