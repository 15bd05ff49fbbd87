"""Time zones (ARCHITECTURE invariant 6): times are stored in UTC and shown in
the practice's time zone, the account's or the user's; this module names the
one default, for what has none."""

import pytz

DEFAULT_TZ = "Europe/Paris"


def tz_name(*candidates):
    """The first time zone name of ``candidates`` that is set (a practice's, a
    user's...), else the default."""
    return next((name for name in candidates if name), DEFAULT_TZ)


def timezone(*candidates):
    """The ``pytz`` time zone of ``tz_name(*candidates)``."""
    return pytz.timezone(tz_name(*candidates))
