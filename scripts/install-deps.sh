#!/bin/sh
# Installs the Debian packages listed in scripts/packages.txt that are missing.
# Does nothing (and needs no network) when everything is already installed.
#   --build   only the packages needed to build tierkv-server: the lines above
#             the "# --- test peers" marker (docker/Dockerfile's build stage)
set -eu
here=$(dirname "$0")
list=$(grep -v '^[[:space:]]*$' "$here/packages.txt")
if [ "${1:-}" = "--build" ]; then
    list=$(printf '%s\n' "$list" | sed '/^# --- test peers/,$d')
fi
# Names that installed packages provide count as present: NodeSource's nodejs
# provides (and conflicts with) Debian's npm, so asking apt for npm there fails.
provided=$(dpkg-query -W -f='${db:Status-Abbrev}|${Provides}\n' 2>/dev/null \
    | sed -n 's/^ii *|//p' | tr ',' '\n' | sed 's/([^)]*)//; s/^ *//; s/ *$//')
missing=""
for pkg in $(printf '%s\n' "$list" | grep -v '^#'); do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" &&
        ! printf '%s\n' "$provided" | grep -qx "$pkg"; then
        missing="$missing $pkg"
    fi
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing"
if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
