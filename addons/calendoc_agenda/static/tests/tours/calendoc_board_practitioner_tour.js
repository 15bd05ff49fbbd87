/** @odoo-module **/

import { registry } from "@web/core/registry";

// An internal practitioner lands on the day board and sees his own column
// (tests/test_board_practitioner_ui.py); his colleague's once allowed.
registry.category("web_tour.tours").add("calendoc_board_practitioner_tour", {
    url: "/odoo",
    steps: () => [
        {
            content: "The practitioner lands on the day board, in his column",
            trigger: ".o_calendoc_board .o_calendoc_board_column:contains(Dr Tour)",
        },
        {
            content: "His colleague's agenda is not his to see",
            trigger:
                ".o_calendoc_board:not(:has(.o_calendoc_board_column:contains(Dr Collègue)))",
        },
    ],
});

registry.category("web_tour.tours").add("calendoc_board_colleagues_tour", {
    url: "/odoo",
    steps: () => [
        {
            content: "Allowed to see his colleagues, he has both columns",
            trigger:
                ".o_calendoc_board:has(.o_calendoc_board_column:contains(Dr Tour)):has(.o_calendoc_board_column:contains(Dr Collègue))",
        },
    ],
});
