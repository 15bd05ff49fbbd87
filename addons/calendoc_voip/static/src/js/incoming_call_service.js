/** @odoo-module **/
// The incoming-call popup: the bridge's "ringing" event reaches the on-duty
// secretaries through the bus; each gets a sticky notification with the
// practice card, the caller and the buttons to book, create or message. The
// next free slots are asked when the popup opens (the bus carries only what
// must be there within the first ring), and an unknown number opens the
// requester form prefilled with it at once.
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";

export const incomingCallService = {
    dependencies: ["bus_service", "notification", "action", "orm"],
    start(env, { bus_service, notification, action, orm }) {
        const open = new Map();
        // the web client's first screen shown: an action opened before it
        // (a call ringing as the client starts) would be replaced by it
        const clientShown = new Promise((resolve) => {
            const shown = () => {
                env.bus.removeEventListener("ACTION_MANAGER:UI-UPDATED", shown);
                resolve();
            };
            env.bus.addEventListener("ACTION_MANAGER:UI-UPDATED", shown);
        });
        const run = async (method, callId) => {
            const result = await orm.call("calendoc.call", method, [[callId]]);
            if (result) {
                await action.doAction(result);
            }
        };
        const show = (payload, slots) => {
            const practice = payload.practice;
            const lines = [practice.greeting, practice.questions_to_ask].filter(Boolean);
            if (practice.practitioners.length) {
                lines.push(practice.practitioners.join(", "));
            }
            // the time in the practice's time zone, as the server formats it
            for (const slot of slots) {
                lines.push(
                    _t("%(type)s: %(when)s · %(practitioner)s", {
                        type: slot.type,
                        when: slot.when,
                        practitioner: slot.practitioner,
                    })
                );
            }
            const caller = payload.requesters[0];
            const title = caller
                ? _t("%(practice)s — %(caller)s", {
                      practice: practice.name,
                      caller: caller.name,
                  })
                : _t("%(practice)s — unknown number %(number)s", {
                      practice: practice.name,
                      number: payload.caller_number,
                  });
            if (caller) {
                lines.push(
                    _t("%(upcoming)s upcoming, %(past)s past appointments", {
                        upcoming: caller.upcoming.length,
                        past: caller.past.length,
                    })
                );
            }
            // restricted: a delegation of calls only, no right on requesters
            const buttons = payload.restricted
                ? []
                : [
                      caller
                          ? {
                                name: _t("Book"),
                                primary: true,
                                onClick: () => run("action_book", payload.call),
                            }
                          : {
                                name: _t("New requester"),
                                primary: true,
                                onClick: () => run("action_new_requester", payload.call),
                            },
                  ];
            buttons.push({
                name: _t("Message to the practice"),
                onClick: () => run("action_message_practice", payload.call),
            });
            return notification.add(lines.join(" · "), {
                title,
                sticky: true,
                type: "info",
                className: "o_calendoc_incoming_call",
                buttons,
            });
        };
        bus_service.subscribe("calendoc_voip/incoming_call", async (payload) => {
            const close = show(payload, []);
            open.set(payload.call, close);
            if (!payload.requesters.length && !payload.restricted) {
                clientShown.then(() => run("action_new_requester", payload.call));
            }
            const slots = await orm.call("calendoc.call", "calendoc_next_slots", [
                [payload.call],
            ]);
            // still ringing and not taken: the card again, with the slots
            if (slots.length && open.get(payload.call) === close) {
                close();
                open.set(payload.call, show(payload, slots));
            }
        });
        bus_service.subscribe("calendoc_voip/call_taken", (payload) => {
            const close = open.get(payload.call);
            if (close) {
                close();
                open.delete(payload.call);
            }
        });
        bus_service.start();
    },
};

registry.category("services").add("calendoc_voip_incoming_call", incomingCallService);
