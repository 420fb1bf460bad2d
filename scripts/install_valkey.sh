#!/usr/bin/env bash
# Installs valkey-server and valkey-cli from Debian when they are missing.
# Debian 12 ships Valkey only in bookworm-backports; Debian 13 has it in main.
# Idempotent: does nothing when both binaries are already on PATH.
set -euo pipefail

if command -v valkey-server >/dev/null 2>&1 && command -v valkey-cli >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  SUDO=sudo
else
  SUDO=
fi

export DEBIAN_FRONTEND=noninteractive
codename=""
if [ -r /etc/os-release ]; then
  # shellcheck disable=SC1091
  . /etc/os-release
  codename="${VERSION_CODENAME:-}"
fi

target=()
if [ "$codename" = "bookworm" ]; then
  list=/etc/apt/sources.list.d/bookworm-backports.sources
  if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "install_valkey: adding bookworm-backports for valkey-server" >&2
    $SUDO tee "$list" >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  target=(-t bookworm-backports)
fi

$SUDO apt-get update -qq
# policy-rc.d stops the package from starting a system-wide server: tests start their own.
# An existing policy-rc.d is left as it is.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  $SUDO sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${target[@]}" valkey-server valkey-tools >/dev/null
valkey-server --version
