#!/bin/sh
# Installs the Debian 12 packages Tern builds and tests with — only those
# missing, so a machine that has them all is not touched. Needs root (or sudo)
# only when something is missing.
set -eu

REQUIRED="cmake ninja-build gcc make pkg-config libcmocka-dev libssl-dev clang-format iproute2 libusrsctp-dev tshark nftables"
# iproute2 (ip, tc): the network-namespace tests of io/ and tools/.
# nftables: the interop test under 5% random loss (numgen random) in a netns.
# libusrsctp-dev: the usrsctp peer of the interop tests (tests/interop/).
# tshark: the wire judge of the interop tests (scripts/wire-judge.sh), which
# fail without it, and the Wireshark tests.
# Optional: without them the fuzz smoke run or the pion tests are skipped,
# loudly, instead of failing the build.
OPTIONAL="clang libclang-rt-14-dev golang-go golang-github-pion-sctp-dev"
# golang-go, golang-github-pion-sctp-dev: the pion/sctp interop peer
# (tests/interop/pion), built offline in GOPATH mode; skipped without them.

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing_of() {
    out=""
    for p in "$@"; do installed "$p" || out="$out $p"; done
    echo "$out"
}

# Needed as commands, whichever package brought them: the Node.js interop
# peers (tests/interop/node: werift-sctp and sctp from the npm registry).
# A machine with Node.js from elsewhere (NodeSource's nodejs carries npm)
# must not get Debian's npm on top of it.
REQUIRED_COMMANDS="node:nodejs npm:npm"

missing_required=$(missing_of $REQUIRED)
for cp in $REQUIRED_COMMANDS; do
    command -v "${cp%%:*}" >/dev/null 2>&1 || missing_required="$missing_required ${cp#*:}"
done
missing_optional=$(missing_of $OPTIONAL)
[ -z "$missing_required$missing_optional" ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-deps: missing packages:$missing_required$missing_optional" >&2
        echo "install-deps: run as root (or install sudo) to install them" >&2
        [ -z "$missing_required" ] && exit 0
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no, without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
echo "install-deps: installing:$missing_required$missing_optional"
$SUDO apt-get update -qq
if [ -n "$missing_required" ]; then
    $SUDO apt-get install -y -qq --no-install-recommends $missing_required
fi
for p in $missing_optional; do
    $SUDO apt-get install -y -qq --no-install-recommends "$p" ||
        echo "install-deps: WARNING: optional package $p could not be installed" >&2
done
