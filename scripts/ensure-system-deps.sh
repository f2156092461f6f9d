#!/usr/bin/env bash
# Installs the system packages the test suite drives for real (Chromium for the UI tests, PostgreSQL for the
# PostgreSQL backend, python3 for the polyglot example, tmux for the terminal chat test) when they are missing and we can: root with apt-get.
# Otherwise it says what is missing and how to install it; the tests that need it then fail with that message.
set -uo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v python3 >/dev/null 2>&1 || need+=(python3)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "test setup: installing ${need[*]} (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null && exit 0
  echo "test setup: apt-get install ${need[*]} failed" >&2
  exit 1
fi
echo "test setup: missing ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
exit 0
