/** @odoo-module **/

import { registry } from "@web/core/registry";

// A new client signs up, orders a pack from its client space, pays it with
// Odoo's demo provider and sees its credits (the test provides the pack
// "Pack Tour 5 RDV" and the demo provider as the only one).
const fill = (name, value) => ({
    content: `Fill ${name}`,
    trigger: `#calendoc_signup_form input[name=${name}]`,
    run: `edit ${value}`,
});

registry.category("web_tour.tours").add("calendoc_signup_tour", {
    steps: () => [
        fill("company_name", "Cabinet Tournesol"),
        fill("siret", "44211961600013"),
        fill("street", "26 rue du Labrador"),
        fill("zip", "49000"),
        fill("city", "Angers"),
        fill("name", "Tryphon Tournesol"),
        fill("email", "tryphon@cabinet-tournesol.fr"),
        fill("password", "moulinsart-1950"),
        fill("password_confirm", "moulinsart-1950"),
        {
            content: "Accept the terms of service",
            trigger: "input[name=accept_terms]",
            run: "click",
        },
        {
            content: "Create the account",
            trigger: "#calendoc_signup_submit",
            run: "click",
        },
        {
            content: "Signed in, the permanence code is given",
            trigger: "#calendoc_signup_welcome #calendoc_permanence_code",
        },
        {
            content: "No credit before paying",
            trigger: "#calendoc_pack_appointment:contains(0)",
        },
        {
            content: "Buy the pack",
            trigger: ".card:contains(Pack Tour 5 RDV) button.o_calendoc_buy",
            run: "click",
        },
        {
            content: "Accept and pay the order",
            trigger: "#o_sale_portal_paynow",
            run: "click",
        },
        {
            content: "Demo card number",
            trigger: "#modalaccept input[name=customer_input]",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: "#modalaccept button[name=o_payment_submit_button]:enabled",
            run: "click",
        },
        {
            content: "Back on the order, the payment is processed",
            trigger: "#quote_content div[name=o_payment_status_alert].alert-success",
            run() {
                window.location.href = "/my/calendoc/packs";
            },
        },
        {
            content: "The pack's credits are there",
            trigger: "#calendoc_pack_appointment:contains(5)",
        },
        {
            content: "and the pack is listed",
            trigger: ".o_calendoc_pack_row:contains(Pack Tour 5 RDV)",
            run() {
                window.location.href = "/my/invoices";
            },
        },
        {
            content: "The paid invoice is on the portal",
            trigger: "tbody a[href^='/my/invoices/']",
        },
    ],
});
