/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A secretariat manager (no developer mode) invites Dr Autre, a practitioner
// of the account "Compte Tour", as a portal user: from the client account,
// "Invite a user". The set-up is addons/calendoc_portal/tests/test_ui.py's.
registry.category("web_tour.tours").add("calendoc_invite_user_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open CalenDoc",
            trigger: '.o_app[data-menu-xmlid="calendoc_agenda.calendoc_root_menu"]',
            run: "click",
        },
        {
            content: "Open the Configuration menu",
            trigger: 'button[data-menu-xmlid="calendoc_agenda.calendoc_config_menu"]',
            run: "click",
        },
        {
            content: "Open the client accounts",
            trigger: 'a[data-menu-xmlid="calendoc_agenda.calendoc_client_menu"]',
            run: "click",
        },
        {
            content: "Open the account",
            trigger: ".o_data_row td:contains(Compte Tour)",
            run: "click",
        },
        {
            content: "Its CalenDoc tab",
            trigger: ".o_notebook a.nav-link[name=calendoc]",
            run: "click",
        },
        {
            content: "Invite a user",
            trigger: ".o_form_view button:has(.fa-user-plus)",
            run: "click",
        },
        {
            content: "The permanence code is shown",
            trigger: ".modal div[name=permanence_code]:contains(TOUR01)",
        },
        {
            content: "The practitioner he is",
            trigger: ".modal div[name=practitioner_id] input",
            run: "edit Dr Autre",
        },
        {
            content: "Choose him",
            trigger: ".o-autocomplete--dropdown-item a:contains(Dr Autre)",
            run: "click",
        },
        {
            content: "His name follows",
            trigger: ".modal div[name=name] input:value(Dr Autre)",
        },
        {
            content: "His e-mail",
            trigger: ".modal div[name=email] input",
            run: "edit dr.autre@cabinet-tour.fr",
        },
        {
            content: "His user id",
            trigger: ".modal div[name=login] input",
            run: "edit dr.autre",
        },
        {
            content: "Invite",
            trigger: ".modal button[name=action_invite]",
            run: "click",
        },
        {
            content: "He is invited, with his permanence login",
            trigger: ".o_notification:contains(TOUR01/dr.autre)",
        },
    ],
});

// Then the invited practitioner signs in with the permanence code, his user
// id and his password, and sees his own agenda only on the portal.
registry.category("web_tour.tours").add("calendoc_invited_user_signin_tour", {
    url: "/web/login",
    steps: () => [
        {
            content: "Permanence code",
            trigger: "input#calendoc_permanence",
            run: "edit TOUR01",
        },
        {
            content: "User id",
            trigger: "input#login",
            run: "edit dr.autre",
        },
        {
            content: "Password",
            trigger: "input#password",
            run: "edit autre-password-2026",
        },
        {
            content: "Sign in",
            trigger: ".oe_login_form button[type=submit]",
            run: "click",
        },
        {
            content: "His portal shows the CalenDoc agenda card",
            trigger: ".o_portal_my_home a[href='/my/calendoc/appointments']",
            run: "click",
        },
        {
            content: "His appointment is listed",
            trigger: ".o_calendoc_portal_row:contains(Dr Autre)",
        },
        {
            content: "His colleague's is not",
            trigger: "body:not(:has(.o_calendoc_portal_row:contains(Dr Tour)))",
        },
    ],
});
