from lxml import etree

from odoo import api, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG

APPOINTMENT_FORM = "calendoc_agenda.calendar_event_view_form_calendoc"
APPOINTMENT_ACTION = "calendoc_agenda.calendoc_appointment_action"
MANAGER_GROUP = "calendoc_agenda.group_calendoc_manager"
# The appointment views: delete="0" in their arch, lifted for managers.
APPOINTMENT_VIEWS = (
    "calendoc_agenda.calendar_event_view_calendar_calendoc",
    "calendoc_agenda.calendar_event_view_list_calendoc",
    APPOINTMENT_FORM,
)


class CalendarEvent(models.Model):
    """One form for an appointment, whatever the way to it, and no silent
    deletion. Odoo opens a record by asking the model for its form
    (``get_formview_id``) or for the action that opens it
    (``get_formview_action``: many2one links, mail links, the slot finder);
    the action carries CalenDoc's agenda action, so that the URL names it and a
    reload opens CalenDoc's form again. Generic meetings keep Odoo's form."""

    _inherit = "calendar.event"

    # --- CRUD overrides --------------------------------------------------------
    def unlink(self):
        self._calendoc_check_unlink()
        return super().unlink()

    # --- views -----------------------------------------------------------------
    @api.model
    def get_view(self, view_id=None, view_type="form", **options):
        # Public over JSON-RPC: a view id or type of the wrong kind is refused
        # here, not by PostgreSQL or a Python TypeError deep in Odoo.
        views = self.env["ir.ui.view"]
        if (
            view_id is not None
            and view_id is not False
            and (
                isinstance(view_id, bool)
                or not isinstance(view_id, int)
                or not 0 < view_id < 2**31
            )
        ):
            raise UserError(self.env._("This view does not exist."))
        if not isinstance(view_type, str) or view_type not in dict(
            views._fields["type"].selection
        ):
            raise UserError(self.env._("This kind of view does not exist."))
        result = super().get_view(view_id, view_type, **options)
        # The views are cached for all users: who sees Delete is decided here,
        # per user (Odoo 18 forbids groups on extension views).
        if self.env.user.has_group(MANAGER_GROUP) and result.get("id") in [
            self.env["ir.model.data"]._xmlid_to_res_id(xmlid, raise_if_not_found=False)
            for xmlid in APPOINTMENT_VIEWS
        ]:
            node = etree.fromstring(result["arch"])
            node.attrib.pop("delete", None)
            result["arch"] = etree.tostring(node, encoding="unicode")
        return result

    def get_formview_id(self, access_uid=None):
        if self._calendoc_all_appointments():
            return self.env.ref(APPOINTMENT_FORM).id
        return super().get_formview_id(access_uid=access_uid)

    def get_formview_action(self, access_uid=None):
        action = super().get_formview_action(access_uid=access_uid)
        if len(self) != 1 or not self._calendoc_all_appointments():
            return action
        agenda = self.env["ir.actions.act_window"]._for_xml_id(APPOINTMENT_ACTION)
        # The agenda action itself (its id and path name it in the URL), on
        # this appointment's form; a reload loads the whole action again.
        return dict(
            agenda,
            res_id=self.id,
            view_mode="form",
            views=[(self.env.ref(APPOINTMENT_FORM).id, "form")],
            target="current",
        )

    # --- helpers ---------------------------------------------------------------
    def _calendoc_all_appointments(self):
        return bool(self) and all(event.calendoc_practitioner_id for event in self)

    def _calendoc_check_unlink(self):
        """Appointments are cancelled with a reason, not deleted: only a
        secretariat manager deletes one, and only once it is cancelled. The
        superuser (system jobs, maintenance) and module uninstallation are not
        users: they may."""
        if self.env.su or self.env.context.get(MODULE_UNINSTALL_FLAG):
            return
        appointments = self.filtered("calendoc_practitioner_id")
        if not appointments:
            return
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._(
                    "An appointment cannot be deleted: cancel it instead, saying "
                    "why. Only a secretariat manager may delete a cancelled "
                    "appointment."
                )
            )
        if any(event.calendoc_state != "cancelled" for event in appointments):
            raise UserError(
                self.env._(
                    "Only a cancelled appointment may be deleted: cancel it first, "
                    "saying why."
                )
            )
