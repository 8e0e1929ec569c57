"""Parse JSON with the standard library, keeping every number as it was written.

orjson reads integers outside the 64-bit range as floats (losing digits), refuses numbers whose
double value is infinite, and writes a float back in its own shortest form (`1.10` as `1.1`, `1E3`
as `1000.0`, `1e-400` as `0.0`) and `-0` as `0`. The forwarder never changes a value, so for such
bodies this slower parser keeps every float, `-0` and every integer beyond 64 bits as its original
literal (an `orjson.Fragment`, which orjson writes back byte for byte). Only the rare bodies that
need it take this path (see `core.number_guard`).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from core.errors import NOT_JSON, TOO_DEEP, InvalidBatch

_INT64_MIN = -(2**63)
_UINT64_MAX = 2**64 - 1
# A literal of at most 18 digits always fits in 64 bits; one of 21 characters or more never does,
# so int() only ever sees short literals (and never meets Python's digit-count limit).
_ALWAYS_FITS = 18
_NEVER_FITS = 21


class ExactDocument:
    """A parsed body plus the literals of the integers kept as fragments (beyond 64 bits, `-0`)."""

    def __init__(self, text: str) -> None:
        self._integers: dict[int, str] = {}  # id(fragment) -> literal, for key and headers
        try:
            self.value: Any = json.loads(
                text,
                parse_int=self._integer,
                parse_float=_float,
                parse_constant=_reject_constant,
            )
        except RecursionError:
            raise InvalidBatch(TOO_DEEP) from None
        except ValueError:
            raise InvalidBatch(NOT_JSON) from None

    def integer_literal(self, value: object) -> str | None:
        """The literal of an integer this parser kept as a fragment, else None."""
        return self._integers.get(id(value)) if isinstance(value, orjson.Fragment) else None

    def _integer(self, literal: str) -> int | orjson.Fragment:
        digits = len(literal) - literal.startswith("-")
        if literal != "-0" and (
            digits <= _ALWAYS_FITS
            or (len(literal) < _NEVER_FITS and _INT64_MIN <= int(literal) <= _UINT64_MAX)
        ):
            return int(literal)
        fragment = orjson.Fragment(literal.encode())
        self._integers[id(fragment)] = literal
        return fragment


def _float(literal: str) -> orjson.Fragment:
    # Every float is kept as written: telling which ones orjson would write back unchanged costs
    # as much as keeping them all, and this path is the rare one.
    return orjson.Fragment(literal.encode())


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
