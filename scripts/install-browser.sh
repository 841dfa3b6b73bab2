#!/usr/bin/env bash
# Installs Debian's chromium for the Playwright browser tests (tests/web/test_browser.py drives
# /usr/bin/chromium headless; Playwright's own browser downloads are not used).
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y chromium
test -x /usr/bin/chromium && echo "chromium installed at /usr/bin/chromium"
