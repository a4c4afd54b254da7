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

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from chrome import driver, full_shot, size, wait_gone


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
