"""The isolation suite on HTTP: every CalenDoc route that takes the id of a
record (in its path or as a parameter), found in Odoo's routing map, is asked
by the users of account A — its portal administrator, its portal
practitioner, its secretary — and by a visitor, with the ids of account B's
records. Expected: a refusal (403/404, or the login page), never a page that
shows B's data. A route taking an id this suite cannot map to a model fails
it: a new route cannot be forgotten."""

import inspect
import logging
import re

from odoo.tests import HttpCase, tagged

from isolation_common import MARK, build_isolation, password_of

_logger = logging.getLogger(__name__)

# What each id a route takes is the id of (None: not an account's record).
PARAM_MODELS = {
    "event_id": "calendar.event",
    "thread_id": "calendoc.requester.thread",
    "requester_id": "requester",
    "practitioner_id": "calendoc.practitioner",
    "export_id": "calendoc.gdpr.export",
    "page": None,
    "product_id": None,  # the firm's packs on sale, public
    # the firm's sub-processors (calendoc_gdpr), the same list for every account
    "subprocessor_id": None,
}
CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


@tagged("post_install", "-at_install")
class TestIsolationRoutes(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a, cls.b, cls.users = build_isolation(cls.env)

    def calendoc_routes(self):
        """(url pattern, endpoint function, methods) of every CalenDoc route."""
        found = []
        for rule in self.env["ir.http"].routing_map().iter_rules():
            function = rule.endpoint.func if hasattr(rule.endpoint, "func") else None
            module = getattr(function, "__module__", "") or ""
            if not module.startswith("odoo.addons.calendoc_"):
                continue
            found.append((rule.rule, function, rule.endpoint.routing))
        return found

    def id_params(self, pattern, function):
        """The names of the ids a route takes: its path's int converters and
        its keyword parameters named like ids."""
        names = [name for kind, name in CONVERTER.findall(pattern) if kind == "int"]
        for name in inspect.signature(function).parameters:
            if name.endswith("_id") and name not in names:
                names.append(name)
        return names

    def test_routes_never_show_another_accounts_records(self):
        attackers = {
            role: self.users[role]
            for role in ("portal_client", "portal_practitioner", "secretary")
        }
        attackers["visitor"] = None
        tried = 0
        routes = [
            (pattern, function, routing)
            for pattern, function, routing in self.calendoc_routes()
            if self.id_params(pattern, function)
        ]
        self.assertTrue(routes, "the routing map has CalenDoc routes with ids")
        for pattern, function, _routing in routes:
            names = self.id_params(pattern, function)
            for name in names:
                self.assertIn(
                    name, PARAM_MODELS, f"{pattern}: say what {name} is the id of"
                )
            path, query = self.url_for_b(pattern, names)
            if path is None:
                continue
            for role, user in attackers.items():
                if user is None:
                    self.logout()
                else:
                    self.authenticate(user.login, password_of(user.login))
                with self.subTest(route=pattern, role=role):
                    tried += 1
                    response = self.url_open(
                        path + query, allow_redirects=False, timeout=30
                    )
                    self.assertLess(response.status_code, 500, f"{role} {path}")
                    self.assertNotIn(
                        MARK, response.text, f"{role} sees account B on {path}{query}"
                    )
                    if response.status_code in (301, 302, 303):
                        self.assertNotIn(
                            MARK, response.headers.get("Location", ""), path
                        )
        _logger.info("isolation suite: %s route requests with B's ids", tried)
        self.assertGreater(tried, 10)
        # the same page shows his own account's data: the check above can fail
        admin = self.users["portal_client"]
        self.authenticate(admin.login, password_of(admin.login))
        own = self.url_open(
            f"/my/calendoc/appointments/{self.a['calendar.event'].id}", timeout=30
        )
        self.assertEqual(own.status_code, 200)
        self.assertIn("ALPHA", own.text)

    def url_for_b(self, pattern, names):
        """The route's URL and query string with the ids of B's records."""
        query = []
        path = pattern
        for kind, name in CONVERTER.findall(pattern):
            if kind == "int":
                value = self.id_of_b(name)
                path = path.replace(f"<int:{name}>", str(value))
            elif kind in ("string", "") or kind is None:
                # tokens and slugs: a wrong one, with B's ids around it
                path = re.sub(rf"<(?:\w+:)?{name}>", "not-the-token", path)
            else:
                return None, ""
        for name in names:
            if f"<int:{name}>" not in pattern:
                value = self.id_of_b(name)
                if value:
                    query.append(f"{name}={value}")
        return path, ("?" + "&".join(query)) if query else ""

    def id_of_b(self, name):
        model = PARAM_MODELS[name]
        if model is None:
            return 1
        if model == "requester":
            return self.b["requester"].id
        return self.b[model][:1].id

    def test_the_portal_account_form_grants_nothing(self):
        """A portal user posting his contact details with the fields that would
        move him into account B or make him a client account: none is
        written."""
        admin = self.users["portal_client"]
        partner = admin.partner_id
        self.authenticate(admin.login, password_of(admin.login))
        page = self.url_open("/my/account", timeout=30)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.url_open(
            "/my/account",
            data={
                "csrf_token": token,
                "name": "Nouveau nom",
                "email": "nouveau@isoa.example.fr",
                "phone": "0241000099",
                "street": "1 rue du Port",
                "city": "Angers",
                "zipcode": "49000",
                "country_id": str(self.env.ref("base.fr").id),
                "parent_id": str(self.b["account"].id),
                "commercial_partner_id": str(self.b["account"].id),
                "is_calendoc_client": "1",
                "calendoc_permanence_code": "ISOB",
                "calendoc_secretary_ids": str(self.users["secretary"].id),
            },
            timeout=30,
        )
        self.assertLess(response.status_code, 500)
        partner.invalidate_recordset()
        self.assertEqual(partner.parent_id, self.a["account"])
        self.assertEqual(partner.commercial_partner_id, self.a["account"])
        self.assertFalse(partner.is_calendoc_client)
        self.assertFalse(partner.calendoc_permanence_code)
        self.assertEqual(self.b["account"].calendoc_permanence_code, "ISOB")
