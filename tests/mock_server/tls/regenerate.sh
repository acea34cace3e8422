#!/usr/bin/env bash
# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Regenerate the mock server's test PKI with the openssl CLI:
#   ca.pem / ca.key          test CA (RSA 2048, 100 years)
#   server.pem / server.key  server certificate for localhost, 127.0.0.1 and ::1 (RSA 2048, 50 years), signed by ca.key
#   other-ca.pem             an unrelated CA for "wrong CA" tests (its key is discarded)
# Usage: regenerate.sh [--out DIR] [--server]
#   --out DIR   write the files into DIR (created if missing) instead of this script's directory: works from a
#               read-only copy, such as an installed collection
#   --server    keep ca.pem/ca.key (those of the output directory), only re-issue server.pem/server.key
# These keys are public test fixtures: never use them, nor trust their CA, outside tests.
set -euo pipefail

out="$(cd "$(dirname "$0")" && pwd)"
server_only=
while [ $# -gt 0 ]; do
    case "$1" in
        --server) server_only=1 ;;
        --out)
            if [ $# -lt 2 ] || [ -z "$2" ]; then
                echo "regenerate.sh: --out needs a directory" >&2
                exit 2
            fi
            out="$2"
            shift ;;
        *) echo "usage: regenerate.sh [--out DIR] [--server]" >&2; exit 2 ;;
    esac
    shift
done

mkdir -p "$out"
cd "$out"
if [ -n "$server_only" ] && { [ ! -f ca.pem ] || [ ! -f ca.key ]; }; then
    echo "regenerate.sh: --server needs ca.pem and ca.key in $out (run without --server for a new CA)" >&2
    exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

make_ca() {  # make_ca <cert> <key> <common name>
    openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 36500 \
        -keyout "$2" -out "$1" -subj "/O=hostfactory.enrollment tests/CN=$3" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" 2>/dev/null
}

if [ -z "$server_only" ]; then
    make_ca ca.pem ca.key "hostfactory.enrollment mock test CA"
    make_ca other-ca.pem "$work/other-ca.key" "hostfactory.enrollment unrelated test CA"
fi

cat > "$work/server.ext" <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
EXT

openssl req -new -newkey rsa:2048 -nodes -sha256 -keyout server.key -out "$work/server.csr" \
    -subj "/O=hostfactory.enrollment tests/CN=localhost" 2>/dev/null
openssl x509 -req -sha256 -days 18250 -in "$work/server.csr" -CA ca.pem -CAkey ca.key \
    -set_serial "0x$(openssl rand -hex 16)" -extfile "$work/server.ext" -out server.pem 2>/dev/null
chmod 0644 ca.pem server.pem
if [ -f other-ca.pem ]; then
    chmod 0644 other-ca.pem
fi
chmod 0600 ca.key server.key
openssl verify -CAfile ca.pem server.pem
