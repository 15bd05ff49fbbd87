import { odooExceptionTitleMap, WarningDialog } from "@web/core/errors/error_dialogs";
import { registry } from "@web/core/registry";

// calendoc_agenda/exceptions.py: a slot taken is a ValidationError, shown as
// one (the web client shows a server error for a class it does not know).
const SLOT_TAKEN = "odoo.addons.calendoc_agenda.exceptions.SlotTakenError";

registry.category("error_dialogs").add(SLOT_TAKEN, WarningDialog);
odooExceptionTitleMap.set(
    SLOT_TAKEN,
    odooExceptionTitleMap.get("odoo.exceptions.ValidationError")
);
