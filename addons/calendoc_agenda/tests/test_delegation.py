from datetime import datetime, timedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, new_test_user, tagged

from .common import CalendocCase

NOW = datetime(2026, 3, 23, 8, 0)


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestDelegation(CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.delegate = new_test_user(
            cls.env,
            login="delegate_secretary",
            groups="calendoc_agenda.group_calendoc_secretary",
        )
        cls.doctor.partner_id.email = "alice.test@example.fr"
        cls.event = cls.book(cls, datetime(2026, 3, 25, 8, 0))

    def delegate_agenda(self, **values):
        return self.env["calendoc.delegation"].create(
            {
                "grantor_account_id": self.account.id,
                "grantee_user_id": self.delegate.id,
                "scope_agenda_read": True,
                "reason": "Congés de la secrétaire",
                "date_start": NOW,
                "date_end": NOW + timedelta(days=7),
                **values,
            }
        )

    def sees(self, user, record):
        return bool(record.with_user(user).search([("id", "=", record.id)]))

    def test_delegation_works_for_its_period_and_scopes_only(self):
        self.assertFalse(self.sees(self.delegate, self.event))
        delegation = self.delegate_agenda()
        self.assertEqual(delegation.state, "active")
        self.assertTrue(self.sees(self.delegate, self.event))
        self.assertFalse(
            self.sees(self.delegate, self.requester), "requesters were not delegated"
        )
        with self.assertRaises(AccessError):
            self.event.with_user(self.delegate).write({"calendoc_remarks": "x"})
        with freeze_time(NOW + timedelta(days=7, seconds=1)):
            # no cron ran: the dates alone end it
            self.assertFalse(self.sees(self.delegate, self.event))
            self.assertEqual(delegation.state, "expired")
        with freeze_time(NOW - timedelta(days=1)):
            self.assertFalse(self.sees(self.delegate, self.event))

    def test_revocation_stops_at_once_and_everything_is_logged_and_told(self):
        delegation = self.delegate_agenda(
            scope_agenda_write=True, scope_requesters=True
        )
        mail = delegation.message_ids.filtered(
            lambda m: self.doctor.partner_id in m.partner_ids
        )
        self.assertTrue(
            mail, "the agenda holder is emailed when rights on his agenda change"
        )
        booked = (
            self.env["calendar.event"]
            .with_user(self.delegate)
            .create(
                {
                    "calendoc_practitioner_id": self.doctor.id,
                    "calendoc_type_id": self.consult.id,
                    "calendoc_requester_id": self.requester.id,
                    "start": datetime(2026, 3, 25, 9, 0),
                }
            )
        )
        delegation.date_end = NOW + timedelta(days=3)
        delegation.action_revoke()
        self.assertEqual(delegation.state, "revoked")
        self.assertFalse(self.sees(self.delegate, booked))
        actions = delegation.log_ids.sorted("id").mapped("action")
        self.assertEqual(actions, ["grant", "use", "change", "revoke"])
        use = delegation.log_ids.filtered(lambda log: log.action == "use")
        self.assertEqual(
            (use.res_model, use.res_id, use.user_id),
            ("calendar.event", booked.id, self.delegate),
        )
        self.assertEqual(
            len(
                delegation.message_ids.filtered(
                    lambda m: self.doctor.partner_id in m.partner_ids
                )
            ),
            3,
        )
        with self.assertRaises(UserError):
            delegation.write({"date_end": NOW + timedelta(days=30)})
        with self.assertRaises(UserError):
            delegation.unlink()

    def test_practitioner_lends_his_own_agenda(self):
        doctor_user = new_test_user(
            self.env,
            login="alice_user",
            password="alice_user-password",
            groups="calendoc_agenda.group_calendoc_practitioner",
        )
        self.doctor.user_id = doctor_user
        other = self.book(datetime(2026, 3, 25, 8, 0), practitioner=self.doctor2)
        self.env["calendoc.delegation"].with_user(doctor_user).create(
            {
                "grantor_user_id": doctor_user.id,
                "grantee_user_id": self.delegate.id,
                "scope_agenda_read": True,
                "reason": "Mon agenda pendant mon absence",
            }
        )
        self.assertTrue(self.sees(self.delegate, self.event))
        self.assertFalse(self.sees(self.delegate, other), "only the lender's agenda")
        # a practitioner sees his colleagues only when allowed
        self.assertFalse(self.sees(doctor_user, other))
        self.doctor.see_colleagues = True
        self.assertTrue(self.sees(doctor_user, other))

    def test_bad_delegations_are_refused(self):
        Delegation = self.env["calendoc.delegation"]
        count = Delegation.search_count([])
        base = {"reason": "x", "scope_agenda_read": True}
        firm = self.env["res.partner"].create(
            {"name": "Cabinet sans utilisateur", "is_company": True}
        )
        cases = {
            "oneself": dict(
                base,
                grantor_account_id=self.account.id,
                grantee_account_id=self.account.id,
            ),
            "end before start": dict(
                base,
                grantor_account_id=self.account.id,
                grantee_user_id=self.delegate.id,
                date_start=NOW,
                date_end=NOW - timedelta(hours=1),
            ),
            "no scope": {
                "reason": "x",
                "grantor_account_id": self.account.id,
                "grantee_user_id": self.delegate.id,
            },
            "grantee without user": dict(
                base, grantor_account_id=self.account.id, grantee_account_id=firm.id
            ),
            "two grantors": dict(
                base,
                grantor_account_id=self.account.id,
                grantor_user_id=self.delegate.id,
                grantee_user_id=self.secretary.id,
            ),
        }
        for label, values in cases.items():
            with (
                self.subTest(label),
                self.assertRaises(ValidationError),
                self.cr.savepoint(),
            ):
                Delegation.create(values)
        # a loop: A lends to B's users while B lends the same to A's
        firm_b = self.env["res.partner"].create(
            {"name": "Firme B", "is_company": True, "is_calendoc_client": True}
        )
        self.delegate.partner_id.parent_id = firm_b
        self.secretary.partner_id.parent_id = self.account
        Delegation.create(
            dict(base, grantor_account_id=self.account.id, grantee_account_id=firm_b.id)
        )
        with self.assertRaisesRegex(ValidationError, "loop"), self.cr.savepoint():
            Delegation.create(
                dict(
                    base,
                    grantor_account_id=firm_b.id,
                    grantee_account_id=self.account.id,
                )
            )
        self.assertEqual(Delegation.search_count([]), count + 1)
