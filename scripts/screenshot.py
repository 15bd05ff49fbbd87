"""Screenshot a page of a running CalenDoc as one of its users (README pictures).

usage: python3 scripts/screenshot.py CONFIG DB LOGIN URL OUT.png [WIDTHxHEIGHT]

An operator's tool, run on the server beside Odoo: it opens the user's session
in Odoo's own session store (CONFIG's data_dir, the one the running server
reads), as the server does after a successful sign-in, so the staff's e-mailed
second factor is not asked and no password is needed (whoever reads CONFIG and
the database is the server's administrator already). Then headless Chromium
gets that session's cookie, opens URL and saves a PNG. The session is deleted
afterwards.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time

import requests
import websocket


def open_session(config, db, login):
    """A session of ``login`` in Odoo's session store, as after sign-in."""
    import odoo
    from odoo import api, http
    from odoo.service import security

    odoo.tools.config.parse_config(["-c", config, "-d", db])
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        user = env["res.users"].search([("login", "=", login)])
        if not user:
            sys.exit(f"no user {login!r} in {db}")
        env = env(user=user.id)
        session = http.root.session_store.new()
        session.update(http.get_default_session(), db=db)
        session.uid = user.id
        session.login = login
        session.session_token = security.compute_session_token(session, env)
        session.context = dict(env["res.users"].context_get())
        http.root.session_store.save(session)
    return session


def main():
    config, db, login, url, out, *size = sys.argv[1:]
    width, height = (int(v) for v in (size[0] if size else "1280x800").split("x"))
    session = open_session(config, db, login)
    try:
        shoot(url, session.sid, out, width, height)
    finally:
        from odoo import http

        http.root.session_store.delete(session)


def shoot(url, sid, out, width, height):
    base = "/".join(url.split("/")[:3])
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        chrome = subprocess.Popen(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--remote-debugging-port=9333",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(50):
                try:
                    tabs = requests.get("http://127.0.0.1:9333/json", timeout=2).json()
                    break
                except requests.ConnectionError:
                    time.sleep(0.2)
            page = next(t for t in tabs if t["type"] == "page")
            ws = websocket.create_connection(
                page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True
            )
            ids = iter(range(1, 1000))

            def call(method, **params):
                ident = next(ids)
                ws.send(json.dumps({"id": ident, "method": method, "params": params}))
                while True:
                    message = json.loads(ws.recv())
                    if message.get("id") == ident:
                        return message.get("result", {})

            call("Network.enable")
            call(
                "Network.setCookie",
                name="session_id",
                value=sid,
                url=base,
            )
            call(
                "Emulation.setDeviceMetricsOverride",
                width=width,
                height=height,
                deviceScaleFactor=1,
                mobile=False,
            )
            call("Page.enable")
            call("Page.navigate", url=url)
            # let the web client load and render
            time.sleep(float(os.environ.get("SHOT_WAIT", "15")))
            shot = call("Page.captureScreenshot", format="png")
            with open(out, "wb") as handle:
                handle.write(base64.b64decode(shot["data"]))
        finally:
            chrome.terminate()
            chrome.wait(timeout=10)


if __name__ == "__main__":
    main()
