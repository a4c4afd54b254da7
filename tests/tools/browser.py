#!/usr/bin/env python3
"""Drive the office's web page in a real browser (Debian's chromium and
chromium-driver, over WebDriver with selenium), as a clerk would: log in
through the form, read the board, upload a return through the file input
and read its receipt, at 1280 px and at 360 px. Screenshots go to OUT_DIR.

    python3 browser.py BASE_URL PASSWORD RETURN.xlsx DEPARTMENT OUT_DIR

Prints one JSON line of what it read; exits non-zero on any failure.
"""
import json
import os
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


def driver(width, profile):
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                 f"--window-size={width},900", "--lang=zh-CN"]:
        opts.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def size(d, width, height):
    # Headless windows have a minimum width; emulate the screen instead.
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


def full_shot(d, path, width):
    height = d.execute_script("return document.documentElement.scrollHeight")
    size(d, width, min(max(height, 600), 8000))
    d.save_screenshot(path)
    size(d, width, 900)


def wait_gone(d, old, secs):
    """Wait for the page to be replaced. The upload form shows a waiting
    state and submits from a script, so a click returns before the answer
    page is there; while it loads, asking about the old element can fail
    with other errors than "stale" (no execution context on a loaded
    machine), and those mean "not yet"."""
    WebDriverWait(d, secs, ignored_exceptions=(WebDriverException,)).until(
        expected_conditions.staleness_of(old))


def run(base, password, upload, department, out, width):
    seen = {}
    with tempfile.TemporaryDirectory() as profile:
        d = driver(width, profile)
        try:
            size(d, width, 900)
            d.get(base + "/")
            assert "/login" in d.current_url, d.current_url
            d.find_element(By.NAME, "password").send_keys(password)
            d.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
            WebDriverWait(d, 30).until(lambda d: d.find_element(By.CSS_SELECTOR, ".counts"))
            seen["counts"] = {
                e.get_attribute("data-status"): int(e.find_element(By.CLASS_NAME, "n").text)
                for e in d.find_elements(By.CSS_SELECTOR, ".count")
            }
            seen["time_progress"] = d.find_element(By.ID, "time-progress").text
            assert d.find_element(By.CSS_SELECTOR, "svg.chart").is_displayed()
            seen["overflow"] = d.execute_script(
                "return document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")
            full_shot(d, os.path.join(out, f"board-{width}.png"), width)
            d.find_element(By.ID, "file").send_keys(upload)
            old = d.find_element(By.TAG_NAME, "html")
            d.find_element(By.CSS_SELECTOR, "#upload button").click()
            wait_gone(d, old, 60)
            result = WebDriverWait(d, 30).until(
                lambda d: d.find_element(By.CSS_SELECTOR, ".result"))
            seen["verdict"] = result.find_element(By.CSS_SELECTOR, ".tag").text
            seen["receipt_department"] = department in result.text
            full_shot(d, os.path.join(out, f"receipt-{width}.png"), width)
            d.get(base + "/")
            seen["reported_after"] = d.find_element(By.ID, "reported").text
        finally:
            d.quit()
    return seen


def main():
    base, password, upload, department, out = sys.argv[1:6]
    os.makedirs(out, exist_ok=True)
    seen = {str(w): run(base, password, upload, department, out, w) for w in (1280, 360)}
    print(json.dumps(seen, ensure_ascii=False))


if __name__ == "__main__":
    main()
