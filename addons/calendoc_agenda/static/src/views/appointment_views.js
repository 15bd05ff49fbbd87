/** @odoo-module **/

import { onMounted, onWillStart } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { patch } from "@web/core/utils/patch";
import { calendarView } from "@web/views/calendar/calendar_view";
import { CalendarController } from "@web/views/calendar/calendar_controller";
import { CalendarRenderer } from "@web/views/calendar/calendar_renderer";
import { CalendarCommonRenderer } from "@web/views/calendar/calendar_common/calendar_common_renderer";
import { CalendarCommonPopover } from "@web/views/calendar/calendar_common/calendar_common_popover";
import { CalendarFormController } from "@calendar/views/calendar_form/calendar_form_controller";

// the states from which an appointment may be cancelled (models/calendar_event.py)
const CANCELLABLE = ["booked", "confirmed"];

/**
 * The agenda's pop-up: "Cancel appointment" (the wizard asks why) instead of
 * "Delete"; Delete only where the view allows it (managers) and only for a
 * cancelled appointment, as the model enforces.
 */
export class CalendocCalendarPopover extends CalendarCommonPopover {
    static subTemplates = {
        ...CalendarCommonPopover.subTemplates,
        footer: "calendoc_agenda.CalendarPopover.footer",
    };

    setup() {
        super.setup();
        this.orm = useService("orm");
        this.actionService = useService("action");
    }

    get appointmentState() {
        return this.props.record.rawRecord.calendoc_state;
    }
    get isEventDeletable() {
        return super.isEventDeletable && this.appointmentState === "cancelled";
    }
    get isEventCancellable() {
        return CANCELLABLE.includes(this.appointmentState);
    }
    get hasFooter() {
        return super.hasFooter || this.isEventCancellable;
    }

    async onCancelAppointment() {
        const model = this.props.model;
        const action = await this.orm.call("calendar.event", "action_calendoc_cancel", [
            [this.props.record.id],
        ]);
        this.props.close();
        await this.actionService.doAction(action, { onClose: () => model.load() });
    }
}

export class CalendocCalendarCommonRenderer extends CalendarCommonRenderer {
    static components = {
        ...CalendarCommonRenderer.components,
        Popover: CalendocCalendarPopover,
    };
}

export class CalendocCalendarRenderer extends CalendarRenderer {
    static components = {
        ...CalendarRenderer.components,
        day: CalendocCalendarCommonRenderer,
        week: CalendocCalendarCommonRenderer,
        month: CalendocCalendarCommonRenderer,
    };
}

export class CalendocCalendarController extends CalendarController {
    /**
     * Open an appointment in the form of the agenda's own action, as the list
     * does: the URL keeps the action, and a reload opens the same form.
     */
    async editRecord(record, context = {}, shouldFetchFormViewId = true) {
        const hasForm = (this.env.config.views || []).some(([, type]) => type === "form");
        if (record.id && hasForm) {
            return this.action.switchView("form", { resId: record.id });
        }
        return super.editRecord(record, context, shouldFetchFormViewId);
    }
}

registry.category("views").add("calendoc_calendar", {
    ...calendarView,
    Controller: CalendocCalendarController,
    Renderer: CalendocCalendarRenderer,
});

/**
 * Odoo's meeting form never shows a CalenDoc appointment: whatever led there
 * (an old or hand-made URL, Odoo's own Calendar app, a view that opens the
 * default form), the form of CalenDoc's agenda action replaces it, the action
 * the server gives for the record (calendar.event.get_formview_action).
 */
patch(CalendarFormController.prototype, {
    setup() {
        super.setup(...arguments);
        const orm = useService("orm");
        const actionService = useService("action");
        let appointmentAction = null;
        onWillStart(async () => {
            if (this.env.inDialog || !this.props.resId) {
                return;
            }
            const action = await orm.call("calendar.event", "get_formview_action", [
                [this.props.resId],
            ]);
            if (action.id) {
                appointmentAction = action;
            }
        });
        onMounted(() => {
            if (appointmentAction) {
                actionService.doAction(appointmentAction, {
                    stackPosition: "replaceCurrentAction",
                });
            }
        });
    },
});
