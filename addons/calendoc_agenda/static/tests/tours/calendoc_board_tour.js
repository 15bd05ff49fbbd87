/** @odoo-module **/

import { registry } from "@web/core/registry";

// Card selectors by their start on the local wall clock (minutes of the day).
const card = (minute) => `.o_calendoc_board_card[data-minute='${minute}']`;
// Drop just inside the target's top edge: the start of a slot or a card.
const dropOn = (selector) => ({
    async run(helpers) {
        await helpers.drag_and_drop(selector, {
            position: { top: 4, left: 10 },
            relative: true,
        });
    },
});

// A secretary lands on the day board, books from a free slot, moves a card to
// a free slot and is refused a move onto a taken one (tests/test_board_ui.py
// sets up tomorrow: 8:00-12:00, HADDOCK at 9:00, CASTAFIORE at 10:00).
registry.category("web_tour.tours").add("calendoc_board_tour", {
    url: "/odoo",
    steps: () => [
        {
            content: "The secretary lands on the day board, one column per practitioner",
            trigger: ".o_calendoc_board .o_calendoc_board_column:contains(Dr Tour)",
        },
        {
            content: "Go to tomorrow",
            trigger: ".o_calendoc_board_next",
            run: "click",
        },
        {
            content: "Tomorrow's appointments are cards at their local time",
            trigger: `${card(540)}:contains(HADDOCK):contains(09:00)`,
        },
        {
            content: "Book the free slot of 8:00",
            trigger: ".o_calendoc_board_slot[data-minute='480']",
            run: "click",
        },
        {
            content: "Choose the requester in the appointment form",
            trigger: ".modal .o_field_widget[name=calendoc_requester_id] input",
            run: "edit Tournesol",
        },
        {
            content: "Pick her",
            trigger: ".o-autocomplete--dropdown-item:contains(TOURNESOL)",
            run: "click",
        },
        {
            content: "Save the appointment",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "Her card is on the board at 8:00",
            trigger: `${card(480)}:contains(TOURNESOL)`,
        },
        {
            content: "Drag HADDOCK's card to the free slot of 11:00",
            trigger: `${card(540)} .o_calendoc_board_card_open`,
            ...dropOn(".o_calendoc_board_slot[data-minute='660']"),
        },
        {
            content: "The card moved",
            trigger: `${card(660)}:contains(HADDOCK):contains(11:00)`,
        },
        {
            content: "Drag it onto CASTAFIORE's appointment",
            trigger: `${card(660)} .o_calendoc_board_card_open`,
            ...dropOn(card(600)),
        },
        {
            content: "The move is refused with its reason",
            trigger: ".o_notification:contains(Dr Tour)",
        },
        {
            content: "The card stays where it was",
            trigger: `${card(660)}:contains(HADDOCK)`,
        },
    ],
});
