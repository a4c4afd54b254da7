"""What the browser tests share: a headless Chromium over WebDriver (Debian's
chromium and chromium-driver), a screen of a given width, full-page
screenshots, and waiting for a page to be replaced."""
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


def driver(width, profile, scripts=True):
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", f"--user-data-dir={profile}",
             f"--window-size={width},900", "--lang=zh-CN"]
    if not scripts:
        flags.append("--blink-settings=scriptEnabled=false")
    for flag in flags:
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
    """Wait for the page to be replaced. An upload form that submits from a
    script returns from the click before the answer page is there; while
    it loads, asking about the old element can fail with other errors than
    "stale" (no execution context on a loaded machine), and those mean
    "not yet"."""
    WebDriverWait(d, secs, ignored_exceptions=(WebDriverException,)).until(
        expected_conditions.staleness_of(old))
