#!/usr/bin/env bash
# System packages the tests need: Debian's chromium + chromium-driver for the browser tests
# (Playwright drives /usr/bin/chromium; it never downloads a browser of its own).
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then
    echo "test deps: chromium present"
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=""; fi
echo "test deps: installing chromium and chromium-driver (apt)"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium chromium-driver
