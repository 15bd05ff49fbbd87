"""Screenshot a page of a running CalenDoc as a logged-in user (README pictures).

usage: python3 scripts/screenshot.py URL LOGIN PASSWORD OUT.png [WIDTHxHEIGHT]
Starts headless Chromium, logs in through /web/session/authenticate, sets the
session cookie over the DevTools protocol, opens URL and saves a PNG.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlparse

import requests
import websocket


def main():
    url, login, password, out, *size = sys.argv[1:]
    width, height = (int(v) for v in (size[0] if size else "1366x768").split("x"))
    base = f"{urlparse(url).scheme}://{urlparse(url).netloc}"
    session = requests.Session()
    db = session.post(f"{base}/web/database/list", json={}, timeout=30).json()["result"]
    session.post(
        f"{base}/web/session/authenticate",
        json={"params": {"db": db[0], "login": login, "password": password}},
        timeout=30,
    ).raise_for_status()
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
            ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
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
                value=session.cookies["session_id"],
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
