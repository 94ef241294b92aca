# SPDX-License-Identifier: GPL-2.0-or-later
"""TLS pieces shared by the TLS tests and the server matrix: the client
certificate (scripts/make-client-cert.sh), fingerprint forms, and a Qemu whose
input-barrier uses a tls-creds-x509 object and a pinned server fingerprint."""
import os
import re
import subprocess

from .qemu import Qemu

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
MAKE_CERT = os.path.join(REPO, "scripts", "make-client-cert.sh")
CREDS_ID = "tls0"
FP_RX = re.compile(r"v2:sha256:[0-9a-f]{64}")
# The connect, TLS handshake included, is given up after this (Supervisor).
CONNECT_TIMEOUT = 10.0
# Once TCP is up, the TLS handshake has this long (Supervisor.tlsHandshakeTimeout).
TLS_HANDSHAKE_TIMEOUT = 3.0
# The error line of a handshake given up on.
TLS_STALL_LINE = "stalled the TLS handshake for 3 s"


def make_client_cert(directory):
    """scripts/make-client-cert.sh DIR -> the v2:sha256: line it prints."""
    out = subprocess.run([MAKE_CERT, directory], check=True, capture_output=True, text=True).stdout
    line = out.strip()
    assert FP_RX.fullmatch(line), "make-client-cert.sh printed %r" % out
    for f in ("client-cert.pem", "client-key.pem", "ca-cert.pem"):
        assert os.path.exists(os.path.join(directory, f)), f
    return line


def colon_upper(hex64):
    """The form Barrier shows: AB:CD:..."""
    return ":".join(hex64[i:i + 2] for i in range(0, 64, 2)).upper()


def tls_qemu(run_dir, port, creds_dir, fingerprint=None, extra=None, verify_peer="off", **kw):
    """A Qemu whose input-barrier uses TLS.  The tls-creds object comes after the
    input-barrier object on the command line: input-barrier looks it up when
    it connects, so the order does not matter."""
    props = {"tls-creds": CREDS_ID}
    if fingerprint:
        props["tls-fingerprint"] = fingerprint
    props.update(extra or {})
    creds = "tls-creds-x509,id=%s,endpoint=client,dir=%s,verify-peer=%s" % (CREDS_ID, creds_dir, verify_peer)
    return Qemu(run_dir, port, object_extra=props, extra_args=["-object", creds], **kw)
