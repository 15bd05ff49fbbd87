"""CalenDoc's SMS texts: ``sms.template`` records a manager edits, rendered by
Odoo's template engine on the few values an SMS may carry, never on the
appointment itself, so that no text can reach health data."""

import ast

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.rendering_tools import parse_inline_template

KINDS = [
    ("confirmation", "Confirmation"),
    ("reminder", "Reminder"),
    ("reminder_grouped", "Reminder of several appointments"),
    ("reminder_line", "One appointment of a grouped reminder"),
]
# The placeholders of each text: what calendar.event._calendoc_sms_values()
# gives (the type empty unless the practice shows it), or the lines of a
# grouped reminder. Nothing of the requester, no remarks.
APPOINTMENT = ("practitioner", "practice", "date", "time", "appointment_type")
PLACEHOLDERS = {
    "confirmation": APPOINTMENT,
    "reminder": APPOINTMENT,
    "reminder_line": APPOINTMENT,
    "reminder_grouped": ("appointments",),
}
# What a placeholder may compute with them: text, "and", "or", "if/else", "+",
# "%". No attribute, call or subscript: nothing reaches a record or the context.
ALLOWED_NODES = (
    ast.Expression,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.IfExp,
    ast.BinOp,
    ast.Add,
    ast.Mod,
    ast.UnaryOp,
    ast.Not,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
)


class SmsTemplate(models.Model):
    _inherit = "sms.template"

    calendoc_kind = fields.Selection(
        KINDS,
        string="CalenDoc SMS",
        readonly=True,
        copy=False,
        help="The SMS CalenDoc sends with this text.",
    )

    _sql_constraints = [
        (
            "calendoc_kind_unique",
            "unique(calendoc_kind)",
            "CalenDoc has one text of each kind.",
        ),
    ]

    @api.constrains("body", "calendoc_kind")
    def _check_calendoc_placeholders(self):
        for template in self.filtered("calendoc_kind"):
            translations, _context = template.get_field_translations("body")
            for text in {template.body} | {t["value"] for t in translations}:
                template._calendoc_check_placeholders(text)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_calendoc_texts(self):
        if self.filtered("calendoc_kind"):
            raise UserError(
                self.env._("CalenDoc sends this text: change it, do not delete it.")
            )

    def _has_unsafe_expression(self):
        # A CalenDoc text uses its placeholders only, never a record (checked
        # on save, in every language): a manager edits it without Odoo's
        # template editors' right. Its other fields follow Odoo's rule.
        calendoc = self.filtered("calendoc_kind")
        for template in calendoc.sudo():
            for fname in template._fields:
                if fname != "body" and (
                    self._has_unsafe_expression_template_inline_template(
                        template[fname], template.render_model
                    )
                ):
                    return True
        return super(SmsTemplate, self - calendoc)._has_unsafe_expression()

    def _render_field(
        self,
        field,
        res_ids,
        engine="inline_template",
        compute_lang=False,
        set_lang=False,
        add_context=None,
        options=None,
    ):
        # CalenDoc's texts (the preview and Odoo's SMS composer included) are
        # rendered on what an SMS may say of each appointment only.
        if field != "body" or not self.calendoc_kind:
            return super()._render_field(
                field,
                res_ids,
                engine=engine,
                compute_lang=compute_lang,
                set_lang=set_lang,
                add_context=add_context,
                options=options,
            )
        events = self.env["calendar.event"].browse(res_ids)
        lang = set_lang or self.env.lang
        return {event.id: self._calendoc_render(event, lang) for event in events}

    # --- business methods ----------------------------------------------------
    @api.model
    def _calendoc_template(self, kind):
        """The text of ``kind`` (a key of ``KINDS``)."""
        template = self.search([("calendoc_kind", "=", kind)], limit=1)
        if not template:
            raise UserError(self.env._("There is no CalenDoc SMS text of this kind."))
        return template

    def _calendoc_render(self, events, lang):
        """This text about ``events`` (one requester's, earliest first; one
        except for a grouped reminder) in ``lang``. A text that reaches beyond
        its placeholders (written around the check on save) is refused."""
        self.ensure_one()
        if self.calendoc_kind == "reminder_grouped":
            line = self._calendoc_template("reminder_line")
            values = {
                "appointments": "; ".join(
                    line._calendoc_render(event, lang) for event in events
                )
            }
        else:
            values = events[0]._calendoc_sms_values(lang)
        body = self.with_context(lang=lang).body or ""
        self._calendoc_check_placeholders(body)
        first = events[0].id
        return self._render_template(
            body, "calendar.event", [first], add_context=values
        )[first]

    def _calendoc_check_placeholders(self, text):
        allowed = PLACEHOLDERS[self.calendoc_kind]
        for _literal, expression, _default in parse_inline_template(text or ""):
            if expression and not _is_allowed(expression, allowed):
                raise ValidationError(
                    self.env._(
                        "An SMS text may only use the placeholders %(names)s "
                        "(never the appointment, the requester or remarks), "
                        "not {{ %(expression)s }}.",
                        names=", ".join(allowed),
                        expression=expression,
                    )
                )


def _is_allowed(expression, names):
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return False
    return all(
        isinstance(node, ALLOWED_NODES)
        and (not isinstance(node, ast.Name) or node.id in names)
        for node in ast.walk(tree)
    )
