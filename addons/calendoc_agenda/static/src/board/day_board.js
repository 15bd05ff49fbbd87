/** @odoo-module **/
// The secretaries' day board: one column per practitioner (or, in week mode,
// per day of one practitioner), the free slots of the slot engine as buttons
// that open the appointment form prefilled, the appointments as cards that
// are dragged to move them (the server decides: slot engine and exclusion
// constraint), workflow buttons on the cards, a live refresh over the bus.
// Everything comes from calendoc.board.get_board, read as the user.
import { Component, onMounted, onWillStart, onWillUnmount, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

const { DateTime } = luxon;
const PX_PER_MINUTE = 1.6;
const DRAG_THRESHOLD = 4;
const BUS_TYPE = "calendoc_agenda/board_changed";
const FORM_VIEW = "calendoc_agenda.calendar_event_view_form_calendoc";
// A board of many practitioners shows this many columns at a time, with a
// pager in its bar: fifty columns of slots and cards would make the browser
// lay out thousands of elements and the secretary scroll sideways.
export const COLUMNS_PER_PAGE = 12;

function utcText(dateTime) {
    return dateTime.toUTC().toFormat("yyyy-MM-dd HH:mm:ss");
}

export class DayBoard extends Component {
    static template = "calendoc_agenda.DayBoard";
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.notification = useService("notification");
        this.busService = useService("bus_service");
        this.ui = useState(useService("ui"));
        const context = this.props.action?.context || {};
        this.state = useState({
            data: null,
            day: context.calendoc_board_day || false,
            mode: "day",
            practiceId: false,
            practitionerIds: [],
            typeId: false,
            columnKey: null,
            page: 0,
            dragging: null,
            busy: false,
        });
        this.drag = null;
        this.justDragged = false;
        this.onBusChange = this.onBusChange.bind(this);
        this.onPointerMove = this.onPointerMove.bind(this);
        this.onPointerUp = this.onPointerUp.bind(this);
        onWillStart(() => this.load());
        onMounted(() => {
            this.busService.subscribe(BUS_TYPE, this.onBusChange);
            this.busService.start();
        });
        onWillUnmount(() => {
            this.busService.unsubscribe(BUS_TYPE, this.onBusChange);
            this.stopDrag();
            clearTimeout(this.refreshTimer);
        });
    }

    // --- data ---------------------------------------------------------------------
    async load() {
        const state = this.state;
        let data;
        try {
            data = await this.orm.call("calendoc.board", "get_board", [], {
                day: state.day || false,
                mode: state.mode,
                practice_ids: state.practiceId ? [state.practiceId] : false,
                practitioner_ids: state.practitionerIds.length ? state.practitionerIds : false,
                type_id: state.typeId || false,
            });
        } catch (error) {
            if (!error.data?.message) {
                throw error;
            }
            // a filter that no longer holds (a practitioner archived, a right
            // revoked): say why and show the default board
            this.notification.add(error.data.message, { type: "danger" });
            Object.assign(state, { practiceId: false, practitionerIds: [], typeId: false });
            data = await this.orm.call("calendoc.board", "get_board", [], {
                day: state.day || false,
                mode: state.mode,
            });
        }
        state.data = data;
        state.day = data.day;
        if (!data.columns.some((column) => column.key === state.columnKey)) {
            state.columnKey = data.columns.length ? data.columns[0].key : null;
        }
        state.page = Math.min(state.page, Math.max(this.pageCount - 1, 0));
    }

    refresh() {
        clearTimeout(this.refreshTimer);
        return this.load();
    }

    onBusChange(payload) {
        const shown = new Set((this.state.data?.columns || []).map((c) => c.practitioner_id));
        if ((payload?.practitioner_ids || []).some((id) => shown.has(id))) {
            // several changes at once (a move, its charge) make one reload
            clearTimeout(this.refreshTimer);
            this.refreshTimer = setTimeout(() => this.load(), 300);
        }
    }

    // --- what the template shows ------------------------------------------------------
    get columns() {
        const columns = this.state.data?.columns || [];
        if (!this.ui.isSmall || columns.length < 2) {
            const first = this.state.page * COLUMNS_PER_PAGE;
            return columns.slice(first, first + COLUMNS_PER_PAGE);
        }
        const shown = columns.find((column) => column.key === this.state.columnKey);
        return [shown || columns[0]];
    }

    get pageCount() {
        if (this.ui.isSmall) {
            return 1;
        }
        return Math.ceil((this.state.data?.columns.length || 0) / COLUMNS_PER_PAGE);
    }

    get pageLabel() {
        const total = this.state.data?.columns.length || 0;
        const first = this.state.page * COLUMNS_PER_PAGE;
        return _t("Columns %(first)s-%(last)s of %(total)s", {
            first: first + 1,
            last: Math.min(first + COLUMNS_PER_PAGE, total),
            total,
        });
    }

    setPage(page) {
        this.state.page = Math.max(0, Math.min(page, this.pageCount - 1));
    }

    get range() {
        return this.state.data?.range || [480, 1140];
    }

    get height() {
        const [from, to] = this.range;
        return (to - from) * PX_PER_MINUTE;
    }

    get hours() {
        const [from, to] = this.range;
        const hours = [];
        for (let minute = Math.ceil(from / 60) * 60; minute < to; minute += 60) {
            hours.push({ minute, label: `${String(minute / 60).padStart(2, "0")}:00` });
        }
        return hours;
    }

    get weekPractitionerId() {
        return this.state.data?.columns[0]?.practitioner_id || false;
    }

    get selectedPracticeId() {
        const ids = this.state.data?.selected.practice_ids || [];
        return this.state.practiceId || (ids.length === 1 ? ids[0] : false);
    }

    position(minute, length) {
        const [from, to] = this.range;
        const top = Math.max(minute, from);
        const bottom = Math.min(minute + length, to);
        if (bottom <= top) {
            return "display: none;";
        }
        return `top: ${(top - from) * PX_PER_MINUTE}px; height: ${(bottom - top) * PX_PER_MINUTE}px;`;
    }

    rangeStyle(range) {
        return this.position(range[0], range[1] - range[0]);
    }

    slotStyle(slot) {
        return this.position(slot.minute, Math.min(slot.length, this.state.data.step));
    }

    cardStyle(card) {
        let style = this.position(card.minute, card.length);
        const dragging = this.state.dragging;
        if (dragging && dragging.id === card.id) {
            style += ` transform: translate(${dragging.dx}px, ${dragging.dy}px);`;
        }
        return style;
    }

    columnTitle(column) {
        if (this.state.mode === "week") {
            return DateTime.fromISO(column.date).toLocaleString({
                weekday: "short",
                day: "numeric",
                month: "short",
            });
        }
        return column.practitioner;
    }

    columnSubtitle(column) {
        return this.state.mode === "week" ? column.practitioner : column.practice;
    }

    get dayTitle() {
        if (!this.state.day) {
            return "";
        }
        return DateTime.fromISO(this.state.day).toLocaleString(DateTime.DATE_HUGE);
    }

    slotLabel(column, slot) {
        return _t("Book %(practitioner)s at %(time)s", {
            practitioner: column.practitioner,
            time: slot.label,
        });
    }

    cardLabel(card) {
        return _t("%(start)s–%(stop)s %(who)s, %(state)s (open; Alt+arrows move it)", {
            start: card.start_label,
            stop: card.stop_label,
            who: card.patient || card.title,
            state: card.state_label,
        });
    }

    // --- filters ----------------------------------------------------------------------
    shiftDay(direction) {
        const step = this.state.mode === "week" ? 7 : 1;
        this.state.day = DateTime.fromISO(this.state.day)
            .plus({ days: direction * step })
            .toISODate();
        return this.refresh();
    }

    goToday() {
        this.state.day = false;
        return this.refresh();
    }

    onDateChange(ev) {
        if (ev.target.value) {
            this.state.day = ev.target.value;
            return this.refresh();
        }
    }

    setMode(mode) {
        if (mode === this.state.mode) {
            return;
        }
        if (mode === "week") {
            const shown = this.columns[0];
            this.state.practitionerIds = shown ? [shown.practitioner_id] : [];
        } else {
            this.state.practitionerIds = [];
        }
        this.state.mode = mode;
        this.state.page = 0;
        return this.refresh();
    }

    onPracticeChange(ev) {
        this.state.page = 0;
        this.state.practiceId = parseInt(ev.target.value) || false;
        this.state.practitionerIds = [];
        this.state.typeId = false;
        return this.refresh();
    }

    onPractitionerChange(ev) {
        this.state.page = 0;
        const id = parseInt(ev.target.value);
        this.state.practitionerIds = id ? [id] : [];
        return this.refresh();
    }

    onTypeChange(ev) {
        this.state.page = 0;
        this.state.typeId = parseInt(ev.target.value) || false;
        return this.refresh();
    }

    onColumnChange(ev) {
        this.state.columnKey = ev.target.value;
    }

    // --- booking, opening, workflow ------------------------------------------------------
    book(column, slot) {
        return this.actionService.doAction(
            {
                type: "ir.actions.act_window",
                name: _t("New appointment"),
                res_model: "calendar.event",
                views: [[false, "form"]],
                target: "new",
                context: {
                    form_view_ref: FORM_VIEW,
                    default_calendoc_practitioner_id: column.practitioner_id,
                    default_calendoc_practice_id: column.practice_id,
                    default_calendoc_type_id: column.type_id || false,
                    default_start: slot.start,
                    default_stop: slot.stop,
                    default_calendoc_source: "phone",
                },
            },
            { onClose: () => this.refresh() }
        );
    }

    openCard(card) {
        if (this.justDragged) {
            return;
        }
        return this.actionService.doAction(
            {
                type: "ir.actions.act_window",
                res_model: "calendar.event",
                res_id: card.id,
                views: [[false, "form"]],
                target: "new",
                context: { form_view_ref: FORM_VIEW },
            },
            { onClose: () => this.refresh() }
        );
    }

    async runButton(card, button) {
        try {
            const result = await this.orm.call("calendar.event", button.method, [[card.id]]);
            if (result && typeof result === "object") {
                return this.actionService.doAction(result, { onClose: () => this.refresh() });
            }
        } catch (error) {
            this.refused(error);
        }
        return this.refresh();
    }

    refused(error) {
        if (!error.data?.message) {
            throw error;
        }
        this.notification.add(error.data.message, {
            title: _t("The appointment was not changed"),
            type: "danger",
        });
    }

    // --- moving a card: pointer drag and drop, or Alt+arrows ------------------------------
    onPointerDown(ev, column, card) {
        if (ev.button !== 0 || ev.target.closest(".o_calendoc_board_card_buttons")) {
            return;
        }
        this.stopDrag();
        this.drag = { card, column, x: ev.clientX, y: ev.clientY, moved: false };
        window.addEventListener("pointermove", this.onPointerMove);
        window.addEventListener("pointerup", this.onPointerUp);
    }

    onPointerMove(ev) {
        const drag = this.drag;
        if (!drag) {
            return;
        }
        const dx = ev.clientX - drag.x;
        const dy = ev.clientY - drag.y;
        if (!drag.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD) {
            return;
        }
        drag.moved = true;
        this.state.dragging = { id: drag.card.id, dx, dy };
    }

    async onPointerUp(ev) {
        const drag = this.drag;
        this.stopDrag();
        if (!drag || !drag.moved) {
            return;
        }
        // the click that ends a drag does not open the card
        this.justDragged = true;
        setTimeout(() => (this.justDragged = false), 0);
        const target = this.dropTarget(ev.clientX, ev.clientY, drag.card);
        if (target) {
            await this.move(drag.card, drag.column, target.column, target.minute);
        }
    }

    stopDrag() {
        window.removeEventListener("pointermove", this.onPointerMove);
        window.removeEventListener("pointerup", this.onPointerUp);
        this.drag = null;
        this.state.dragging = null;
    }

    dropTarget(x, y, card) {
        // the dragged card lets the pointer through (CSS), so this is what
        // lies under it: a free slot, another card, or the column itself
        const element = document.elementFromPoint(x, y);
        const body = element?.closest(".o_calendoc_board_body");
        if (!body) {
            return null;
        }
        const column = this.state.data.columns.find((c) => c.key === body.dataset.key);
        if (!column) {
            return null;
        }
        const marked = element.closest("[data-minute]");
        if (marked && marked !== body && marked.dataset.id !== String(card.id)) {
            return { column, minute: parseInt(marked.dataset.minute) };
        }
        const step = this.state.data.step;
        const offset = (y - body.getBoundingClientRect().top) / PX_PER_MINUTE;
        return { column, minute: this.range[0] + Math.floor(offset / step) * step };
    }

    onCardKeydown(ev, column, card) {
        if (!ev.altKey) {
            return;
        }
        const step = this.state.data.step;
        const columns = this.state.data.columns;
        const index = columns.indexOf(column);
        const moves = {
            ArrowUp: [column, card.minute - step],
            ArrowDown: [column, card.minute + step],
            ArrowLeft: [columns[index - 1], card.minute],
            ArrowRight: [columns[index + 1], card.minute],
        };
        const target = moves[ev.key];
        if (!target || !target[0]) {
            return;
        }
        ev.preventDefault();
        ev.stopPropagation();
        return this.move(card, column, target[0], target[1]);
    }

    async move(card, fromColumn, toColumn, minute) {
        if (toColumn === fromColumn && minute === card.minute) {
            return;
        }
        // the column's wall clock: its day at midnight UTC, less the
        // practice's offset from UTC that day
        const duration = DateTime.fromSQL(card.stop, { zone: "utc" }).diff(
            DateTime.fromSQL(card.start, { zone: "utc" })
        );
        const start = DateTime.fromISO(toColumn.date, { zone: "utc" }).plus({
            minutes: minute - toColumn.utc_offset,
        });
        const values = {
            start: utcText(start),
            stop: utcText(start.plus(duration)),
        };
        if (toColumn.practitioner_id !== fromColumn.practitioner_id) {
            values.calendoc_practitioner_id = toColumn.practitioner_id;
        }
        this.state.busy = true;
        try {
            await this.orm.write("calendar.event", [card.id], values, {
                context: {
                    calendoc_board_move: true,
                    // a card changed meanwhile by someone else is refused
                    // (then the board reloads below)
                    calendoc_board_seen: {
                        version: card.version,
                        start: card.start,
                        stop: card.stop,
                        practitioner_id: fromColumn.practitioner_id,
                    },
                },
            });
        } catch (error) {
            this.refused(error);
        } finally {
            this.state.busy = false;
        }
        // moved, or put back where the server keeps it
        return this.refresh();
    }
}

registry.category("actions").add("calendoc_agenda.day_board", DayBoard);
