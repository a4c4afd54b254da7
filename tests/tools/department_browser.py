#!/usr/bin/env python3
"""Drive a department's page, the leaders' board and the office's list of
links in a real browser (Debian's chromium and chromium-driver, over
WebDriver with selenium), as a department clerk on a phone would: open the
link at 360 px, upload a return with a mistake through the file input and
read what to fix, upload a good one and read 已采用; once more with
JavaScript off (plain forms); then the same pages at 1280 px. Screenshots
go to OUT_DIR.

    python3 department_browser.py DEPT_URL BOARD_URL LINKS_URL OUT_DIR \
        WRONG.xlsx GOOD.xlsx WRONG_WIDE.xlsx GOOD_NO_SCRIPT.xlsx

Prints one JSON document of what it read; exits non-zero on any failure.
"""
import json
import os
import sys
import tempfile

import openpyxl
from selenium.webdriver.common.by import By

from chrome import driver, full_shot, size, wait_gone


def sideways(d):
    """Whether the page is wider than the window (WebDriver's scripts run
    with the page's own scripts off too)."""
    return d.execute_script(
        "return document.documentElement.scrollWidth > document.documentElement.clientWidth")


def cell_of(path, word):
    """Where the clerk typed `word` in the form, found as a person would."""
    book = openpyxl.load_workbook(path)
    sheet = book["填报表"]
    for row in sheet.iter_rows():
        for c in row:
            if c.value == word:
                return c.coordinate
    raise AssertionError(f"{word} not in {path}")


def upload(d, path):
    """Choose a file in the upload box and send the form; the answer page's
    first result as the clerk reads it."""
    before = d.find_element(By.CSS_SELECTOR, "#upload .drop").text
    d.find_element(By.ID, "file").send_keys(path)
    chosen = d.find_element(By.CSS_SELECTOR, "#upload .drop").text
    old = d.find_element(By.TAG_NAME, "html")
    d.find_element(By.CSS_SELECTOR, "#upload button[type=submit]").click()
    wait_gone(d, old, 60)
    result = d.find_element(By.CSS_SELECTOR, ".result")
    seen = {
        "label_changed": chosen != before,
        "verdict": result.find_element(By.CSS_SELECTOR, ".tag").text,
        "text": result.text,
        "findings": [li.text for li in result.find_elements(By.CSS_SELECTOR, ".findings li")],
        "next": [p.text for p in result.find_elements(By.CSS_SELECTOR, ".next")],
        "marked": [a.get_attribute("href")
                   for a in result.find_elements(By.CSS_SELECTOR, "a.button")],
        "sideways": sideways(d),
        "upload_again": len(d.find_elements(By.ID, "upload")),
    }
    return seen


def back_home(d):
    old = d.find_element(By.TAG_NAME, "html")
    d.find_element(By.LINK_TEXT, "返回本单位页面").click()
    wait_gone(d, old, 30)
    d.find_element(By.ID, "upload")


def page_seen(d, url, shot, width):
    d.get(url)
    seen = {"sideways": sideways(d), "title": d.title}
    full_shot(d, shot, width)
    return seen


def session(width, scripts, out, dept, board, links, first, second):
    seen = {}
    tag = f"{width}" if scripts else f"{width}-noscript"
    with tempfile.TemporaryDirectory() as profile:
        d = driver(width, profile, scripts)
        try:
            size(d, width, 900)
            seen["department"] = page_seen(d, dept, os.path.join(out, f"department-{tag}.png"), width)
            seen["heading"] = d.find_element(By.TAG_NAME, "h1").text
            if first:
                seen["first"] = upload(d, first)
                full_shot(d, os.path.join(out, f"receipt-{tag}.png"), width)
            if second:
                # After a rejection, the fixed file goes up from the answer page.
                seen["second"] = upload(d, second)
                full_shot(d, os.path.join(out, f"receipt-accepted-{tag}.png"), width)
            if first or second:
                back_home(d)
            seen["after"] = {
                "sideways": sideways(d),
                "returns": [t.text for t in d.find_elements(By.CSS_SELECTOR, "table.returns .tag")],
            }
            full_shot(d, os.path.join(out, f"department-after-{tag}.png"), width)
            if board:
                seen["board"] = page_seen(d, board, os.path.join(out, f"board-{tag}.png"), width)
                seen["board"]["forms"] = len(d.find_elements(By.CSS_SELECTOR, "input[type=file]"))
            if links:
                seen["links"] = page_seen(d, links, os.path.join(out, f"links-{tag}.png"), width)
                seen["links"]["copy_buttons"] = len(
                    [b for b in d.find_elements(By.CSS_SELECTOR, "button.copy") if b.is_displayed()])
        finally:
            d.quit()
    return seen


def main():
    dept, board, links, out = sys.argv[1:5]
    wrong, good, wrong_wide, good_no_script = (os.path.abspath(p) for p in sys.argv[5:9])
    os.makedirs(out, exist_ok=True)
    seen = {
        "cell": cell_of(wrong, "很多"),
        "360": session(360, True, out, dept, board, links, wrong, good),
        "360-noscript": session(360, False, out, dept, None, links, None, good_no_script),
        "1280": session(1280, True, out, dept, board, links, wrong_wide, None),
    }
    print(json.dumps(seen, ensure_ascii=False))


if __name__ == "__main__":
    main()
