"""Does worklist.html fit a phone? Opens it in headless Chromium as a 390 px wide phone, saves a
screenshot beside it, and reports document.scrollWidth: more than 390 means the page scrolls
sideways (exit 1). Not a test and not part of the product: it needs a Chromium
(`apt-get install -y chromium`) and drives it over the DevTools protocol, because a headless
window cannot be made narrower than 500 px with --window-size.

    .venv/bin/python scripts/check_worklist_layout.py out/daily/2026-10-15/worklist.html
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from websockets.sync.client import connect

WIDTH, HEIGHT = 390, 844  # an iPhone 12–15 in CSS pixels


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if found := shutil.which(name):
            return found
    sys.exit("no Chromium found: apt-get install -y chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DevTools:
    def __init__(self, ws_url: str):
        self.ws, self.ids = connect(ws_url, max_size=None), itertools.count(1)

    def __call__(self, method: str, **params):
        sent = next(self.ids)
        self.ws.send(json.dumps({"id": sent, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == sent:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})


def page_target(port: int) -> str:
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json") as r:
                pages = [t for t in json.load(r) if t["type"] == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("Chromium did not open its DevTools port")


def measure(html: Path, shot: Path) -> tuple[int, int]:
    port = free_port()
    with tempfile.TemporaryDirectory() as profile:
        browser = subprocess.Popen(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--remote-debugging-port={port}", f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            cdp = DevTools(page_target(port))
            cdp("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=True)
            cdp("Page.enable")
            cdp("Page.navigate", url=html.resolve().as_uri())
            for _ in range(200):  # until loaded and the inline font is in use
                state = cdp("Runtime.evaluate", expression="document.readyState + (document.fonts.status)",
                            returnByValue=True)["result"]["value"]
                if state == "completeloaded":
                    break
                time.sleep(0.05)
            widths = cdp("Runtime.evaluate", returnByValue=True,
                         expression="[window.innerWidth, document.documentElement.scrollWidth]")["result"]["value"]
            picture = cdp("Page.captureScreenshot", format="png")
            shot.write_bytes(base64.b64decode(picture["data"]))
            return widths[0], widths[1]
        finally:
            browser.terminate()
            browser.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("--screenshot", type=Path, help="default: <html>.390.png beside it")
    args = parser.parse_args()
    shot = args.screenshot or args.html.with_suffix(f".{WIDTH}.png")
    viewport, scroll_width = measure(args.html, shot)
    scrolls = scroll_width > WIDTH
    print(f"viewport {viewport} px; document.scrollWidth {scroll_width} px; "
          f"{'HORIZONTAL SCROLL' if scrolls else 'no horizontal scroll'}; screenshot {shot}")
    return 1 if scrolls else 0


if __name__ == "__main__":
    sys.exit(main())
