/** @odoo-module **/

import { registry } from "@web/core/registry";

// A practitioner writes to the secretariat about the patient of one of his
// appointments (the test gives Dr Tour an appointment with Tintin).
registry.category("web_tour.tours").add("calendoc_portal_message_tour", {
    steps: () => [
        {
            content: "Open his appointment",
            trigger: ".o_calendoc_portal_row:contains(Dr Tour) a",
            run: "click",
        },
        {
            content: "Write to the secretariat about this patient",
            trigger: "#calendoc_message_requester",
            run: "click",
        },
        {
            content: "The conversation is about the patient",
            trigger: "#calendoc_thread_requester:contains(TINTIN)",
        },
        {
            content: "Type the message",
            trigger: "#calendoc_message_body",
            run: "edit Rappeler le patient avant vendredi",
        },
        {
            content: "Send it",
            trigger: "#calendoc_message_submit",
            run: "click",
        },
        {
            content: "It is sent and shown in the conversation",
            trigger: "#calendoc_message_sent",
        },
        {
            content: "The message is in the conversation",
            trigger: ".o_calendoc_thread_message:contains(Rappeler le patient avant vendredi)",
        },
    ],
});
