/** @odoo-module **/
// The incoming-call popup: the bridge's "ringing" event reaches the on-duty
// secretaries through the bus; each gets a sticky notification with the
// practice card, the caller and the buttons to book, create or message.
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";

export const incomingCallService = {
    dependencies: ["bus_service", "notification", "action", "orm"],
    start(env, { bus_service, notification, action, orm }) {
        const open = new Map();
        const run = async (method, callId) => {
            const result = await orm.call("calendoc.call", method, [[callId]]);
            if (result) {
                await action.doAction(result);
            }
        };
        bus_service.subscribe("calendoc_voip/incoming_call", (payload) => {
            const practice = payload.practice;
            const lines = [practice.greeting, practice.questions_to_ask]
                .filter(Boolean);
            if (practice.practitioners.length) {
                lines.push(practice.practitioners.join(", "));
            }
            for (const slot of practice.next_slots.slice(0, 3)) {
                lines.push(`${slot.start} UTC · ${slot.practitioner}`);
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
            const buttons = payload.restricted ? [] : [
                caller
                    ? { name: _t("Book"), primary: true, onClick: () => run("action_book", payload.call) }
                    : { name: _t("New requester"), primary: true, onClick: () => run("action_new_requester", payload.call) },
            ];
            buttons.push({
                name: _t("Message to the practice"),
                onClick: () => run("action_message_practice", payload.call),
            });
            const close = notification.add(lines.join(" · "), {
                title,
                sticky: true,
                type: "info",
                buttons,
            });
            open.set(payload.call, close);
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
