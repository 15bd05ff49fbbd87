/** @odoo-module **/

import { registry } from "@web/core/registry";

const column = (name) => `.o_calendoc_board_column:contains(${name})`;

// A board of 50 practitioners shows them by pages of columns, with a pager
// (tests/test_board_ui.py: Dr Page 01 to Dr Page 50 at one practice).
registry.category("web_tour.tours").add("calendoc_board_pager_tour", {
    url: "/odoo",
    steps: () => [
        {
            content: "The first page of columns, with the pager",
            trigger: `.o_calendoc_board_page_value:contains(1-12 of 50)`,
        },
        {
            content: "Only the first page's practitioners are laid out",
            trigger: `${column("Dr Page 12")}`,
            run() {
                const count = document.querySelectorAll(".o_calendoc_board_column").length;
                if (count !== 12) {
                    throw new Error(`12 columns expected, ${count} shown`);
                }
                if (document.querySelector(".o_calendoc_board_column[data-practitioner-id] .fw-bold")?.textContent !== "Dr Page 01") {
                    throw new Error("the first page does not start with Dr Page 01");
                }
            },
        },
        {
            content: "Next columns",
            trigger: ".o_calendoc_board_page_next",
            run: "click",
        },
        {
            content: "The second page",
            trigger: `.o_calendoc_board_page_value:contains(13-24 of 50)`,
        },
        {
            content: "Its practitioners are shown, the first page's are not",
            trigger: `${column("Dr Page 13")}`,
            run() {
                const titles = [
                    ...document.querySelectorAll(".o_calendoc_board_column .fw-bold"),
                ].map((title) => title.textContent);
                if (titles.includes("Dr Page 01") || titles.length !== 12) {
                    throw new Error(`second page expected, shown: ${titles.join(", ")}`);
                }
            },
        },
        {
            content: "Back to the first page",
            trigger: ".o_calendoc_board_page_prev:enabled",
            run: "click",
        },
        {
            content: "The first page again",
            trigger: `.o_calendoc_board_page_value:contains(1-12 of 50)`,
        },
    ],
});
