"""How many SMS a text costs, after 3GPP TS 23.038 (alphabets) and 23.040 (UDH).

Pure Python, no Odoo import, so that it can be used (and tested) anywhere: the
reminder composer shows the count live and the sending code bills with it.
"""

from typing import NamedTuple

# GSM 03.38 default alphabet, basic table, in code point order 0x00..0x7F. The
# escape character 0x1B is left out: it only introduces the extension table and
# cannot be typed by a user, so it must never make a text look "GSM-safe".
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    # 0x1B (ESC) would sit between Ξ and Æ.
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)

# Extension table characters usable in the default (non-national) shift. Each is
# sent as ESC + code, hence costs two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

# Capacities in units: septets for GSM-7, UTF-16 code units for UCS-2. A
# concatenated message loses 6 octets to the UDH (IEI 0x00, 8-bit reference),
# i.e. 7 septets or 3 UTF-16 code units.
_GSM7_SINGLE = 160
_GSM7_MULTI = 153
_UCS2_SINGLE = 70
_UCS2_MULTI = 67


class SmsCount(NamedTuple):
    """Result of :func:`sms_segments`.

    ``encoding`` is ``'gsm7'`` or ``'ucs2'``; ``units`` is the length of the text
    in septets (GSM-7) or UTF-16 code units (UCS-2); ``segments`` is the number
    of SMS the text is sent as.
    """

    encoding: str
    units: int
    segments: int


def _gsm7_weights(text):
    """Septets of each character, or ``None`` when ``text`` needs UCS-2."""
    weights = []
    for char in text:
        if char in GSM7_BASIC:
            weights.append(1)
        elif char in GSM7_EXTENSION:
            weights.append(2)
        else:
            return None
    return weights


def _ucs2_weights(text):
    """UTF-16 code units of each character (2 for a surrogate pair)."""
    # A lone surrogate (possible in a Python str) still occupies one code unit.
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _count_segments(weights, single, multi):
    """Number of segments for ``weights`` given the capacities of one SMS.

    A character's units are never split over two segments: a segment that
    cannot hold the whole character is closed short and the character starts
    the next one. Handsets cannot rebuild an ESC sequence or a surrogate pair
    that was cut in two, so operators and phones all pack this way.
    """
    total = sum(weights)
    if total == 0:
        return 0
    if total <= single:
        return 1
    segments, used = 1, 0
    for weight in weights:
        if used + weight > multi:
            segments += 1
            used = 0
        used += weight
    return segments


def sms_segments(text: str) -> SmsCount:
    """Count the units and SMS segments needed to send ``text``.

    GSM-7 is used when every character is in :data:`GSM7_BASIC` (1 septet) or
    :data:`GSM7_EXTENSION` (2 septets); one SMS then holds 160 septets and each
    part of a concatenated message 153. Any other character switches the whole
    text to UCS-2: 70 UTF-16 code units in one SMS, 67 per part, characters
    outside the BMP (most emoji) counting 2. An empty text needs no SMS.
    """
    text = text or ""
    weights = _gsm7_weights(text)
    if weights is not None:
        encoding, single, multi = "gsm7", _GSM7_SINGLE, _GSM7_MULTI
    else:
        weights = _ucs2_weights(text)
        encoding, single, multi = "ucs2", _UCS2_SINGLE, _UCS2_MULTI
    return SmsCount(encoding, sum(weights), _count_segments(weights, single, multi))
