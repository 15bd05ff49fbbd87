/** @odoo-module **/

import { registry } from "@web/core/registry";

// A visitor loses a race: between the display of his slot and his confirmation,
// another visitor books the same slot through the same form (a second request,
// sent from this page); he is told so and offered the next free slots.
registry.category("web_tour.tours").add("calendoc_online_race_tour", {
    steps: () => [
        {
            content: "Pick the first free slot of the week",
            trigger: "#calendoc_slots section:first-of-type li:first-child a.o_calendoc_slot",
            run: "click",
        },
        { trigger: "input[name=last_name]", run: "edit Haddock" },
        { trigger: "input[name=first_name]", run: "edit Archibald" },
        {
            trigger: "input[name=birthdate]",
            run() {
                this.anchor.value = "1940-06-01";
            },
        },
        { trigger: "input[name=mobile]", run: "edit 06 11 22 33 44" },
        { trigger: "input[name=email]", run: "edit archibald@example.fr" },
        { trigger: "input[name=accept_terms]", run: "click" },
        { trigger: "input[name=accept_sms]", run: "click" },
        {
            content: "Someone else books the same slot meanwhile",
            trigger: "#calendoc_online_form",
            async run() {
                const data = new FormData(this.anchor);
                data.set("last_name", "Castafiore");
                data.set("first_name", "Bianca");
                data.set("birthdate", "1935-03-12");
                data.set("mobile", "06 99 88 77 66");
                data.set("email", "bianca@example.it");
                const response = await fetch(this.anchor.action, {
                    method: "POST",
                    body: data,
                    redirect: "manual",
                });
                // 303 to her appointment, opaque to fetch with redirect "manual"
                if (response.type !== "opaqueredirect") {
                    throw new Error(`the other booking failed: ${response.status}`);
                }
            },
        },
        {
            content: "Confirm",
            trigger: "#calendoc_online_confirm",
            run: "click",
        },
        {
            // the slots page with an error comes only from a lost race (other
            // errors give the form back); the page is in the visitor's language
            content: "He is told the slot was just booked, and offered the next ones",
            trigger: "main:has(#calendoc_online_error):has(#calendoc_slots a.o_calendoc_slot)",
        },
    ],
});
