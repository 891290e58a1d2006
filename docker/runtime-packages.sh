#!/bin/sh
# Prints the Debian packages that hold the shared libraries BINARY loads
# (per ldd), one per line: what docker/Dockerfile's runtime stage installs,
# so the image follows the link line without a second hand-kept list.
set -eu
binary=$1
ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r lib; do
    # Debian 12 is merged-/usr: dpkg may know a library by /lib or /usr/lib.
    for path in "$lib" "$(readlink -f "$lib")" "/usr$lib" "${lib#/usr}"; do
        if pkg=$(dpkg-query -S "$path" 2>/dev/null); then
            printf '%s\n' "${pkg%%:*}"
            break
        fi
    done
done | sort -u
