"""What a route receives, parsed and bounded in one place.

Every value a visitor, a portal user, Google or the telephony bridge sends is
text (or JSON) of any length, with any character. Before it reaches a search, a
write or a comparison it goes through one of these:

* ``parse_*`` give the value or ``None`` (or a default) when it is not one:
  for look-ups, where a wrong value simply finds nothing (404, "not this
  link"), and for navigation values (a page, a week) that fall back;
* ``check_text`` gives the text or raises ``InvalidInput``, a translated
  ``UserError`` naming the field: for what a person typed in a form;
* ``same_token`` compares a secret with what was sent, in constant time, as
  bytes: any text compares (a non-ASCII one is simply different).

What they guard against: a NUL byte, which PostgreSQL refuses in any text; a
number PostgreSQL's ``integer`` cannot hold (record ids); ``int()`` of digits
Python accepts but nobody types ("²", full-width or Arabic-Indic digits); a
timestamp too big for a float; a date whose day before or after does not exist
(year 1, year 9999); a JSON list or object where a string was expected.
"""

import re
from datetime import date, datetime

from odoo.exceptions import UserError
from odoo.tools import consteq

# PostgreSQL's ``integer``, the type of every record id
MAX_ID = 2**31 - 1
# the longest text of a one-line form field (a name, an e-mail, a code)
MAX_TEXT = 255
# dates a person, a slot or a statement can be about; beyond them the day
# after or before (a week, a time zone) leaves Python's datetime range
MIN_YEAR = 1900
MAX_YEAR = 2200
# epoch seconds up to the year 2286 (10 digits, 11 with the year 5138)
MAX_TIMESTAMP_DIGITS = 11
EPOCH = datetime(1970, 1, 1)
ASCII_DIGITS = re.compile(r"[0-9]+")
ASCII_SIGNED = re.compile(r"-?[0-9]+")


class InvalidInput(UserError):
    """A value sent to a route that is not what the route expects: the
    request is refused (HTTP 400 on routes), nothing is changed."""


def parse_id(value):
    """The record id ``value`` stands for (an ``int``, or ASCII digits), if
    PostgreSQL can hold it; ``None`` otherwise (``True`` is not 1)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not ASCII_DIGITS.fullmatch(value) or len(value) > len(str(MAX_ID)):
            return None
        value = int(value)
    if not isinstance(value, int) or not 0 < value <= MAX_ID:
        return None
    return value


def parse_int(value, minimum, maximum, default=None):
    """``value`` (an ``int`` or ASCII digits, maybe signed) if it lies in
    [``minimum``, ``maximum``], else ``default``."""
    if isinstance(value, str):
        digits = len(str(max(abs(minimum), abs(maximum))))
        if not ASCII_SIGNED.fullmatch(value) or len(value.lstrip("-")) > digits:
            return default
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return default
    return value if minimum <= value <= maximum else default


def parse_timestamp(value):
    """Epoch seconds sent as ASCII digits (or an ``int``), or ``None``: never
    a number too big for a float or a date."""
    if isinstance(value, str):
        if not ASCII_DIGITS.fullmatch(value) or len(value) > MAX_TIMESTAMP_DIGITS:
            return None
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value < 10**MAX_TIMESTAMP_DIGITS else None


def parse_epoch(value):
    """Epoch seconds sent in JSON (an ``int`` or a ``float``, fractions
    allowed), within the years ``MIN_YEAR`` to ``MAX_YEAR``, or ``None``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    low = (datetime(MIN_YEAR, 1, 1) - EPOCH).total_seconds()
    high = (datetime(MAX_YEAR, 12, 31) - EPOCH).total_seconds()
    # a comparison, not a conversion: a 400-digit int compares with floats
    if not low <= value <= high:  # also refuses NaN
        return None
    return float(value)


def parse_date(value):
    """The date ``value`` (a ``date`` or ISO text, YYYY-MM-DD) between the
    years ``MIN_YEAR`` and ``MAX_YEAR``, or ``None``."""
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        text = parse_text(value, max_length=10)
        try:
            value = date.fromisoformat(text) if text and text.isascii() else None
        except ValueError:
            value = None
    return value if value and MIN_YEAR <= value.year <= MAX_YEAR else None


def parse_datetime(value):
    """The naive date and time ``value`` (a ``datetime`` or ISO text) between
    the years ``MIN_YEAR`` and ``MAX_YEAR``, or ``None`` (a time zone is
    refused: routes exchange naive UTC)."""
    if not isinstance(value, datetime):
        text = parse_text(value, max_length=32)
        try:
            value = datetime.fromisoformat(text) if text and text.isascii() else None
        except ValueError:
            value = None
    if not value or value.tzinfo is not None:
        return None
    return value if MIN_YEAR <= value.year <= MAX_YEAR else None


def parse_text(value, max_length=MAX_TEXT):
    """``value`` if it is a string without NUL of at most ``max_length``
    characters, else ``None``."""
    if not isinstance(value, str) or len(value) > max_length or "\x00" in value:
        return None
    return value


def json_has_nul(value):
    """Whether a JSON value holds a NUL byte in any string, key or value, at
    any depth (PostgreSQL refuses it in text and in jsonb alike)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(json_has_nul(k) or json_has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(json_has_nul(item) for item in value)
    return False


def check_text(env, value, label, max_length=MAX_TEXT, strip=True):
    """What a person typed in the field ``label``, stripped unless ``strip``
    is false (a password), "" when nothing was sent; ``InvalidInput`` naming
    the field when it is not text, holds a NUL byte or is longer than
    ``max_length``."""
    if value is None:
        return ""
    if not isinstance(value, str) or "\x00" in value:
        raise InvalidInput(
            env._("%(field)s holds characters that cannot be read.", field=label)
        )
    if len(value) > max_length:
        raise InvalidInput(
            env._(
                "%(field)s is too long: %(count)s characters at most.",
                field=label,
                count=max_length,
            )
        )
    return value.strip() if strip else value


def same_token(expected, given):
    """Whether the secret ``expected`` equals what was sent, in constant time.
    Both are compared as UTF-8 bytes, so any text compares; what is not text
    (a JSON list, ``None``) and an empty secret never match."""
    if not expected or not isinstance(expected, str) or not isinstance(given, str):
        return False
    return consteq(
        expected.encode("utf-8", "surrogatepass"),
        given.encode("utf-8", "surrogatepass"),
    )
