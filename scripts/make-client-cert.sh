#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Makes a TLS client certificate for QEMU's input-barrier object, in the
# layout a tls-creds-x509 object (endpoint=client) wants:
#
#   DIR/client-cert.pem   the client certificate (CN=barrierclient)
#   DIR/client-key.pem    its private key (mode 600)
#   DIR/ca-cert.pem       a throw-away CA that signed it: QEMU requires
#                         ca-cert.pem for every x509 endpoint and, with its
#                         default sanity-check=on, wants the client
#                         certificate to be a non-CA certificate signed by
#                         it.  The CA key is deleted: nothing else can be
#                         signed with it.  (With verify-peer=off, as Barrier's
#                         self-signed servers need, it checks no server.)
#
# and prints the line to add to the server's trusted clients, e.g.
# PROFILE/SSL/Fingerprints/TrustedClients.txt (Barrier, Input Leap) or
# tls/trusted-clients (Deskflow):
#
#   v2:sha256:<64 lowercase hex digits>
#
# usage: scripts/make-client-cert.sh DIR [DAYS]     (DAYS: default 3650)
# Refuses to overwrite an existing client-key.pem.
set -euo pipefail

die() { echo "make-client-cert: $*" >&2; exit 1; }
[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: $0 DIR [DAYS]"
dir=$1
days=${2:-3650}
command -v openssl >/dev/null || die "openssl is needed"
[ -e "$dir/client-key.pem" ] && die "$dir/client-key.pem exists; remove it first to make a new certificate"
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077

openssl req -x509 -new -nodes -newkey rsa:2048 -sha256 -days "$days" \
    -subj "/CN=barrierclient client CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$work/ca-key.pem" -out "$work/ca-cert.pem" 2>/dev/null ||
    die "openssl could not make the CA"
openssl req -new -nodes -newkey rsa:2048 -sha256 -subj "/CN=barrierclient" \
    -keyout "$work/client-key.pem" -out "$work/client.csr" 2>/dev/null ||
    die "openssl could not make the key"
cat >"$work/ext.cnf" <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
EXT
openssl x509 -req -in "$work/client.csr" -CA "$work/ca-cert.pem" \
    -CAkey "$work/ca-key.pem" -CAcreateserial -sha256 -days "$days" \
    -extfile "$work/ext.cnf" -out "$work/client-cert.pem" 2>/dev/null ||
    die "openssl could not sign the certificate"

install -m 600 "$work/client-key.pem" "$dir/client-key.pem"
install -m 644 "$work/client-cert.pem" "$dir/client-cert.pem"
install -m 644 "$work/ca-cert.pem" "$dir/ca-cert.pem"

fp=$(openssl x509 -in "$dir/client-cert.pem" -outform DER |
     openssl dgst -sha256 -r | cut -d' ' -f1)
echo "made $dir/client-cert.pem, $dir/client-key.pem, $dir/ca-cert.pem" >&2
echo "add this line to the server's trusted clients (TrustedClients.txt / trusted-clients):" >&2
echo "v2:sha256:$fp"
