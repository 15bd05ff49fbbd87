"""Generate a large CalenDoc data set for the benchmarks.

Small configuration records (client accounts, weekly hours, practices,
practitioners, schedules, appointment types) go through the ORM, so that every
constraint and computed field of the addons applies. The big tables (requesters,
appointments, other calendar events, their attendees) are loaded with COPY: rows
start from a prototype record created through the ORM in a rolled-back savepoint,
so that every column Odoo fills on create (defaults, stored computed fields of
any installed addon, NOT NULL columns) has a real value, and only the columns that
vary from row to row are generated here.

Everything is tagged "BENCH" (accounts, practices, calendars, practitioners,
names of non-CalenDoc events) so that ``--drop`` can remove it. The simplest is a
dedicated database copied from one where all the addons are installed with the
current code: ``--from-template calendoc_dev`` (re)creates ``--db`` from it first.

Example (the full-scale data set of bench/README.md, a few minutes)::

    python3 bench/generate.py --config .run/odoo.conf --db calendoc_bench \\
        --from-template calendoc_dev --practices 1 --practitioners 50 \\
        --requesters 1000000 --past-appointments 100000 \\
        --future-appointments 10000 --total-events 1000000
"""

import argparse
import contextlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
import time
import unicodedata
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytz
from benchlib import TAG, check_schema

# Databases never written to, whatever the arguments say.
PROTECTED_DBS = {"calendoc_test", "calendoc_demo", "postgres", "template0", "template1"}
PARIS = pytz.timezone("Europe/Paris")
# Working hours of the generated weekly calendar (local time), Mon-Fri.
HOURS = [(8.5, 12.0, "morning"), (14.0, 18.0, "afternoon")]
DURATION_MIN = 20
COPY_BATCH = 100_000

LAST_NAMES = (
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon "
    "Laurent Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel "
    "Girard André Lefèvre Mercier Dupont Lambert Bonnet François Martinez Legrand "
    "Garnier Faure Rousseau Blanc Guérin Muller Henry Roussel Nicolas Perrin Morin "
    "Mathieu Clément Gauthier Dumont Lopez Fontaine Chevalier Robin Masson Sanchez "
    "Gérard Nguyen Boyer Denis Lemaire Duval Joly Gautier Roger Roche Roy Noël "
    "Meyer Lucas Meunier Jean Perez Marchand Dufour Blanchard Marie Barbier Brun "
    "Dumas Brunet Schmitt Leroux Colin Fernandez Pierre Renard Arnaud Rolland "
    "Caron Aubert Giraud Leclerc Vidal Bourgeois Renaud Lemoine Picard Gaillard "
    "Philippe Leclercq Lacroix Fabre Dupuis Olivier Rodriguez Hubert Louis Charles "
    "Guillot Rivière Guillaume Adam Rey Moulin Gonzalez Berger Lecomte Ménard "
    "Fleury Deschamps Carpentier Julien Benoît Paris Maillard Marchal Aubry "
    "Vasseur Renault Jacquet Collet Prévost Poirier Charpentier Royer Huet Baron "
    "Dupuy Pons Paul Lainé Carré Breton Rémy Schneider Perrot Guyot Barré Marty "
    "Cousin"
).split()
LAST_NAMES += ["Da Silva", "Le Gall", "Le Roux", "Le Goff", "De Oliveira"]
FIRST_NAMES = (
    "Anaïs Hugo Emma Louis Jade Gabriel Louise Raphaël Alice Arthur Chloé Jules "
    "Léa Adam Manon Lucas Inès Léo Camille Paul Sarah Nathan Zoé Mathis Juliette "
    "Ethan Lina Théo Rose Tom Clémence Noah Agathe Maël Hélène Jérôme Françoise "
    "Michel Nathalie Philippe Isabelle Pierre Sylvie Jean Catherine Alain Martine "
    "Bernard Monique Patrick Christine Nicolas Sophie Christophe Valérie Stéphane "
    "Sandrine Frédéric Céline Laurent Aurélie Julien Élodie Sébastien Émilie "
    "Thomas Margaux Antoine Océane Maxime Pauline Guillaume Marion Romain Lucie "
    "Vincent Mathilde Olivier Charlotte Benoît Anne François Marie Denis Josiane "
    "Gérard Colette René Ginette Yves Odette Joël Brigitte Thierry Véronique Éric "
    "Laurence Didier Dominique Jean-Pierre Marie-Claire Anne-Sophie"
).split()
SPECIALTIES = [
    "Médecin généraliste",
    "Pédiatre",
    "Dermatologue",
    "Cardiologue",
    "Kinésithérapeute",
    "Ophtalmologue",
    "Chirurgien-dentiste",
]
# The practitioners' own events: (local hour, minute, name), one hour long.
PRIVATE_EVENTS = [
    (8, 30, "Réunion de service"),
    (12, 15, "Déjeuner de travail"),
    (12, 15, "Réunion de service"),
    (16, 0, "Visite à domicile"),
    (17, 0, "Formation continue"),
]
OTHER_EVENT_NAMES = [
    "Réunion d'équipe",
    "Point commercial",
    "Formation",
    "Rendez-vous fournisseur",
    "Comité de direction",
    "Entretien annuel",
    "Visite client",
    "Déjeuner",
]
# Weighted draws: (value, weight).
PAST_STATES = [("done", 85), ("no_show", 5), ("cancelled", 10)]
FUTURE_STATES = [("booked", 52), ("confirmed", 40), ("cancelled", 8)]
SOURCES = [("phone", 60), ("secretary", 20), ("online", 15), ("practitioner", 5)]
# Appointment states that get an SMS reminder (calendar_event_sms.REMINDED_STATES).
REMINDED_STATES = ("booked", "confirmed")


def log(message, *args):
    print(message % args if args else message, flush=True)


def ascii_lower(text):
    """'Lefèvre' -> 'lefevre', for e-mail addresses."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isalnum() and c.isascii()).lower()


def weighted(rng, choices):
    values, weights = zip(*choices, strict=True)
    return lambda: rng.choices(values, weights)[0]


# --- phone numbers --------------------------------------------------------------
def valid_mobile_prefixes(to_e164):
    """Four-digit national prefixes (06xx, 07xx) whose numbers libphonenumber holds
    valid, so that every generated number is a real French mobile."""
    prefixes = []
    for head in range(600, 800):
        samples = (f"0{head}000000", f"0{head}555555", f"0{head}999999")
        if all(to_e164(number, "FR") for number in samples):
            prefixes.append(f"0{head}")
    return prefixes


def mobile_formats(national):
    """The four ways a French mobile is typed; the E.164 form is the same."""
    rest = national[1:]
    pairs = " ".join(national[i : i + 2] for i in range(0, 10, 2))
    return (
        pairs,  # 06 12 34 56 78
        "+33 %s %s" % (rest[0], " ".join(rest[i : i + 2] for i in range(1, 9, 2))),
        "0033" + rest,  # 0033612345678
        national,  # 0612345678
    )


# --- COPY -----------------------------------------------------------------------
_SPECIAL = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(text):
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_SPECIAL)
    return text


# By exact type: the generator's hot path (tens of millions of values).
_COPY_FORMAT = {
    str: _copy_text,
    int: str,
    float: repr,
    bool: lambda value: "t" if value else "f",
    type(None): lambda value: r"\N",
    datetime: lambda value: value.isoformat(" "),
    date: date.isoformat,
    dict: lambda value: _copy_text(json.dumps(value)),
    list: lambda value: _copy_text(json.dumps(value)),
}


def copy_value(value):
    """A Python value in PostgreSQL's COPY text format."""
    formatter = _COPY_FORMAT.get(type(value))
    if formatter is None:  # Decimal, subclasses...
        return _copy_text(str(value))
    return formatter(value)


class CopyWriter:
    """Buffer rows and COPY them into ``table`` by batches. Columns found in the
    prototype row and not in ``columns`` are appended with the prototype's value,
    so that the ORM's defaults and stored computed fields are filled."""

    def __init__(self, cr, table, columns, prototype=None):
        self.cr = cr
        self.table = table
        self.columns = list(columns)
        constant = {
            key: value
            for key, value in (prototype or {}).items()
            if key not in self.columns and value is not None
        }
        self.all_columns = self.columns + list(constant)
        tail = "\t".join(copy_value(value) for value in constant.values())
        self.tail = ("\t" + tail if tail else "") + "\n"
        self.lines = []
        self.count = 0

    def add(self, values):
        self.lines.append("\t".join(map(copy_value, values)) + self.tail)
        if len(self.lines) >= COPY_BATCH:
            self.flush()

    def flush(self):
        if not self.lines:
            return
        buffer = io.StringIO("".join(self.lines))
        self.cr.copy_expert(
            'COPY "%s" (%s) FROM STDIN'
            % (self.table, ", ".join('"%s"' % c for c in self.all_columns)),
            buffer,
        )
        self.count += len(self.lines)
        self.lines = []


def reserve_ids(cr, table, count):
    """Take ``count`` consecutive ids of ``table``'s sequence; return the first."""
    if not count:
        return 0
    cr.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cr.fetchone()[0]
    cr.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [sequence, sequence, count])
    return cr.fetchone()[0] - count + 1


BIG_TABLES = [
    "res_partner",
    "calendar_event",
    "calendar_event_res_partner_rel",
    "calendar_attendee",
]


@contextlib.contextmanager
def bulk_load(cr, tables):
    """Load ``tables`` fast: drop their indexes that back no constraint and build
    them again at the end (one sort instead of a million inserts into each of
    res_partner's ~40 indexes, trigram ones included), and skip the per-row
    foreign-key triggers (the generator only points at rows it knows exist).
    Constraints stay: primary keys, and the exclusion constraint that refuses
    overlapping appointments. All of it is in the caller's transaction: a
    failure restores every index."""
    if not tables:
        yield
        return
    cr.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
          FROM pg_index i
         WHERE i.indrelid = ANY(%s::regclass[])
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                            WHERE c.conindid = i.indexrelid)
        """,
        [list(tables)],
    )
    indexes = cr.fetchall()
    for name, _definition in indexes:
        cr.execute("DROP INDEX %s" % name)
    cr.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    superuser = cr.fetchone()[0]
    if superuser:
        cr.execute("SET LOCAL session_replication_role = replica")
    yield
    if superuser:
        cr.execute("SET LOCAL session_replication_role = DEFAULT")
    for _name, definition in indexes:
        cr.execute(definition)


class _Rollback(Exception):
    pass


def prototype_rows(env, create):
    """Run ``create(env)`` (returns {table: [ids]}) in a savepoint, read the rows
    it wrote, then roll it back."""
    cr = env.cr
    rows = {}
    try:
        with cr.savepoint():
            created = create(env)
            env.flush_all()
            for table, ids in created.items():
                cr.execute(f'SELECT * FROM "{table}" WHERE id = ANY(%s)', [ids])
                names = [d[0] for d in cr.description]
                rows[table] = [
                    dict(zip(names, row, strict=True)) for row in cr.fetchall()
                ]
            raise _Rollback
    except _Rollback:
        pass
    env.invalidate_all(flush=False)
    return rows


# --- database -------------------------------------------------------------------
def pg_env(config):
    env = dict(os.environ)
    for key, var in (
        ("db_host", "PGHOST"),
        ("db_port", "PGPORT"),
        ("db_user", "PGUSER"),
        ("db_password", "PGPASSWORD"),
    ):
        if config.get(key):
            env[var] = str(config[key])
    return env


def copy_database(config, template, target):
    """(Re)create ``target`` as a copy of ``template``. ``createdb -T`` refuses
    while someone is connected to the template (a test run, a dev server): then
    dump and restore, which reads a consistent snapshot without blocking anyone."""
    env = pg_env(config)
    subprocess.run(["dropdb", "--if-exists", target], check=True, env=env)
    started = time.monotonic()
    done = subprocess.run(
        ["createdb", "-T", template, target], env=env, capture_output=True, text=True
    )
    if done.returncode:
        log(
            "createdb -T %s failed (%s): dump and restore instead",
            template,
            done.stderr.strip().splitlines()[-1] if done.stderr else "?",
        )
        subprocess.run(["createdb", target], check=True, env=env)
        with subprocess.Popen(
            ["pg_dump", "-Fc", "-d", template], stdout=subprocess.PIPE, env=env
        ) as dump:
            subprocess.run(
                ["pg_restore", "--no-owner", "-d", target],
                stdin=dump.stdout,
                check=True,
                env=env,
            )
        if dump.returncode:
            sys.exit("pg_dump %s failed" % template)
    source_store = config.filestore(template)
    if os.path.isdir(source_store):
        shutil.rmtree(config.filestore(target), ignore_errors=True)
        shutil.copytree(source_store, config.filestore(target))
    log(
        "database %s copied from %s in %.1f s",
        target,
        template,
        time.monotonic() - started,
    )


@contextlib.contextmanager
def odoo_env(config_path, db):
    """An environment of the superuser on ``db``; commits on success."""
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", config_path, "-d", db, "--log-level=warn"])
    registry = Registry(db)
    with registry.cursor() as cr:
        yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


# --- drop -----------------------------------------------------------------------
def drop_bench_data(env):
    """Delete every record a previous run generated (tagged BENCH)."""
    cr = env.cr
    started = time.monotonic()
    accounts = env["res.partner"].search(
        [("is_calendoc_client", "=", True), ("name", "=like", TAG + " %")]
    )
    practitioners = env["calendoc.practitioner"].with_context(active_test=False)
    practitioners = practitioners.search([("account_id", "in", accounts.ids)])
    cr.execute(
        """
        CREATE TEMP TABLE bench_drop_events ON COMMIT DROP AS
        SELECT id FROM calendar_event
         WHERE calendoc_practitioner_id = ANY(%(practitioners)s)
            OR calendoc_account_id = ANY(%(accounts)s)
            OR (calendoc_practitioner_id IS NULL AND name LIKE %(tag)s)
        """,
        {
            "practitioners": practitioners.ids,
            "accounts": accounts.ids,
            "tag": TAG + " %",
        },
    )
    cr.execute(
        """
        CREATE TEMP TABLE bench_drop_partners ON COMMIT DROP AS
        SELECT id FROM res_partner
         WHERE is_calendoc_requester AND calendoc_account_id = ANY(%s)
        """,
        [accounts.ids],
    )
    cr.execute("SELECT count(*) FROM bench_drop_events")
    n_events = cr.fetchone()[0]
    cr.execute("SELECT count(*) FROM bench_drop_partners")
    n_partners = cr.fetchone()[0]
    # Delete the rows pointing at them by joins first; then, without the
    # per-row foreign-key triggers (one lookup per deleted row in ~60 referencing
    # tables, some unindexed), the rows themselves: a million rows in seconds.
    for table, column, source in (
        ("calendar_attendee", "event_id", "bench_drop_events"),
        ("calendar_event_res_partner_rel", "calendar_event_id", "bench_drop_events"),
        ("calendar_attendee", "partner_id", "bench_drop_partners"),
        ("calendar_event_res_partner_rel", "res_partner_id", "bench_drop_partners"),
        ("mail_followers", "partner_id", "bench_drop_partners"),
    ):
        cr.execute(
            f'DELETE FROM "{table}" t USING "{source}" d WHERE t."{column}" = d.id'
        )
    cr.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    superuser = cr.fetchone()[0]
    if superuser:
        cr.execute("SET LOCAL session_replication_role = replica")
    cr.execute(
        "DELETE FROM calendar_event e USING bench_drop_events d WHERE e.id = d.id"
    )
    cr.execute(
        "DELETE FROM res_partner p USING bench_drop_partners d WHERE p.id = d.id"
    )
    if superuser:
        cr.execute("SET LOCAL session_replication_role = DEFAULT")
    env.invalidate_all(flush=False)
    # The few configuration records go through the ORM (followers, messages...).
    partners = practitioners.partner_id
    resources = practitioners.resource_id
    types = env["calendoc.appointment.type"].with_context(active_test=False)
    types.search([("account_id", "in", accounts.ids)]).unlink()
    env["calendoc.schedule"].with_context(active_test=False).search(
        [("practitioner_id", "in", practitioners.ids)]
    ).unlink()
    practitioners.unlink()
    resources.unlink()
    partners.unlink()
    env["calendoc.practice"].with_context(active_test=False).search(
        [("account_id", "in", accounts.ids)]
    ).unlink()
    env["resource.calendar"].with_context(active_test=False).search(
        [("name", "=like", TAG + " %")]
    ).unlink()
    accounts.unlink()
    env.flush_all()
    log(
        "dropped %d accounts, %d practitioners, %d requesters, %d events in %.1f s",
        len(accounts),
        len(practitioners),
        n_partners,
        n_events,
        time.monotonic() - started,
    )


# --- configuration records (ORM) --------------------------------------------------
def create_configuration(env, args, rng):
    """Accounts, weekly hours, practices, practitioners, schedules and one 20-minute
    appointment type per practice with all its practitioners."""
    france = env.ref("base.fr")
    holidays = env.ref("calendoc_agenda.resource_calendar_holidays_fr", False)
    n_accounts = args.accounts or args.practices
    accounts = env["res.partner"].create(
        [
            {
                "name": "%s Groupe médical %d" % (TAG, i + 1),
                "is_company": True,
                "is_calendoc_client": True,
                "country_id": france.id,
                "lang": "fr_FR" if env["res.lang"]._get_data(code="fr_FR") else False,
            }
            for i in range(n_accounts)
        ]
    )
    name = "%s 8h30-12h / 14h-18h" % TAG
    calendar = env["resource.calendar"].create(
        {
            "name": name,
            "tz": "Europe/Paris",
            "attendance_ids": [
                (
                    0,
                    0,
                    {
                        "name": "%s %d" % (name, day),
                        "dayofweek": str(day),
                        "hour_from": hour_from,
                        "hour_to": hour_to,
                        "day_period": period,
                    },
                )
                for day in range(5)
                for hour_from, hour_to, period in HOURS
            ],
        }
    )
    practices = env["calendoc.practice"].create(
        [
            {
                "name": "%s Cabinet %d" % (TAG, i + 1),
                "account_id": accounts[i % n_accounts].id,
                "tz": "Europe/Paris",
                "city": rng.choice(["Angers", "Saumur", "Tours", "Nantes", "Le Mans"]),
                "holiday_calendar_id": holidays.id if holidays else False,
            }
            for i in range(args.practices)
        ]
    )
    practitioners = env["calendoc.practitioner"]
    for i in range(args.practitioners):
        practice = practices[i % args.practices]
        practitioner = practitioners.create(
            {
                "name": "Dr %s %s"
                % (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES).upper()),
                "account_id": practice.account_id.id,
                "specialty": rng.choice(SPECIALTIES),
                "tz": "Europe/Paris",
                "color": i % 12,
            }
        )
        env["calendoc.schedule"].create(
            {
                "practitioner_id": practitioner.id,
                "practice_id": practice.id,
                "calendar_id": calendar.id,
            }
        )
        practitioners |= practitioner
    types = env["calendoc.appointment.type"]
    for practice in practices:
        members = practitioners.filtered(lambda p, pr=practice: pr in p.practice_ids)
        types |= types.create(
            {
                "name": "Consultation",
                "practice_id": practice.id,
                "duration_minutes": DURATION_MIN,
                "online_bookable": True,
                "practitioner_ids": [(6, 0, members.ids)],
            }
        )
    env.flush_all()
    return accounts, calendar, practices, practitioners, types


# --- requesters (COPY) ------------------------------------------------------------
def requester_prototype(env, account):
    """The res_partner row the ORM writes for a requester of ``account``."""
    proto = prototype_rows(
        env,
        lambda e: {
            "res_partner": e["res.partner"]
            .create(
                {
                    "calendoc_last_name": "Prototype",
                    "calendoc_first_name": "Anaïs",
                    "is_calendoc_requester": True,
                    "calendoc_account_id": account.id,
                    "country_id": e.ref("base.fr").id,
                    "lang": account.lang,
                    "mobile": "06 12 34 56 78",
                    "email": "anais.prototype@example.fr",
                    "calendoc_birthdate": date(1980, 1, 1),
                }
            )
            .ids
        },
    )["res_partner"][0]
    if proto["calendoc_mobile_e164"] != "+33612345678":
        sys.exit(
            "unexpected E.164 in the prototype: %r" % proto["calendoc_mobile_e164"]
        )
    return proto


def generate_requesters(env, args, rng, accounts, now, proto):
    """Requester partners with French names and mobiles typed in mixed formats.
    Returns {account id: [partner ids]} and {partner id: name}."""
    from odoo.addons.calendoc_agenda.tools.phone import to_e164

    cr = env.cr
    count = args.requesters
    by_account = defaultdict(list)
    names = {}
    if not count:
        return by_account, names
    prefixes = valid_mobile_prefixes(to_e164)
    columns = [
        "id",
        "name",
        "complete_name",
        "calendoc_last_name",
        "calendoc_first_name",
        "mobile",
        "calendoc_mobile_e164",
        "phone_sanitized",
        "email",
        "email_normalized",
        "calendoc_account_id",
        "commercial_partner_id",
        "calendoc_birthdate",
        "create_date",
        "write_date",
    ]
    # Columns that would be wrong if copied from the prototype.
    for column in ("phone", "calendoc_phone_e164", "parent_id", "ref", "barcode"):
        proto.pop(column, None)
    writer = CopyWriter(cr, "res_partner", columns, proto)
    first_id = reserve_ids(cr, "res_partner", count)
    last_names = [(n, n.upper(), ascii_lower(n)) for n in LAST_NAMES]
    first_names = [(n, ascii_lower(n)) for n in FIRST_NAMES]
    used = set()
    birth_origin = date(1930, 1, 1).toordinal()
    birth_span = date(2024, 1, 1).toordinal() - birth_origin
    fmt = 0
    for n in range(count):
        partner_id = first_id + n
        last, last_upper, last_ascii = rng.choice(last_names)
        first, first_ascii = rng.choice(first_names)
        while True:
            national = rng.choice(prefixes) + "%06d" % rng.randrange(1_000_000)
            if national not in used:
                used.add(national)
                break
        e164 = "+33" + national[1:]
        mobile = mobile_formats(national)[fmt]
        fmt = (fmt + 1) % 4
        email = None
        if rng.random() < 0.6:
            email = "%s.%s%d@example.fr" % (first_ascii, last_ascii, n)
        name = "%s %s" % (last_upper, first)
        account_id = accounts[n % len(accounts)].id
        by_account[account_id].append(partner_id)
        names[partner_id] = name
        writer.add(
            (
                partner_id,
                name,
                name,
                last,
                first,
                mobile,
                e164,
                e164,
                email,
                email,
                account_id,
                partner_id,
                date.fromordinal(birth_origin + rng.randrange(birth_span)),
                now,
                now,
            )
        )
    writer.flush()
    return by_account, names


# --- calendar events (COPY) -------------------------------------------------------
class EventWriter:
    """calendar_event rows with their calendar_event_res_partner_rel and
    calendar_attendee rows, of two kinds: appointments and other events. Each
    kind starts from a prototype the ORM created (an appointment booked through
    ``calendar.event.create``, an ordinary event), so that the columns not
    generated here hold what the ORM writes for that kind (``privacy`` 'public'
    on appointments, Odoo's default on the others, ``calendoc_state`` and
    ``calendoc_source`` defaults...)."""

    COLUMNS = [
        "id",
        "name",
        "start",
        "stop",
        "duration",
        "allday",
        "start_date",
        "stop_date",
        "user_id",
        "show_as",
        "create_date",
        "write_date",
    ]
    APPOINTMENT_COLUMNS = COLUMNS + [
        "calendoc_practitioner_id",
        "calendoc_practice_id",
        "calendoc_account_id",
        "calendoc_type_id",
        "calendoc_requester_id",
        "calendoc_state",
        "calendoc_source",
        "calendoc_cancel_reason",
        "calendoc_cancel_date",
        "calendoc_cancelled_by_id",
        "calendoc_booked_at",
        "calendoc_reminder_due",
        "calendoc_reminder_sent",
    ]
    ATTENDEE_COLUMNS = [
        "id",
        "event_id",
        "partner_id",
        "common_name",
        "state",
        "access_token",
        "create_date",
        "write_date",
    ]
    # Prototype columns that belong to the prototype only.
    EVENT_OWN = ("access_token", "recurrence_id", "res_id", "res_model", "res_model_id")
    ATTENDEE_OWN = ("access_token",)

    def __init__(self, env, rng, config):
        cr = env.cr
        self.cr = cr
        self.rng = rng
        self.partner_names = None  # set once the requesters are loaded
        plain = prototype_rows(env, self._plain_prototype)
        appointment = prototype_rows(
            env, lambda e: self._appointment_prototype(e, config)
        )
        self.prototypes = {"event": plain, "appointment": appointment}
        self.events = {}
        self.attendees = {}
        for kind, proto, columns in (
            ("event", plain, self.COLUMNS),
            ("appointment", appointment, self.APPOINTMENT_COLUMNS),
        ):
            event = dict(proto["calendar_event"][0])
            attendee = dict(proto["calendar_attendee"][0])
            for column in self.EVENT_OWN:
                event.pop(column, None)
            for column in self.ATTENDEE_OWN:
                attendee.pop(column, None)
            self.events[kind] = CopyWriter(cr, "calendar_event", columns, event)
            self.attendees[kind] = CopyWriter(
                cr, "calendar_attendee", self.ATTENDEE_COLUMNS, attendee
            )
        self.rel = CopyWriter(
            cr,
            "calendar_event_res_partner_rel",
            ["calendar_event_id", "res_partner_id"],
        )
        # No id reserved yet (ids start at 1: an id 0 would be a falsy record).
        self.next_id, self.last_id = 1, 0
        self.attendee_block = []

    @staticmethod
    def _plain_prototype(env):
        partner = env.user.partner_id
        now = datetime.now().replace(microsecond=0)
        event = (
            env["calendar.event"]
            .with_context(no_mail_to_attendees=True, mail_create_nolog=True)
            .create(
                {
                    "name": "Prototype",
                    "start": now,
                    "stop": now + timedelta(minutes=DURATION_MIN),
                    "partner_ids": [(6, 0, partner.ids)],
                }
            )
        )
        return {
            "calendar_event": event.ids,
            "calendar_attendee": event.attendee_ids.ids,
        }

    @staticmethod
    def _appointment_prototype(env, config):
        """An appointment booked as a secretary books it: the ORM fills the
        practice, the account, the stop, the attendees (the requester only), the
        privacy, the booking time and the reminder; the credit charge and the
        SMS confirmation are rolled back with it."""
        _accounts, _calendar, _practices, practitioners, types = config
        practitioner = practitioners[0]
        apt_type = types.filtered(lambda t: practitioner in t.practitioner_ids)[:1]
        account = apt_type.practice_id.account_id
        requester = env["res.partner"].create(
            {
                "calendoc_last_name": "Prototype",
                "calendoc_first_name": "Anaïs",
                "is_calendoc_requester": True,
                "calendoc_account_id": account.id,
                "mobile": "06 12 34 56 78",
            }
        )
        # A Monday morning more than a year ahead, far from any generated
        # appointment (the reminder rule is then "two days before").
        day = date.today() + timedelta(days=400)
        day += timedelta(days=-day.weekday())
        local = datetime.combine(day, datetime.min.time()) + timedelta(hours=9)
        start = PARIS.localize(local).astimezone(pytz.utc).replace(tzinfo=None)
        event = env["calendar.event"].create(
            {
                "calendoc_practitioner_id": practitioner.id,
                "calendoc_type_id": apt_type.id,
                "calendoc_requester_id": requester.id,
                "calendoc_source": "phone",
                "start": start,
            }
        )
        event.flush_recordset()
        if event.partner_ids != requester or event.attendee_ids.partner_id != requester:
            sys.exit(
                "the ORM no longer gives an appointment the requester as only "
                "attendee (%s): update the generator" % event.partner_ids.mapped("name")
            )
        return {
            "calendar_event": event.ids,
            "calendar_attendee": event.attendee_ids.ids,
        }

    def add(self, kind, values, attendees):
        """``kind``: 'appointment' or 'event'; ``values``: APPOINTMENT_COLUMNS or
        COLUMNS but id; ``attendees``: [(partner id, state)]."""
        if self.next_id > self.last_id:
            # ids by blocks: the total is not known in advance
            self.next_id = reserve_ids(self.cr, "calendar_event", COPY_BATCH)
            self.last_id = self.next_id + COPY_BATCH - 1
        event_id = self.next_id
        self.next_id += 1
        self.events[kind].add((event_id,) + values)
        created = values[self.COLUMNS.index("create_date") - 1]
        for partner_id, state in attendees:
            self.rel.add((event_id, partner_id))
            self.attendee_block.append((kind, event_id, partner_id, state, created))
        return event_id

    def flush(self, cr):
        for writer in self.events.values():
            writer.flush()
        self.rel.flush()
        first = reserve_ids(cr, "calendar_attendee", len(self.attendee_block))
        for offset, (kind, event_id, partner_id, state, created) in enumerate(
            self.attendee_block
        ):
            self.attendees[kind].add(
                (
                    first + offset,
                    event_id,
                    partner_id,
                    self.partner_names(partner_id),
                    state,
                    "%032x" % self.rng.getrandbits(128),
                    created,
                    created,
                )
            )
        for writer in self.attendees.values():
            writer.flush()
        self.attendee_block = []


def holiday_dates(env, practices):
    """Local dates of the practices' public holidays (global time off)."""
    calendars = practices.holiday_calendar_id
    dates = set()
    if not calendars:
        return dates
    env.cr.execute(
        """
        SELECT date_from, date_to FROM resource_calendar_leaves
         WHERE resource_id IS NULL AND calendar_id = ANY(%s)
        """,
        [calendars.ids],
    )
    for date_from, date_to in env.cr.fetchall():
        day = pytz.utc.localize(date_from).astimezone(PARIS).date()
        last = (
            pytz.utc.localize(date_to - timedelta(seconds=1)).astimezone(PARIS).date()
        )
        while day <= last:
            dates.add(day)
            day += timedelta(days=1)
    return dates


def day_slots(day):
    """UTC (start, stop) of the 20-minute slots of the working hours of ``day``."""
    slots = []
    for hour_from, hour_to, _period in HOURS:
        minute = round(hour_from * 60)
        while minute + DURATION_MIN <= hour_to * 60:
            local = datetime.combine(day, datetime.min.time()) + timedelta(
                minutes=minute
            )
            start = PARIS.localize(local).astimezone(pytz.utc).replace(tzinfo=None)
            slots.append((start, start + timedelta(minutes=DURATION_MIN)))
            minute += DURATION_MIN
    return slots


def working_days(start, step, holidays):
    """Mon-Fri non-holiday dates from ``start`` going ``step`` (+1/-1) days."""
    day = start
    while True:
        if day.weekday() < 5 and day not in holidays:
            yield day
        day += timedelta(days=step)


def reminder_due(start, booked_at, state):
    """``calendoc_reminder_due`` as ``_calendoc_reminder_due_at`` computes it, for
    a booking made at least a day ahead (the generator books 7 days ahead)."""
    if state not in REMINDED_STATES:
        return None
    lead = start - booked_at
    if lead > timedelta(days=7):
        return start - timedelta(days=2)
    if lead >= timedelta(days=1):
        return start - timedelta(days=1)
    raise ValueError("same-day bookings are not generated")


def reminder_sent(start, booked_at, state, now):
    """When the reminder cron handled the appointment's reminder: at the time it
    fell due, if that is past (done and no-show appointments were reminded while
    still booked); None for cancelled ones and reminders still to come."""
    if state == "cancelled":
        return None
    due = reminder_due(start, booked_at, "booked")
    return due if due <= now else None


def spread(total, parts):
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def generate_appointments(env, args, rng, writer, config, requesters, now):
    """Non-overlapping 20-minute appointments on working hours, past and future.
    Each practitioner's slots are drawn without replacement from his working-day
    grid: no two of his appointments can overlap (the exclusion constraint checks
    it again on COPY)."""
    _accounts, _calendar, practices, practitioners, types = config
    holidays = holiday_dates(env, practices)
    type_of = {t.practice_id.id: t for t in types}
    today = pytz.utc.localize(now).astimezone(PARIS).date()
    past_state = weighted(rng, PAST_STATES)
    future_state = weighted(rng, FUTURE_STATES)
    source = weighted(rng, SOURCES)
    slots_cache = {}
    span = {"first": today, "last": today, "count": 0}
    shares = list(
        zip(
            spread(args.past_appointments, len(practitioners)),
            spread(args.future_appointments, len(practitioners)),
            strict=True,
        )
    )
    for practitioner, (n_past, n_future) in zip(practitioners, shares, strict=True):
        practice = practitioner.practice_ids[0]
        apt_type = type_of[practice.id]
        pool = requesters[practice.account_id.id]
        if not pool:
            sys.exit("no requester for account %s" % practice.account_id.name)
        for n_wanted, step, past in ((n_past, -1, True), (n_future, 1, False)):
            made = 0
            days = working_days(today + timedelta(days=step), step, holidays)
            for index, day in enumerate(days):
                if made >= n_wanted:
                    break
                if day not in slots_cache:
                    slots_cache[day] = day_slots(day)
                # The near future is fuller than the far one; the past is steady.
                rate = args.occupancy if past else args.occupancy * 0.97**index
                rate = max(rate, 0.1)
                for start, stop in slots_cache[day]:
                    if made >= n_wanted:
                        break
                    if rng.random() >= rate:
                        continue
                    made += 1
                    state = past_state() if past else future_state()
                    cancelled = state == "cancelled"
                    requester_id = rng.choice(pool)
                    booked_at = min(start, now) - timedelta(days=7)
                    due = reminder_due(start, booked_at, state)
                    writer.add(
                        "appointment",
                        (
                            "Consultation — %s" % writer.partner_names(requester_id),
                            start,
                            stop,
                            round(DURATION_MIN / 60, 2),  # as the ORM rounds it
                            False,
                            None,
                            None,
                            args.user_id,
                            "busy",
                            booked_at,
                            booked_at,
                            practitioner.id,
                            practice.id,
                            practice.account_id.id,
                            apt_type.id,
                            requester_id,
                            state,
                            source(),
                            "Empêchement du patient" if cancelled else None,
                            min(start, now) - timedelta(days=1) if cancelled else None,
                            args.user_id if cancelled else None,
                            booked_at,
                            due,
                            reminder_sent(start, booked_at, state, now),
                        ),
                        # The requester only (the ORM's rule since commit 75be6c4).
                        [(requester_id, "accepted" if past else "needsAction")],
                    )
                    span["first"] = min(span["first"], day)
                    span["last"] = max(span["last"], day)
            span["count"] += made
            if made < n_wanted:
                sys.exit("could not place %d appointments" % n_wanted)
    return span


def generate_other_events(env, args, rng, writer, practitioners, requesters, span, now):
    """Events that are not appointments: the practitioners' own busy events
    (``--practitioner-busy-per-week`` a week each, on different days, some in
    the working hours: the slot engine reads them through their attendee, the
    practitioner's contact) and ordinary Odoo events of the company's users
    (bloat, as in a real database): ``--extra-events`` of them, or as many as
    ``--total-events`` leaves room for."""
    cr = env.cr
    count = 0
    monday = span["first"] - timedelta(days=span["first"].weekday())
    per_week = min(args.practitioner_busy_per_week, 5)
    while monday <= span["last"]:
        for practitioner in practitioners:
            for weekday in rng.sample(range(5), per_week):
                hour, minute, what = rng.choice(PRIVATE_EVENTS)
                local = datetime.combine(
                    monday + timedelta(days=weekday), datetime.min.time()
                ) + timedelta(hours=hour, minutes=minute)
                start = PARIS.localize(local).astimezone(pytz.utc).replace(tzinfo=None)
                writer.add(
                    "event",
                    (
                        "%s %s" % (TAG, what),
                        start,
                        start + timedelta(hours=1),
                        1.0,
                        False,
                        None,
                        None,
                        args.user_id,
                        "busy",
                        start - timedelta(days=14),
                        start - timedelta(days=14),
                    ),
                    # The practitioner's contact attends his own events: the
                    # slot engine reads them as busy time.
                    [
                        (
                            practitioner.partner_id.id,
                            "declined" if rng.random() < 0.05 else "accepted",
                        )
                    ],
                )
                count += 1
        monday += timedelta(days=7)
    extra = args.extra_events
    if args.total_events is not None:
        extra = max(0, args.total_events - args.events_before - span["count"] - count)
    cr.execute(
        "SELECT id, partner_id FROM res_users WHERE active AND NOT share AND id > 1"
    )
    users = cr.fetchall() or [(args.user_id, env.user.partner_id.id)]
    contacts = [pid for ids in requesters.values() for pid in ids] or [
        env.user.partner_id.id
    ]
    origin = now - timedelta(days=3 * 365)
    span_minutes = 4 * 365 * 24 * 60
    for n in range(extra):
        user_id, user_partner = rng.choice(users)
        allday = rng.random() < 0.05
        start = origin + timedelta(minutes=15 * (rng.randrange(span_minutes) // 15))
        if allday:
            start_date = start.date()
            stop_date = start_date + timedelta(days=rng.choice((0, 0, 0, 1, 4)))
            start = datetime.combine(start_date, datetime.min.time()) + timedelta(
                hours=8
            )
            stop = datetime.combine(stop_date, datetime.min.time()) + timedelta(
                hours=18
            )
            duration = 10.0
        else:
            start_date = stop_date = None
            duration = rng.choice((0.5, 0.5, 1.0, 1.0, 1.5, 2.0))
            stop = start + timedelta(hours=duration)
        attendees = [(user_partner, "accepted")]
        for partner_id in {rng.choice(contacts) for _n in range(rng.randrange(3))}:
            if partner_id != user_partner:
                attendees.append((partner_id, rng.choice(("needsAction", "accepted"))))
        created = min(start, now) - timedelta(days=10)
        writer.add(
            "event",
            (
                "%s %s" % (TAG, OTHER_EVENT_NAMES[n % len(OTHER_EVENT_NAMES)]),
                start,
                stop,
                duration,
                allday,
                start_date,
                stop_date,
                user_id,
                "free" if rng.random() < 0.1 else "busy",
                created,
                created,
            ),
            attendees,
        )
        count += 1
        if len(writer.attendee_block) >= COPY_BATCH:
            writer.flush(cr)
    return count


def check_appointments(env, practitioners, sample=500):
    """Read a random sample of the generated appointments (half past, half to
    come) through the ORM and compare what was generated with what the ORM
    computes or writes: the attendees (the requester only), the privacy, the
    client account (related) and the reminder due time."""
    cr = env.cr
    cr.execute(
        """
        SELECT id FROM (
            SELECT id, row_number() OVER (
                       PARTITION BY start > now() AT TIME ZONE 'UTC' ORDER BY random()
                   ) AS n
              FROM calendar_event WHERE calendoc_practitioner_id = ANY(%s)
        ) drawn WHERE n <= %s
        """,
        [practitioners.ids, sample // 2],
    )
    events = env["calendar.event"].browse(row[0] for row in cr.fetchall())
    problems = []
    for event in events:
        requester = event.calendoc_requester_id
        due = event._calendoc_reminder_due_at() or False
        for what, found, expected in (
            ("partner_ids", event.partner_ids, requester),
            ("attendees", event.attendee_ids.partner_id, requester),
            ("privacy", event.privacy, "public"),
            (
                "calendoc_account_id",
                event.calendoc_account_id,
                event.calendoc_practice_id.account_id,
            ),
            ("calendoc_reminder_due", event.calendoc_reminder_due, due),
        ):
            if found != expected:
                problems.append(
                    "event %d %s: %r, the ORM gives %r"
                    % (event.id, what, found, expected)
                )
    if problems:
        sys.exit(
            "generated appointments differ from the ORM's (data committed):\n  "
            + "\n  ".join(problems[:10])
        )
    log("  %d sampled appointments match the ORM", len(events))


# --- main -----------------------------------------------------------------------
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="odoo.conf")
    parser.add_argument(
        "--db", required=True, help="bench database (not calendoc_test)"
    )
    parser.add_argument(
        "--from-template",
        metavar="DB",
        help="first drop --db and recreate it as a copy of DB (e.g. calendoc_test)",
    )
    parser.add_argument("--drop", action="store_true", help="delete BENCH data first")
    parser.add_argument("--practices", type=int, default=1)
    parser.add_argument("--practitioners", type=int, default=50)
    parser.add_argument(
        "--accounts", type=int, help="client accounts (default: practices)"
    )
    parser.add_argument("--requesters", type=int, default=10_000)
    parser.add_argument("--past-appointments", type=int, default=10_000)
    parser.add_argument("--future-appointments", type=int, default=1_000)
    parser.add_argument("--extra-events", type=int, default=0)
    parser.add_argument(
        "--total-events",
        type=int,
        help="instead of --extra-events: as many ordinary events as make the "
        "calendar_event table reach this count",
    )
    parser.add_argument(
        "--practitioner-busy-per-week",
        type=int,
        default=3,
        help="private events per practitioner and week, on different days "
        "(default 3, at most 5)",
    )
    parser.add_argument(
        "--occupancy",
        type=float,
        default=0.6,
        help="share of working-hour slots taken in the past and the next days",
    )
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    if args.db in PROTECTED_DBS or args.db == args.from_template:
        parser.error(
            "refusing to write to %s: use a dedicated bench database" % args.db
        )
    if args.practices < 1 or args.practitioners < args.practices:
        parser.error("need at least one practice and one practitioner per practice")
    if (args.past_appointments or args.future_appointments) and not args.requesters:
        parser.error("appointments need requesters")
    return args


def main(argv=None):
    args = parse_args(argv)
    rng = random.Random(args.seed)
    started = time.monotonic()
    steps = []

    def step(label, since):
        steps.append((label, time.monotonic() - since))
        log("  %-38s %7.1f s", label, steps[-1][1])
        return time.monotonic()

    if args.from_template:
        import odoo

        odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"])
        copy_database(odoo.tools.config, args.from_template, args.db)
    with odoo_env(args.config, args.db) as env:
        check_schema(env)
        cr = env.cr
        args.user_id = env.ref("base.user_admin").id
        now = datetime.utcnow().replace(second=0, microsecond=0)
        t = time.monotonic()
        if args.drop:
            drop_bench_data(env)
            t = step("drop previous BENCH data", t)
        # A bulk load: no need to wait for the WAL at each COPY.
        cr.execute("SET LOCAL synchronous_commit = off")
        cr.execute("SET LOCAL maintenance_work_mem = '512MB'")
        config = create_configuration(env, args, rng)
        accounts, _calendar, practices, practitioners, types = config
        t = step("configuration records (ORM)", t)
        # The prototypes first: ORM code may search tables whose indexes the bulk
        # load drops.
        proto = requester_prototype(env, accounts[0])
        writer = EventWriter(env, rng, config)
        cr.execute("SELECT count(*) FROM calendar_event")
        args.events_before = cr.fetchone()[0]
        rows = args.requesters + args.past_appointments
        rows += args.extra_events if args.total_events is None else args.total_events
        big = rows > 200_000
        with bulk_load(cr, BIG_TABLES if big else []):
            requesters, names = generate_requesters(
                env, args, rng, accounts, now, proto
            )
            t = step("%d requesters (COPY)" % args.requesters, t)
            # Event names and attendee common names need the partners' names.
            cr.execute(
                "SELECT id, name FROM res_partner WHERE id = ANY(%s) OR id IN "
                "(SELECT partner_id FROM res_users)",
                [practitioners.partner_id.ids],
            )
            names.update(cr.fetchall())
            writer.partner_names = names.__getitem__
            span = generate_appointments(
                env, args, rng, writer, config, requesters, now
            )
            writer.flush(cr)
            t = step("%d appointments (COPY)" % span["count"], t)
            n_other = generate_other_events(
                env, args, rng, writer, practitioners, requesters, span, now
            )
            writer.flush(cr)
            t = step("%d other events (COPY)" % n_other, t)
        if big:
            t = step("indexes rebuilt", t)
        cr.commit()
        t = step("commit", t)
        check_appointments(env, practitioners)
        t = step("sample checked against the ORM", t)
    # VACUUM cannot run in a transaction: a connection of its own, autocommit.
    import odoo

    db = odoo.sql_db.db_connect(args.db)
    with db.cursor() as cr:
        cr._cnx.autocommit = True
        for table in (
            "res_partner",
            "calendar_event",
            "calendar_event_res_partner_rel",
            "calendar_attendee",
        ):
            cr.execute(f'VACUUM (ANALYZE) "{table}"')
        cr.execute("ANALYZE")
        t = step("VACUUM ANALYZE", t)
        cr.execute(
            """
            SELECT (SELECT count(*) FROM res_partner),
                   (SELECT count(*) FROM calendar_event),
                   (SELECT count(*) FROM calendar_event
                     WHERE calendoc_practitioner_id IS NOT NULL),
                   (SELECT count(*) FROM calendar_event_res_partner_rel),
                   (SELECT count(*) FROM calendar_attendee)
            """
        )
        partners, events, appointments, rel, attendees = cr.fetchone()
    log(
        "%s: %d accounts, %d practices, %d practitioners, %d appointment types; "
        "%d requesters; %d appointments (%s to %s) and %d other events",
        args.db,
        len(accounts),
        len(practices),
        len(practitioners),
        len(types),
        args.requesters,
        span["count"],
        span["first"],
        span["last"],
        n_other,
    )
    log(
        "tables now: res_partner %d, calendar_event %d (%d appointments), "
        "calendar_event_res_partner_rel %d, calendar_attendee %d",
        partners,
        events,
        appointments,
        rel,
        attendees,
    )
    log("done in %.1f s", time.monotonic() - started)


if __name__ == "__main__":
    main()
