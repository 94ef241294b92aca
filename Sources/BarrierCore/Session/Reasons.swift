// SPDX-License-Identifier: GPL-2.0-or-later

/// Every sentence a user reads, in one place: why a connection ended or
/// could not be made, each with what to do about it, and the other reports.
/// The host passes facts (an errno text, a fingerprint); the sentences are
/// made here.
extension CloseReason {
    // MARK: The server's stream

    static func frameTooLarge(_ length: UInt32) -> CloseReason {
        CloseReason(.protocolError, "protocol error: the server sent a \(length)-byte message (the limit is 4 MiB)")
    }

    static func frameTooSmall(_ length: UInt32) -> CloseReason {
        CloseReason(.protocolError,
                    "protocol error: the server sent a \(length)-byte message (too short for a message code)")
    }

    static func malformed(_ error: MessageDecodeError) -> CloseReason {
        switch error {
        case .truncated(let code, let length):
            CloseReason(.protocolError, "protocol error: \(code.text) message truncated (\(length) bytes)")
        case .invalid(let code):
            CloseReason(.protocolError, "protocol error: invalid \(code.text) message")
        }
    }

    static let notAHello = CloseReason(.protocolError,
                                       "the server did not greet as a Barrier, Input Leap or Deskflow server")

    static func unsupportedVersion(major: UInt16, minor: UInt16) -> CloseReason {
        CloseReason(.version, "the server speaks protocol \(major).\(minor); this client needs 1.6 or newer "
            + "(Barrier 2.x, Input Leap, Deskflow)")
    }

    // MARK: What the server said

    static func bye(screen: String) -> CloseReason {
        CloseReason(.bye, "the server closed the connection (it is shutting down, or its configuration "
            + "no longer has screen \"\(screen)\")")
    }

    static func incompatible(major: UInt16, minor: UInt16) -> CloseReason {
        CloseReason(.version, "the server speaks protocol \(major).\(minor) and refused this client's 1.6 (EICV)")
    }

    static func busy(screen: String) -> CloseReason {
        CloseReason(.busy, "a screen named \"\(screen)\" is already connected to the server "
            + "(EBSY): give this VM another name")
    }

    static func unknownName(screen: String) -> CloseReason {
        CloseReason(.unknownName, "the server does not know a screen named \"\(screen)\" (EUNK): "
            + "add it to the server's screens and links, or set name= to a screen it has")
    }

    static let bad = CloseReason(.bad, "the server says this client broke the protocol (EBAD)")

    // MARK: Time

    static func keepaliveTimeout(seconds: UInt64) -> CloseReason {
        CloseReason(.timeout, "the server sent no keepalive for \(seconds) s: it is not responding")
    }

    /// A server silent after the connect: most often one with TLS on (plain),
    /// or one that does not trust our certificate (TLS).
    static func helloTimeout(seconds: UInt64, transport: Connection.Transport) -> CloseReason {
        let silent = "no hello from the server within \(seconds) s"
        switch transport {
        case .plain:
            return CloseReason(.timeout, silent + ": it is not a Barrier server, or it probably has TLS on "
                + "(give input-barrier tls-creds and tls-fingerprint, or turn TLS off in the server's settings)")
        case .tls(let client):
            return CloseReason(.timeout, silent + " after the TLS handshake: " + untrusted(client: client))
        }
    }

    /// A TLS server that hung up before its hello did not accept us.
    static func closedBeforeHello(_ detail: String, client: Fingerprint?) -> CloseReason {
        CloseReason(.transport, "the server closed the TLS connection before its hello (\(detail)): "
            + untrusted(client: client))
    }

    /// What to do when a TLS server does not take this client: trust its
    /// certificate, or give it one.
    private static func untrusted(client: Fingerprint?) -> String {
        guard let client else {
            return "it probably requires a client certificate; put client-cert.pem and client-key.pem in the "
                + "tls-creds directory (scripts/make-client-cert.sh makes them) and add its fingerprint to the "
                + "server's trusted clients"
        }
        return "it does not trust this client's certificate; add " + String(decoding: client.text, as: UTF8.self)
            + " to its trusted clients (Barrier, Input Leap: SSL/Fingerprints/TrustedClients.txt in its profile; "
            + "Deskflow: tls/trusted-clients)"
    }

    // MARK: TLS

    /// Why a TLS handshake's server is not taken, or nil when it is: the
    /// handshake ended well and the certificate has the pinned fingerprint.
    static func tlsRefusal(_ outcome: TLSHandshakeOutcome, server: Fingerprint?, pin: Fingerprint?,
                           detail: String) -> CloseReason? {
        switch outcome {
        case .refused:
            return CloseReason(.transport, "\(detail): the server refused the TLS handshake; if it requires a "
                + "client certificate, put client-cert.pem and client-key.pem in the tls-creds directory "
                + "(scripts/make-client-cert.sh)")
        case .failed:
            return CloseReason(.transport,
                               "\(detail): the server probably has TLS off (turn TLS on there, or remove tls-creds)")
        case .noCredentials:
            let fix = SessionConfiguration.Error.tlsCredentials.message.utf8
            return CloseReason(.transport, "cannot start TLS: " + String(decoding: fix, as: UTF8.self))
        case .done, .unverified:
            break
        }
        guard let server else {
            return CloseReason(.transport, "TLS: the server presented no X.509 certificate"
                + (detail.isEmpty ? "" : ": " + detail))
        }
        let text = String(decoding: server.text, as: UTF8.self)
        guard let pin else {
            return CloseReason(.transport, "TLS: refusing the server: no tls-fingerprint to check its certificate "
                + "against; if its fingerprint is \(text), set tls-fingerprint=\(text)")
        }
        guard pin == server else {
            return CloseReason(.transport, "TLS: refusing the server: its certificate fingerprint is \(text), not "
                + "tls-fingerprint \(String(decoding: pin.text, as: UTF8.self)); if you trust it, "
                + "set tls-fingerprint=\(text)")
        }
        guard outcome == .done else {
            return CloseReason(.transport, "TLS: \(detail): the tls-creds object checks the server's certificate "
                + "against its ca-cert.pem (verify-peer=on); Barrier servers use self-signed certificates: set "
                + "verify-peer=off (tls-fingerprint pins the server)")
        }
        return nil
    }

    static func connectTimeout(seconds: UInt64) -> CloseReason {
        CloseReason(.timeout, "cannot connect: no connection within \(seconds) s")
    }

    static func tlsHandshakeTimeout(seconds: UInt64) -> CloseReason {
        CloseReason(.timeout, "cannot connect: the server stalled the TLS handshake for \(seconds) s")
    }

    // MARK: The host

    /// A connect that failed: where to, and the host's words for why (an
    /// errno text); a host that did not say where passes a whole sentence.
    static func unreachable(_ message: String, address: String?) -> CloseReason {
        guard let address else {
            return CloseReason(.transport, message.isEmpty ? "cannot connect to the server" : message)
        }
        return CloseReason(.transport, "cannot connect to \(address)" + (message.isEmpty ? "" : ": \(message)"))
    }

    static func connectionLost(_ message: String) -> CloseReason {
        CloseReason(.transport, "connection lost: \(message)")
    }

    /// The host saw the end of the stream.
    static let closedByServer = "the server closed the connection"

    static let shutdown = CloseReason(.shutdown, "shut down")
}

/// Reports that are not about a failure.
enum Report {
    /// After failures were reported: it works again.
    static func connected(screen: String) -> String {
        "connected to the server as \"\(screen)\""
    }
}

/// Lines for the host's trace: diagnostics, not errors.
enum TraceLine {
    static func skipped(_ code: MessageCode) -> String {
        "skipped unknown message \(code.text)"
    }

    static func serverClipboardNotMarshalled(id: UInt8) -> String {
        "dropped server clipboard \(id): not a marshalled clipboard"
    }

    static func serverClipboardTooLarge(id: UInt8, announced: Int, limit: Int) -> String {
        "dropped server clipboard \(id): \(announced) bytes, limit \(limit)"
    }

    static func serverClipboardCorrupt(id: UInt8) -> String {
        "dropped server clipboard \(id): stream corrupt"
    }

    static func guestClipboardTooLarge(id: UInt8, size: Int, limit: Int) -> String {
        "guest clipboard \(id) not shared: \(size) bytes, limit \(limit)"
    }
}
