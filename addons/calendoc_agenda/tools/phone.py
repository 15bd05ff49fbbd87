"""Phone numbers to E.164, the one format CalenDoc stores and looks up."""

import phonenumbers


def to_e164(number, region="FR"):
    """Return ``number`` in E.164 (``+33612345678``) or ``None`` when it is not a
    valid number.

    National forms ("06 12 34 56 78"), international prefixes of the region
    ("0033 6 ...") and "+33 6 ..." all give the same result, so that a caller is
    found whatever way his number was typed.
    """
    if not number:
        return None
    try:
        parsed = phonenumbers.parse(number, region or "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def region_of(e164):
    """ISO country code of an E.164 number (``FR`` for +33...), or ``None``."""
    if not e164:
        return None
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return None
