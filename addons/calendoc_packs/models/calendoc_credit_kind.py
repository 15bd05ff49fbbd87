from collections import namedtuple

from odoo import Command, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

# The credits left of one kind, as the statement and the portal show them.
KindBalance = namedtuple("KindBalance", "code name credits")


def kind_selection(model):
    """The credit kinds as the values of a selection field (codes, names):
    fields that record a kind by its code take ``selection=kind_selection``."""
    return model.env["calendoc.credit.kind"]._selection()


class CalendocCreditKind(models.Model):
    """A kind of credits (appointments, SMS, credits that pay for both...): the
    firm's configuration, as data records. The ledger records a kind by its
    code; packs for sale list their credits per kind; a charge names the kind
    it consumes (``res.partner._calendoc_consume_credits``) and is paid by that
    kind's credits first, then by the kinds that also pay for it. A new kind is
    a new record: no field, no SQL and no list of kinds names one in the code."""

    _name = "calendoc.credit.kind"
    _description = "Credit kind"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="How the ledger records this kind and a charge names it (bookings "
        "and SMS are charged by the codes of their kinds).",
    )
    sequence = fields.Integer(
        default=10,
        help="Order of display, and in which order the kinds that also pay for "
        "a consumption are spent.",
    )
    pays_for_ids = fields.Many2many(
        "calendoc.credit.kind",
        "calendoc_credit_kind_pays_for_rel",
        "kind_id",
        "paid_kind_id",
        string="Also pays for",
        help="Consumptions of these kinds spend these credits once their own "
        "credits are spent.",
    )
    per_sms_segment = fields.Boolean(
        string="Charged per SMS segment",
        help="A charge counts SMS segments, each costing the credits of its "
        "destination country's SMS tariff; the ledger names the kind, never the "
        "message or its number.",
    )
    free_with_standard = fields.Boolean(
        string="Free within the Standard limits",
        help="Without a valid pack, a Standard client goes on consuming this kind "
        "for free, up to the offer's monthly limit.",
    )

    _sql_constraints = [
        ("code_uniq", "unique (code)", "Two credit kinds cannot share a code."),
    ]

    @api.constrains("code")
    def _check_code(self):
        for kind in self:
            if not kind.code.isidentifier():
                raise ValidationError(
                    self.env._(
                        "The code of the credit kind %(kind)s is one word of "
                        "letters, digits and underscores.",
                        kind=kind.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        kinds = super().create(vals_list)
        self.env.registry.clear_cache()  # _kinds
        return kinds

    def write(self, vals):
        if "code" in vals and self._used_in_ledger():
            raise UserError(
                self.env._(
                    "The ledger records credits of this kind by its code: it "
                    "cannot change."
                )
            )
        result = super().write(vals)
        self.env.registry.clear_cache()  # _kinds
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        if self._used_in_ledger():
            raise UserError(
                self.env._("The ledger holds credits of this kind: it stays.")
            )

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()  # _kinds
        return result

    # --- business methods --------------------------------------------------------
    @api.model
    def _selection(self):
        """The kinds as a selection (code, name in the user's language): the
        values of the ledger's ``kind``."""
        return [(code, kind["name"]) for code, kind in self._kinds().items()]

    @api.model
    def _codes(self):
        """The codes of every kind, in their order: the kinds a balance has."""
        return tuple(self._kinds())

    @api.model
    def _charge_rule(self, code):
        """How a consumption of the kind ``code`` is charged: see ``_kinds``.
        An unknown code is refused."""
        rule = self._kinds().get(code)
        if rule is None:
            raise UserError(self.env._("%(code)s is not a kind of credits.", code=code))
        return rule

    @api.model
    @tools.ormcache("self.env.lang")
    def _kinds(self):
        """Every kind by code, in their order (read by every charge and every
        balance, hence cached): its ``name`` in the user's language, the
        ``sources`` that pay for its consumption in order (its own code first,
        then the kinds that also pay for it, in their order), its
        ``per_sms_segment`` and ``free_with_standard`` flags."""
        # sudo: the firm's configuration, read by every charge, whoever books
        # (a patient online), and named to every client
        kinds = self.sudo().search([])
        return {
            kind.code: {
                "name": kind.name,
                "sources": (kind.code,)
                + tuple(
                    payer.code
                    for payer in kinds
                    if payer != kind and kind in payer.pays_for_ids
                ),
                "per_sms_segment": kind.per_sms_segment,
                "free_with_standard": kind.free_with_standard,
            }
            for kind in kinds
        }

    @api.model
    def _credit_commands(self, credits):
        """The lines of a pack for sale that gives ``credits``, a dict of
        credits per kind code: ``calendoc_credit_ids`` commands."""
        kinds = {kind.code: kind for kind in self.sudo().search([])}  # sudo: as _codes
        return [
            Command.create({"kind_id": kinds[code].id, "credits": quantity})
            for code, quantity in credits.items()
        ]

    def _used_in_ledger(self):
        return bool(
            self
            and self.env["calendoc.credit.move"]
            .sudo()  # sudo: whether any account holds such credits, no more
            .search_count([("kind", "in", self.mapped("code"))], limit=1)
        )
