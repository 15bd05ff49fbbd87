/** @odoo-module **/

import { registry } from "@web/core/registry";

// A practitioner on the portal sees his own appointments, not his colleague's
// (the test gives Dr Tour and Dr Autre, of the same practice, one appointment
// each).
registry.category("web_tour.tours").add("calendoc_portal_practitioner_tour", {
    steps: () => [
        {
            content: "His appointment is listed",
            trigger: ".o_calendoc_portal_row:contains(Dr Tour)",
        },
        {
            content: "His colleague's is not",
            trigger: "body:not(:has(.o_calendoc_portal_row:contains(Dr Autre)))",
        },
        {
            content: "Open it",
            trigger: ".o_calendoc_portal_row:contains(Dr Tour) a",
            run: "click",
        },
        {
            content: "Its detail names the patient",
            trigger: "main:contains(TINTIN)",
        },
    ],
});
