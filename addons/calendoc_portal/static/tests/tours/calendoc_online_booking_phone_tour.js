/** @odoo-module **/

import { registry } from "@web/core/registry";

// A new patient books online on a phone (the test opens the page 360 px
// wide): he reads the practice's terms, accepts them and refuses the SMS.
registry.category("web_tour.tours").add("calendoc_online_booking_phone_tour", {
    steps: () => [
        {
            content: "The page fits the phone's width",
            trigger: "#calendoc_slots",
            run() {
                if (window.innerWidth > 360) {
                    throw new Error(`The window is ${window.innerWidth} px wide, not 360.`);
                }
                const width = document.documentElement.scrollWidth;
                if (width > window.innerWidth) {
                    throw new Error(`The slots page is ${width} px wide on a 360 px screen.`);
                }
            },
        },
        {
            content: "Pick the first free slot of the week",
            trigger: "#calendoc_slots section:first-of-type li:first-child a.o_calendoc_slot",
            run: "click",
        },
        {
            content: "No sign-in link for a patient",
            trigger: "#calendoc_online_form",
            run() {
                if (document.querySelector("a[href^='/web/login']")) {
                    throw new Error("The booking form shows a sign-in link.");
                }
            },
        },
        {
            content: "Last name",
            trigger: "input[name=last_name]",
            run: "edit Castafiore",
        },
        {
            content: "First name",
            trigger: "input[name=first_name]",
            run: "edit Bianca",
        },
        {
            content: "Birth date",
            trigger: "input[name=birthdate]",
            run() {
                this.anchor.value = "1945-06-01";
            },
        },
        {
            content: "Mobile",
            trigger: "input[name=mobile]",
            run: "edit 06 77 88 99 00",
        },
        {
            content: "Email",
            trigger: "input[name=email]",
            run: "edit bianca@example.fr",
        },
        {
            content: "Open the practice's terms",
            trigger: "#calendoc_online_terms summary",
            run: "click",
        },
        {
            content: "The terms are read",
            trigger: "#calendoc_online_terms[open] #calendoc_online_terms_text:visible",
            run() {
                const width = document.documentElement.scrollWidth;
                if (width > window.innerWidth) {
                    throw new Error(`The form is ${width} px wide on a 360 px screen.`);
                }
            },
        },
        {
            content: "Accept the practice's terms",
            trigger: "input[name=accept_terms]",
            run: "click",
        },
        {
            content: "The SMS box is left unticked",
            trigger: "input[name=accept_sms]:not(:checked)",
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
