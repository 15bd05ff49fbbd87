/** @odoo-module **/

import { registry } from "@web/core/registry";

// An appointment's URL, loaded afresh (a reload), shows CalenDoc's form: its
// workflow buttons, not Odoo's meeting fields; a secretary finds no Delete.
registry.category("web_tour.tours").add("calendoc_appointment_reload_tour", {
    steps: () => [
        {
            content: "CalenDoc's form, with its Confirm button",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_calendoc_confirm]",
        },
        {
            content: "the other workflow buttons are there too",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_calendoc_no_show]",
        },
        {
            content: "not Odoo's meeting form",
            trigger: ".o_form_view:not(:has(.o_field_widget[name=recurrency]))",
        },
        {
            content: "open the form's menu",
            trigger: ".o_form_view .o_cp_action_menus i.fa-cog",
            run: "click",
        },
        {
            content: "a secretary finds no Delete in it",
            trigger: ".dropdown-menu:has(.fa-clone):not(:has(.fa-trash-o))",
        },
        {
            content: "confirm the appointment",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_calendoc_confirm]",
            run: "click",
        },
        {
            content: "it is confirmed",
            trigger: ".o_statusbar_status button.o_arrow_button_current[data-value=confirmed]",
        },
    ],
});

// A secretary cancels an appointment from the agenda's pop-up, with a reason;
// the pop-up offers no Delete.
registry.category("web_tour.tours").add("calendoc_cancel_from_agenda_tour", {
    steps: () => [
        {
            content: "open the appointment's pop-up",
            trigger: ".o_calendar_view .fc-event:contains(TOURNESOL)",
            run: "click",
        },
        {
            content: "the pop-up offers to cancel",
            trigger: ".o_cw_popover .o_calendoc_popover_cancel",
        },
        {
            content: "and no Delete",
            trigger: ".o_cw_popover:not(:has(.o_cw_popover_delete))",
        },
        {
            content: "cancel",
            trigger: ".o_cw_popover .o_calendoc_popover_cancel",
            run: "click",
        },
        {
            content: "say why",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Le patient est souffrant",
        },
        {
            content: "cancel the appointment",
            trigger: ".modal button[name=action_cancel]",
            run: "click",
        },
        {
            content: "the cancelled appointment leaves the agenda",
            trigger: ".o_calendar_view:not(:has(.fc-event:contains(TOURNESOL)))",
        },
    ],
});
