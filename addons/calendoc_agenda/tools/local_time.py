"""Dates and times as a person reads them (ARCHITECTURE invariant 6).

Times are stored in naive UTC; whatever a person reads (a page, a PDF, a CSV,
an SMS, an e-mail, the ledger's texts) shows them in the practice's time zone,
else the client account's, else the user's, else the one default of
``tz.py``, to the minute, in the reader's language (Odoo's language settings
and babel):

* ``local_tz(env, practice, account)``: the name of that time zone;
* ``to_local(value, tz)``: a naive UTC datetime as an aware local one;
* ``format_local(env, value, tz)``: "09/12/2026 10:00", the language's date
  format then hours and minutes (lists, tables, the ledger);
* ``format_local_time(value, tz)``: "10:00" (slot lists);
* ``format_day(env, day)``: "mercredi 9 décembre 2026" / "Wednesday 9
  December 2026";
* ``format_prose(env, value, tz)``: "mercredi 9 décembre 2026 à 10 h 00" /
  "Wednesday 9 December 2026 at 10:00" (sentences, titles, e-mails);
* ``upper_first(text)``: a day in words starting a heading ("Mercredi 9
  décembre 2026", not CSS's "Mercredi 9 Décembre 2026");
* ``local_midnight(day, tz)``: the naive UTC start of a local day;
* ``sql_local(expression, tz)``: SQL giving a UTC column in local time.
"""

from datetime import date, datetime, time

import babel.dates
import pytz

from odoo.tools import SQL
from odoo.tools.misc import babel_locale_parse, format_date, get_lang

from .tz import timezone, tz_name

# No f-string in this file: Odoo exports the translatable strings with babel's
# extractor, which evaluates f-strings and drops the file when one fails.

# the day in words, the same order in every language CalenDoc ships
DAY_PATTERN = "EEEE d MMMM y"


def local_tz(env, practice=None, account=None):
    """The name of the time zone a time of ``practice`` (or of ``account``)
    is read in: the practice's, else the client account's (the practice's
    own when none is given), else that of the account's first practice, else
    the user's, else the default."""
    # sudo: a time zone's name says nothing of anyone; whoever is shown a time
    # of the practice or the account may know the zone it is given in
    if practice:
        practice = practice.sudo()
        if practice.tz:
            return practice.tz
        account = account or practice.account_id
    if account:
        account = account.sudo()
        if account.tz:
            return account.tz
        first = account.calendoc_practice_ids[:1]
        if first.tz:
            return first.tz
    return tz_name(env.user.tz)


def to_local(value, tz=None):
    """``value`` (naive UTC) as an aware datetime of the time zone ``tz`` (a
    name, or a ``pytz`` zone; the default one when empty)."""
    zone = tz if isinstance(tz, pytz.BaseTzInfo) else timezone(tz)
    return pytz.utc.localize(value).astimezone(zone)


def _lang_env(env, lang_code=None):
    """``env`` in the language ``lang_code`` (else the context's, the
    company's...: Odoo's ``get_lang``), and that language's code."""
    code = get_lang(env, lang_code).code
    if code != env.lang:
        env = env(context=dict(env.context, lang=code))
    return env, code


def format_local(env, value, tz=None, lang_code=None):
    """``value`` (naive UTC) in ``tz``, to the minute: the date in the
    language's format, then hours and minutes ("09/12/2026 10:00")."""
    if not value:
        return ""
    local = to_local(value, tz)
    day = format_date(env, local.date(), lang_code=lang_code)
    return "%s %s" % (day, local.strftime("%H:%M"))


def format_local_time(value, tz=None):
    """Hours and minutes of ``value`` (naive UTC) in ``tz``: "10:00"."""
    return to_local(value, tz).strftime("%H:%M") if value else ""


def format_day(env, day, lang_code=None):
    """The day ``day`` (a date, or an aware datetime, taken as it is) in
    words: "mercredi 9 décembre 2026", "Wednesday 9 December 2026"."""
    if isinstance(day, datetime):
        day = day.date()
    if not isinstance(day, date):
        return ""
    locale = babel_locale_parse(get_lang(env, lang_code).code)
    return babel.dates.format_date(day, DAY_PATTERN, locale=locale)


def format_prose(env, value, tz=None, lang_code=None):
    """``value`` (naive UTC) in ``tz``, in words for a sentence: "mercredi 9
    décembre 2026 à 10 h 00", "Wednesday 9 December 2026 at 10:00"."""
    if not value:
        return ""
    local = to_local(value, tz)
    env, code = _lang_env(env, lang_code)
    return env._(
        "%(day)s at %(hour)s:%(minute)s",
        day=format_day(env, local, code),
        hour=local.hour,
        minute="%02d" % local.minute,
    )


def upper_first(text):
    """``text`` with its first letter in upper case, the rest untouched."""
    return text[:1].upper() + text[1:] if text else ""


def local_midnight(day, tz=None):
    """The start of the local day ``day`` in ``tz``, as naive UTC (the bound
    of a period of whole local days)."""
    zone = tz if isinstance(tz, pytz.BaseTzInfo) else timezone(tz)
    local = zone.localize(datetime.combine(day, time.min), is_dst=False)
    return local.astimezone(pytz.utc).replace(tzinfo=None)


def sql_local(expression, tz=None):
    """The SQL of ``expression`` (a naive UTC ``timestamp``) as the naive
    local time of ``tz`` (a name; the default one when empty)."""
    return SQL("((%s AT TIME ZONE 'UTC') AT TIME ZONE %s)", expression, tz_name(tz))
