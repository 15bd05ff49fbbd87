/** @odoo-module **/

import { registry } from "@web/core/registry";

const POPUP = ".o_notification.o_calendoc_incoming_call";

// A known requester calls: the popup shows the practice card, the caller and,
// once asked, the next free slots; the secretary books from it.
registry.category("web_tour.tours").add("calendoc_voip_known_caller_tour", {
    url: "/odoo",
    steps: () => [
        {
            content: "The popup names the practice called and the caller",
            trigger: `${POPUP} .o_notification_title:contains(Cabinet Tour):contains(TOURNESOL)`,
        },
        {
            content: "It shows the practice's greeting and its practitioners",
            trigger: `${POPUP} .o_notification_content:contains(Cabinet Tour, bonjour):contains(Dr Tour)`,
        },
        {
            content: "The next free slots arrive in the card",
            trigger: `${POPUP} .o_notification_content:contains(Consultation)`,
        },
        {
            content: "Book for the caller (the popup's first button)",
            trigger: `${POPUP} .o_notification_buttons button.btn-primary`,
            run: "click",
        },
        {
            content: "Search the free slots",
            trigger: ".modal button[name=action_search]",
            run: "click",
        },
        {
            content: "Book the first slot",
            trigger: ".modal .o_data_row:first button[name=action_book]",
            run: "click",
        },
        {
            content: "The appointment is booked",
            trigger: ".o_statusbar_status button.o_arrow_button_current[data-value=booked]",
        },
    ],
});

// An unknown number calls: the requester form opens by itself, prefilled
// with the number in E.164 and the account of the practice called.
registry.category("web_tour.tours").add("calendoc_voip_unknown_caller_tour", {
    url: "/odoo",
    steps: () => [
        {
            content: "The popup says the number is unknown",
            trigger: `${POPUP} .o_notification_title:contains(+33698765432)`,
        },
        {
            // the phone field shows the international format of the E.164 number
            content: "The requester form is open with the caller's number",
            trigger: ".o_form_view .o_field_widget[name=mobile] input:value(+33 6 98 76 54 32)",
        },
        {
            content: "and the practice's client account",
            trigger: ".o_form_view .o_field_widget[name=calendoc_account_id] input:value(Compte Tour)",
        },
        {
            content: "The secretary types the caller's last name",
            trigger: ".o_form_view .o_field_widget[name=calendoc_last_name] input",
            run: "edit Inconnu",
        },
        {
            content: "and saves",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The requester is saved",
            trigger: ".o_form_view .o_form_saved .o_field_widget[name=name]:contains(INCONNU), .o_breadcrumb .active:contains(INCONNU)",
        },
    ],
});
