# SPDX-License-Identifier: GPL-2.0-or-later
"""TLS: a real Barrier 2.4 server with TLS on (its default) drives the VM through
QEMU's own TLS layer: input-barrier with tls-creds (a tls-creds-x509 object,
endpoint=client, made by scripts/make-client-cert.sh) and tls-fingerprint (the
server certificate's SHA-256, pinned).

- typing, clicks, the wheel, motion and enter/leave behave exactly as over
  plain TCP: the tests of test_real_barrier.py run again here, over TLS;
- with client-certificate checking (barriers' default: our certificate is in
  its TrustedClients.txt) and with --disable-client-cert-checking (no client
  certificate at all);
- a wrong or missing tls-fingerprint refuses the server with one error line,
  over several retries, that holds the server's real fingerprint; nothing is
  injected; the QOM last-error says why;
- configuration mistakes get errors that name the fix: plain client against
  a TLS server, TLS client against a plain server, a client certificate the
  server does not trust, a malformed fingerprint, tls-creds that name no
  client credentials;
- a TLS handshake that stalls is abandoned after 3 s and retried.
"""
import os
import re
import socket
import threading

import pytest

from harness.barrier_server import BarrierServer
from harness.qemu import DOWN_STATES, HELLO_TIMEOUT, QOM_PATH, UP_STATES, only
from harness.session import RealSession
from harness.tls import (CONNECT_TIMEOUT, CREDS_ID, TLS_HANDSHAKE_TIMEOUT, TLS_STALL_LINE, colon_upper,
                         make_client_cert, tls_qemu)
from harness.util import wait_until

# Every plain-TCP test of test_real_barrier.py, run again over TLS with this
# module's `session` / `vm` fixtures, in that module's order (they share one
# session: the corner and leave tests expect what the earlier ones left).
from test_real_barrier import press  # noqa: E402
from test_real_barrier import (  # noqa: F401,E402  isort:skip
    test_letters_arrive_as_their_keys,
    test_digits_arrive_as_their_keys,
    test_capital_letter_is_shift_plus_letter,
    test_shifted_punctuation_is_shift_then_key,
    test_editing_keys,
    test_navigation_keys,
    test_function_keys,
    test_keypad_keys,
    test_left_and_right_modifiers,
    test_modifier_chords,
    test_key_held_across_events_is_one_press,
    test_buttons,
    test_wheel_one_notch_is_one_click,
    test_wheel_three_notches_are_three_clicks,
    test_pointer_reaches_top_left_and_bottom_right_corners,
    test_leaving_with_a_key_held_releases_it_in_the_vm,
    test_state_is_active_on_the_vm_and_connected_elsewhere,
)

pytestmark = [pytest.mark.qemu, pytest.mark.real_server]

WRONG_FP = "v2:sha256:" + "00" * 32


def error_lines(q, pattern=""):
    """QEMU's error_report lines about the barrier object (not trace lines)."""
    rx = re.compile(pattern)
    return [l for l in q.trace.stderr_lines() if "input-barrier" in l and rx.search(l)]


def barrier_events(q, name):
    return [e for e in q.trace.since(0, only("barrier")) if e[1] == name]


def wait_error_line(q, pattern, timeout, what):
    return wait_until(lambda: error_lines(q, pattern) or None, timeout,
                      lambda: "%s; QEMU stderr:\n%s" % (what, q.stderr_tail()))


class NoClientCertServer(BarrierServer):
    """barriers as its GUI starts it: TLS on, no client certificate asked."""

    def command(self):
        return super().command() + ["--disable-client-cert-checking"]


class TLSSession(RealSession):
    """barriers with TLS + QEMU with tls-creds / tls-fingerprint + a driver."""

    def __init__(self, run_dir, creds_dir, client_fp=None, server_cls=BarrierServer,
                 fingerprint_form=lambda hex64: "v2:sha256:" + hex64):
        super().__init__(run_dir)
        self.server = server_cls(run_dir, tls=True)
        self.creds_dir = creds_dir
        self.client_fp = client_fp
        self.fingerprint_form = fingerprint_form

    def start(self, connect_timeout=20.0):
        if self.client_fp:
            self.server.trust_client(self.client_fp[len("v2:sha256:"):])
        return super().start(connect_timeout)

    def make_qemu(self):
        return tls_qemu(self.run_dir, self.server.port, self.creds_dir,
                        self.fingerprint_form(self.server.fingerprint_sha256),
                        name=self.server.client_name, binary=self.qemu_binary)


@pytest.fixture(scope="module")
def client_cert(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("client-cert"))
    return d, make_client_cert(d)


@pytest.fixture
def ca_only(tmp_path):
    """A tls-creds directory without a client certificate (ca-cert.pem only)."""
    d = str(tmp_path / "ca-only")
    os.makedirs(d)
    full = str(tmp_path / "full")
    make_client_cert(full)
    os.rename(os.path.join(full, "ca-cert.pem"), os.path.join(d, "ca-cert.pem"))
    return d


@pytest.fixture(scope="module")
def session(module_run_dir, client_cert):
    """barriers checks client certificates (its default); ours is trusted.  The
    fingerprint is given as Barrier shows it (AB:CD:...)."""
    s = TLSSession(module_run_dir, client_cert[0], client_cert[1], fingerprint_form=colon_upper)
    try:
        s.start()
        yield s
    finally:
        s.close()


# ------------------------------------------------------------- it works --

def test_tls_session_is_verified_and_clean(session):
    q = session.qemu
    assert barrier_events(q, "input_barrier_tls_verified"), "no input_barrier_tls_verified trace"
    assert "accepted secure socket" in session.server.log_text(0)
    assert error_lines(q) == [], "unexpected errors:\n" + "\n".join(error_lines(q))
    assert q.qom_get(QOM_PATH, "tls-creds") == CREDS_ID


def test_without_client_certificate_checking(run_dir, ca_only):
    """The Barrier GUI's default: TLS on, no client certificate; our creds have none."""
    s = TLSSession(run_dir, ca_only, server_cls=NoClientCertServer)
    try:
        s.start()
        s.ensure_on_vm()
        assert s.capture(lambda d: d.type("tls")) == [ev for c in "tls" for ev in press(c)]
        assert s.capture(lambda d: d.scroll("up"), keep=only("btn")) == [
            ("btn", "wheel-up", True), ("btn", "wheel-up", False)]
    finally:
        s.close()


# -------------------------------------------------------------- refusals --

@pytest.mark.parametrize("given", ["wrong", "missing"])
def test_unpinned_server_is_refused_with_one_line_holding_its_fingerprint(run_dir, client_cert, given):
    srv = BarrierServer(run_dir, tls=True)
    srv.trust_client(client_cert[1][len("v2:sha256:"):])
    srv.start()
    q = None
    try:
        real = "v2:sha256:" + srv.fingerprint_sha256
        q = tls_qemu(run_dir, srv.port, client_cert[0], WRONG_FP if given == "wrong" else None,
                     extra={"reconnect-ms": 100}).start()
        # several attempts, each one refused after the handshake
        # Several attempts, at least 3 of them refused.  barriers itself often
        # stalls the handshake that follows a refused one (its log shows
        # "failed to accept secure socket" once the client gave up): the client
        # gives up on such a handshake after 3 s and retries, which the deadline
        # allows for.
        wait_until(lambda: len(barrier_events(q, "input_barrier_tls_refused")) >= 3, 15 + 3 * CONNECT_TIMEOUT,
                   lambda: "3 refused TLS attempts; QEMU stderr:\n" + q.stderr_tail())
        lines = error_lines(q, "refusing")
        assert len(lines) == 1, "expected exactly one error line, got:\n" + "\n".join(error_lines(q))
        others = [l for l in error_lines(q) if l not in lines and TLS_STALL_LINE not in l]
        assert others == [], "unexpected error lines:\n" + "\n".join(others)
        assert real in lines[0] and "refusing the server" in lines[0], lines[0]
        assert "tls-fingerprint=" + real in lines[0], "the fix, ready to paste: " + lines[0]
        if given == "wrong":
            assert WRONG_FP in lines[0]
        assert real in q.qom_get(QOM_PATH, "last-error")
        assert q.state() in DOWN_STATES
        # nothing from the unverified server reached the session or the guest
        assert not barrier_events(q, "input_barrier_tls_verified")
        assert not barrier_events(q, "input_barrier_recv")
        assert q.trace.since(0, only("key", "btn", "abs", "rel")) == []
        assert srv.client_connected_count() == 0
    finally:
        if q:
            q.stop()
        srv.close()


def test_untrusted_client_certificate_names_the_line_to_add(run_dir, client_cert):
    srv = BarrierServer(run_dir, tls=True)      # checks client certificates; ours is not trusted
    srv.start()
    q = None
    try:
        q = tls_qemu(run_dir, srv.port, client_cert[0], "v2:sha256:" + srv.fingerprint_sha256,
                     extra={"reconnect-ms": 200}).start()
        line = wait_error_line(q, "trusted clients", 15, "an error about the untrusted client certificate")[0]
        assert client_cert[1] in line and "TrustedClients.txt" in line, line
        assert client_cert[1] in q.qom_get(QOM_PATH, "last-error")
        srv.wait_log("failed to verify", 10)
        assert srv.client_connected_count() == 0
        assert q.trace.since(0, only("key", "btn", "abs", "rel")) == []
    finally:
        if q:
            q.stop()
        srv.close()


def test_plain_client_against_tls_server_suggests_tls_creds(run_dir, qemu_factory):
    srv = BarrierServer(run_dir, tls=True)
    srv.start()
    try:
        q = qemu_factory(srv.port)
        line = wait_error_line(q, "hello", HELLO_TIMEOUT, "the hello timeout error")[0]
        assert "TLS on" in line and "tls-creds" in line, line
        assert srv.client_connected_count() == 0
    finally:
        srv.close()


def test_tls_client_against_plain_server_says_tls_is_off(run_dir, client_cert):
    srv = BarrierServer(run_dir, tls=False)
    srv.start()
    q = None
    try:
        q = tls_qemu(run_dir, srv.port, client_cert[0], WRONG_FP, extra={"reconnect-ms": 200}).start()
        line = wait_error_line(q, "TLS", 15, "an error about the plain server")[0]
        assert "TLS off" in line and "tls-creds" in line, line
        assert q.state() in DOWN_STATES
        assert q.trace.since(0, only("key", "btn", "abs", "rel")) == []
    finally:
        if q:
            q.stop()
        srv.close()


def test_verify_peer_on_against_a_self_signed_server_says_verify_peer_off(run_dir, client_cert):
    srv = BarrierServer(run_dir, tls=True)
    srv.trust_client(client_cert[1][len("v2:sha256:"):])
    srv.start()
    q = None
    try:
        q = tls_qemu(run_dir, srv.port, client_cert[0], "v2:sha256:" + srv.fingerprint_sha256,
                     verify_peer="on").start()
        line = wait_error_line(q, "verify-peer", 15, "an error about verify-peer")[0]
        assert "verify-peer=off" in line, line
        assert srv.client_connected_count() == 0
    finally:
        if q:
            q.stop()
        srv.close()


@pytest.mark.parametrize("text", ["nonsense", "v2:sha256:1234", "v2:sha1:" + "ab" * 32])
def test_malformed_fingerprint_is_an_error_at_creation(run_dir, qemu_factory, text):
    q = qemu_factory(9, with_object=False)
    out = q.hmp("object_add input-barrier,id=b1,name=VM-1,port=9,tls-fingerprint=%s" % text)
    assert "tls-fingerprint" in out and "v2:sha256:<64 hex digits>" in out, out
    assert q.alive()


@pytest.mark.parametrize("creds", [
    "secret,id=c1,data=x",                      # not TLS credentials
    "tls-creds-anon,id=c1,endpoint=server",     # a server's
])
def test_tls_creds_that_are_no_clients_are_an_error_at_creation(run_dir, qemu_factory, creds):
    q = qemu_factory(9, with_object=False)
    assert q.hmp("object_add " + creds).strip() == ""
    out = q.hmp("object_add input-barrier,id=b1,name=VM-1,port=9,tls-creds=c1")
    assert "tls-creds must be the id of a tls-creds-x509 object with endpoint=client" in out, out
    assert q.alive()


def test_tls_creds_naming_no_object_says_what_it_must_be_at_connect(run_dir, qemu_factory):
    """The object may come later on the command line, so a missing one is
    found when the connection is made, and said once over the retries."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        q = qemu_factory(listener.getsockname()[1], object_extra={"tls-creds": "nothere", "reconnect-ms": 100})
        line = wait_error_line(q, "cannot start TLS", 10, "the error about tls-creds")[0]
        assert "tls-creds must be the id of a tls-creds-x509 object with endpoint=client" in line, line
        assert q.qom_get(QOM_PATH, "last-error") in line
        wait_until(lambda: len(barrier_events(q, "input_barrier_connect")) >= 3, 10, "two retries")
        assert len(error_lines(q, "cannot start TLS")) == 1, q.stderr_tail()
        assert q.alive()
    finally:
        listener.close()


@pytest.mark.parametrize("form", [
    lambda h: "v2:sha256:" + h.upper(), lambda h: h, lambda h: colon_upper(h).lower()])
def test_fingerprint_forms_are_accepted(run_dir, qemu_factory, form):
    q = qemu_factory(9, with_object=False)
    fp = form("ab" * 32)
    out = q.hmp("object_add input-barrier,id=b1,name=VM-1,port=9,tls-creds=x,tls-fingerprint=%s" % fp)
    assert out.strip() == "", out
    assert q.qom_get("/objects/b1", "tls-fingerprint") == fp


# -------------------------------------------------- a stalled handshake --

class StallFirstProxy:
    """127.0.0.1 proxy to `port`: the first connection is accepted and never
    answered (a TLS server whose handshake stalls); later ones are relayed."""

    def __init__(self, port):
        self.target = port
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(8)
        self.port = self.lsock.getsockname()[1]
        self.stalled = None
        self.stalled_closed = threading.Event()
        self.accepted = 0
        self.socks = []
        self.stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stop:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            self.socks.append(c)
            self.accepted += 1
            if self.stalled is None:
                self.stalled = c
                threading.Thread(target=self._watch_stalled, args=(c,), daemon=True).start()
                continue
            s = socket.create_connection(("127.0.0.1", self.target))
            self.socks.append(s)
            threading.Thread(target=self._pipe, args=(c, s), daemon=True).start()
            threading.Thread(target=self._pipe, args=(s, c), daemon=True).start()

    def _watch_stalled(self, c):
        try:
            while c.recv(65536):        # the ClientHello arrives and is ignored
                pass
        except OSError:
            pass
        self.stalled_closed.set()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.stop = True
        for s in [self.lsock] + self.socks:
            try:
                s.close()
            except OSError:
                pass


def test_stalled_handshake_is_abandoned_and_retried(run_dir, client_cert):
    srv = BarrierServer(run_dir, tls=True)
    srv.trust_client(client_cert[1][len("v2:sha256:"):])
    srv.start()
    proxy = StallFirstProxy(srv.port)
    q = None
    try:
        q = tls_qemu(run_dir, proxy.port, client_cert[0], "v2:sha256:" + srv.fingerprint_sha256).start()
        # the client gives up on the stalled handshake by itself (and closes it) ...
        wait_until(proxy.stalled_closed.is_set, TLS_HANDSHAKE_TIMEOUT + 3,
                   lambda: "QEMU to abandon the stalled handshake; stderr:\n" + q.stderr_tail())
        # ... then a retry brings the session up, with no help
        srv.wait_client_connected(20)
        q.wait_state(UP_STATES, 10, "connected after the retry")
        assert proxy.accepted >= 2
        assert len(error_lines(q, TLS_STALL_LINE)) == 1, q.stderr_tail()
        # the late end of the abandoned handshake changed nothing
        assert q.alive() and q.state() in UP_STATES
    finally:
        if q:
            q.stop()
        proxy.close()
        srv.close()
