/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A secretary opens a requester, searches the next free slots and books one.
registry.category("web_tour.tours").add("calendoc_booking_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open CalenDoc",
            trigger: '.o_app[data-menu-xmlid="calendoc_agenda.calendoc_root_menu"]',
            run: "click",
        },
        {
            content: "Open the Agenda menu",
            trigger: 'button[data-menu-xmlid="calendoc_agenda.calendoc_agenda_menu"]',
            run: "click",
        },
        {
            content: "Open the requesters",
            trigger: 'a[data-menu-xmlid="calendoc_agenda.calendoc_requester_menu"]',
            run: "click",
        },
        {
            content: "Open the requester",
            trigger: ".o_data_row td:contains(TOURNESOL)",
            run: "click",
        },
        {
            content: "Book for her",
            trigger: "button[name=action_calendoc_find_slot]",
            run: "click",
        },
        {
            content: "The practice's greeting is shown while booking",
            trigger: ".modal .alert-info:contains(Cabinet Tour, bonjour)",
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
            content: "The appointment is open, for the requester",
            trigger: ".o_breadcrumb .active:contains(Consultation — TOURNESOL)",
        },
        {
            content: "It is booked",
            trigger: ".o_statusbar_status button.o_arrow_button_current[data-value=booked]",
        },
    ],
});
