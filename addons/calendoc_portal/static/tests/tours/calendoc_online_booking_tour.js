/** @odoo-module **/

import { registry } from "@web/core/registry";

// A new patient books online: first free slot of next week (the test opens
// the page with the reason chosen), identity, consents, confirmation.
registry.category("web_tour.tours").add("calendoc_online_booking_tour", {
    steps: () => [
        {
            content: "Pick the first free slot of the week",
            trigger: "#calendoc_slots section:first-of-type li:first-child a.o_calendoc_slot",
            run: "click",
        },
        {
            content: "Last name",
            trigger: "input[name=last_name]",
            run: "edit Tournesol",
        },
        {
            content: "First name",
            trigger: "input[name=first_name]",
            run: "edit Tryphon",
        },
        {
            content: "Birth date",
            trigger: "input[name=birthdate]",
            run() {
                this.anchor.value = "1950-02-03";
            },
        },
        {
            content: "Mobile",
            trigger: "input[name=mobile]",
            run: "edit 06 55 44 33 22",
        },
        {
            content: "Email",
            trigger: "input[name=email]",
            run: "edit tryphon@example.fr",
        },
        {
            content: "Accept the practice's terms",
            trigger: "input[name=accept_terms]",
            run: "click",
        },
        {
            content: "Accept the SMS",
            trigger: "input[name=accept_sms]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: "#calendoc_online_confirm",
            run: "click",
        },
        {
            content: "The appointment is booked",
            trigger: "#calendoc_online_message",
        },
        {
            content: "It can be moved or cancelled from here",
            trigger: "#calendoc_appointment_cancel",
        },
    ],
});
