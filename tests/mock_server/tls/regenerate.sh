#!/usr/bin/env bash
# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Regenerate the mock server's test PKI with the openssl CLI:
#   ca.pem / ca.key          test CA (RSA 2048, 100 years)
#   server.pem / server.key  server certificate for localhost, 127.0.0.1 and ::1 (RSA 2048, 50 years), signed by ca.key
#   other-ca.pem             an unrelated CA for "wrong CA" tests (its key is discarded)
# Usage: regenerate.sh            regenerate everything
#        regenerate.sh --server   keep ca.pem/ca.key, only re-issue server.pem/server.key
# These keys are public test fixtures: never use them outside tests.
set -euo pipefail

cd "$(dirname "$0")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

make_ca() {  # make_ca <cert> <key> <common name>
    openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 36500 \
        -keyout "$2" -out "$1" -subj "/O=hostfactory.enrollment tests/CN=$3" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" 2>/dev/null
}

if [ "${1:-}" != "--server" ]; then
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
chmod 0644 ca.pem other-ca.pem server.pem
chmod 0600 ca.key server.key
openssl verify -CAfile ca.pem server.pem
