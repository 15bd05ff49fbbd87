/** @odoo-module **/

import { registry } from "@web/core/registry";

// A client user turns two-factor sign-in on from his portal (Security), signs
// out, and signs in again with the permanence code of his account, his user id,
// his password and the code of his authenticator app, computed here (RFC 6238)
// from the secret the activation wizard shows, as an authenticator app does.
// The user is made by addons/calendoc_portal/tests/test_two_factor.py.
const PERMANENCE = "tfa02";
const USER_ID = "secretariat1";
const PASSWORD = "client-pass-12";

const STORE = "calendoc_totp_tour";

function base32Bytes(secret) {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const bytes = [];
    let bits = 0;
    let value = 0;
    for (const char of secret.replace(/[\s=]/g, "").toUpperCase()) {
        value = ((value << 5) | alphabet.indexOf(char)) & 0xffff;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            bytes.push((value >> bits) & 0xff);
        }
    }
    return new Uint8Array(bytes);
}

async function authenticatorCode(secret) {
    const counter = Math.floor(Date.now() / 30000);
    const message = new DataView(new ArrayBuffer(8));
    message.setUint32(0, Math.floor(counter / 2 ** 32));
    message.setUint32(4, counter % 2 ** 32);
    const key = await crypto.subtle.importKey(
        "raw",
        base32Bytes(secret),
        { name: "HMAC", hash: "SHA-1" },
        false,
        ["sign"]
    );
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message.buffer));
    const offset = mac[mac.length - 1] & 0xf;
    const number =
        ((mac[offset] & 0x7f) << 24) |
        (mac[offset + 1] << 16) |
        (mac[offset + 2] << 8) |
        mac[offset + 3];
    return String(number % 1000000).padStart(6, "0");
}

const storedSecret = () => sessionStorage.getItem(STORE);

registry.category("web_tour.tours").add("calendoc_totp_portal_tour", {
    steps: () => [
        {
            content: "Turn two-factor sign-in on",
            trigger: "button#auth_totp_portal_enable",
            run: "click",
        },
        {
            content: "The password is asked first",
            trigger: ".modal [name=password]",
            run: `edit ${PASSWORD}`,
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "Read the secret (\"Cannot scan it?\") as an authenticator app would, type its code, activate",
            trigger: ".modal a[href='#collapseTotpSecret']",
            async run(helpers) {
                const secret = this.anchor
                    .closest("div")
                    .querySelector("span[name=secret]")
                    .textContent.trim();
                sessionStorage.setItem(STORE, secret);
                await helpers.edit(await authenticatorCode(secret), ".modal input[name=code]");
                await helpers.click(".modal .modal-footer button.btn-primary");
            },
        },
        {
            content: "Two-factor sign-in is on; sign out",
            trigger: "button#auth_totp_portal_disable",
            run() {
                window.location.href = "/web/session/logout?redirect=/web/login";
            },
        },
        {
            content: "Permanence code",
            trigger: "input#calendoc_permanence",
            run: `edit ${PERMANENCE}`,
        },
        {
            content: "User id",
            trigger: "input#login",
            run: `edit ${USER_ID}`,
        },
        {
            content: "Password",
            trigger: "input#password",
            run: `edit ${PASSWORD}`,
        },
        {
            content: "Sign in",
            trigger: ".oe_login_form button[type=submit]",
            run: "click",
        },
        {
            content: "The code of the authenticator app is asked",
            trigger: "input[name=totp_token]",
            async run(helpers) {
                await helpers.edit(await authenticatorCode(storedSecret()));
            },
        },
        {
            content: "Sign in",
            trigger: "form:has(input[name=totp_token]) button[type=submit]",
            run: "click",
        },
        {
            content: "Signed in, on the client's portal",
            trigger: ".o_portal_my_home",
            run() {
                sessionStorage.removeItem(STORE);
                if (window.location.pathname !== "/my") {
                    throw new Error(`landed on ${window.location.pathname}`);
                }
            },
        },
    ],
});
