#!/usr/bin/env bash
# Installs what the end-to-end tests use besides Rust, if missing:
# LibreOffice Calc (real office software re-saving forms) and Writer
# (opening the Word bulletin), CJK fonts, openssl
# (test certificates) and curl (HTTPS), Chromium and its WebDriver (the web page in a real
# browser), and Python's openpyxl (filling forms as a clerk would), aiosmtpd
# (a real SMTP server) and selenium. Needs root for apt.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need_apt=()
command -v soffice >/dev/null || need_apt+=(libreoffice-calc)
dpkg -s libreoffice-writer >/dev/null 2>&1 || need_apt+=(libreoffice-writer)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v curl >/dev/null || need_apt+=(curl)
command -v strace >/dev/null || need_apt+=(strace)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
fc-list 2>/dev/null | grep -qi "noto sans cjk\|wenquanyi" || need_apt+=(fonts-noto-cjk fonts-wqy-microhei)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
python3 -c "import openpyxl, aiosmtpd, selenium" 2>/dev/null || python3 -m pip install -q openpyxl aiosmtpd selenium
