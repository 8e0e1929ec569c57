"""Parse JSON with the standard library, keeping every number orjson cannot hold exactly.

orjson reads integers outside the 64-bit range as floats (losing digits) and refuses numbers whose
double value is infinite. The forwarder never changes a value, so for such bodies this slower
parser keeps those numbers as their original literal (an `orjson.Fragment`, which orjson writes
back byte for byte). Only the rare bodies that need it take this path.
"""

from __future__ import annotations

import json
import math
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
    """A parsed body plus the literals of the integers kept beyond 64 bits."""

    def __init__(self, text: str) -> None:
        self._big_integers: dict[int, str] = {}  # id(fragment) -> literal, for key and headers
        self.kept_literals = 0
        try:
            self.value: Any = json.loads(
                text,
                parse_int=self._integer,
                parse_float=self._float,
                parse_constant=_reject_constant,
            )
        except RecursionError:
            raise InvalidBatch(TOO_DEEP) from None
        except ValueError:
            raise InvalidBatch(NOT_JSON) from None

    def integer_literal(self, value: object) -> str | None:
        """The literal of an integer this parser kept as a fragment, else None."""
        return self._big_integers.get(id(value)) if isinstance(value, orjson.Fragment) else None

    def _integer(self, literal: str) -> int | orjson.Fragment:
        digits = len(literal) - literal.startswith("-")
        if digits <= _ALWAYS_FITS or (
            len(literal) < _NEVER_FITS and _INT64_MIN <= int(literal) <= _UINT64_MAX
        ):
            return int(literal)
        fragment = orjson.Fragment(literal.encode())
        self._big_integers[id(fragment)] = literal
        self.kept_literals += 1
        return fragment

    def _float(self, literal: str) -> float | orjson.Fragment:
        value = float(literal)
        if math.isfinite(value):
            return value
        self.kept_literals += 1
        return orjson.Fragment(literal.encode())


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
