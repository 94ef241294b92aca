// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

private let serverFP = Fingerprint(bytes: Array(repeating: 0xAB, count: 32))!
private let otherFP = Fingerprint(bytes: Array(repeating: 0xCD, count: 32))!
private let clientFP = Fingerprint(bytes: Array(repeating: 0x12, count: 32))!
private func text(_ fingerprint: Fingerprint) -> String { String(decoding: fingerprint.text, as: UTF8.self) }

/// A supervisor whose TLS handshake is under way, pinning `pin` (text).
private func handshaking(pin: String?) throws -> Supervisor {
    var supervisor = Supervisor(configuration: try SessionConfiguration(
        screenName: Array("VM-1".utf8), x: 0, y: 0, width: 1920, height: 1080, keycodes: 0,
        reconnectDelay: 1_000, clipboardLimit: 0, server: Array("localhost".utf8), port: Array("24800".utf8),
        tls: true, fingerprint: pin.map { Array($0.utf8) }))
    try supervisor.start(now: 0)
    try supervisor.tlsHandshakeStarted(now: 1)
    _ = supervisor.drain()
    return supervisor
}

/// The one line the user reads after the handshake ended so.
private func refusal(pin: String?, _ outcome: TLSHandshakeOutcome, server: Fingerprint?,
                     detail: String = "") throws -> String? {
    var supervisor = try handshaking(pin: pin)
    try supervisor.tlsHandshakeEnded(now: 2, outcome: outcome, server: server, client: clientFP, detail: detail)
    let effects = supervisor.drain()
    if supervisor.state == .handshaking { return nil }
    #expect(effects.contains(.disconnect(.transport)))
    return effects.reports.first
}

@Suite struct TLSJudgementSpec {
    @Test func thePinnedServerIsTaken() throws {
        #expect(try refusal(pin: text(serverFP), .done, server: serverFP) == nil)
        // any form of the fingerprint pins it
        let colons = serverFP.bytes.map { String($0, radix: 16, uppercase: true) }.joined(separator: ":")
        #expect(try refusal(pin: colons, .done, server: serverFP) == nil)
    }

    @Test func anotherServerIsRefusedWithItsFingerprintReadyToPaste() throws {
        let line = try #require(try refusal(pin: text(otherFP), .done, server: serverFP))
        #expect(line.contains("refusing the server") && line.contains(text(otherFP)))
        #expect(line.contains("tls-fingerprint=" + text(serverFP)))
    }

    @Test func noPinRefusesTheServerAndNamesItsFingerprint() throws {
        let line = try #require(try refusal(pin: nil, .done, server: serverFP))
        #expect(line.contains("no tls-fingerprint") && line.contains("tls-fingerprint=" + text(serverFP)))
    }

    @Test func aServerWithoutACertificateIsRefused() throws {
        let line = try #require(try refusal(pin: text(serverFP), .done, server: nil))
        #expect(line.contains("no X.509 certificate"))
    }

    @Test func aRefusedOrFailedHandshakeSaysWhatToDo() throws {
        let alert = try #require(try refusal(pin: text(serverFP), .refused, server: nil, detail: "TLS handshake failed: alert"))
        #expect(alert.hasPrefix("TLS handshake failed: alert: ") && alert.contains("client-cert.pem"))
        let plain = try #require(try refusal(pin: text(serverFP), .failed, server: nil, detail: "TLS handshake failed: x"))
        #expect(plain.contains("TLS off") && plain.contains("tls-creds"))
    }

    @Test func verifyPeerOnAgainstTheRightServerSaysVerifyPeerOff() throws {
        let line = try #require(try refusal(pin: text(serverFP), .unverified, server: serverFP, detail: "bad CA"))
        #expect(line.contains("verify-peer=off"))
        // the wrong server is refused for its fingerprint first
        let wrong = try #require(try refusal(pin: text(otherFP), .unverified, server: serverFP, detail: "bad CA"))
        #expect(wrong.contains("refusing the server"))
    }

    @Test func missingClientCredentialsSayWhatTlsCredsMustBe() throws {
        let line = try #require(try refusal(pin: text(serverFP), .noCredentials, server: nil))
        #expect(line == "cannot start TLS: tls-creds must be the id of a tls-creds-x509 object with endpoint=client")
    }

    @Test func credentialsThatAreNoClientsAreRefusedAtCreation() {
        #expect(throws: SessionConfiguration.Error.tlsCredentials) {
            _ = try SessionConfiguration(
                screenName: Array("VM-1".utf8), x: 0, y: 0, width: 1, height: 1, keycodes: 0, reconnectDelay: 0,
                clipboardLimit: 0, tls: true, tlsCredentialsUsable: false)
        }
        // without TLS there are no credentials to judge
        #expect(throws: Never.self) {
            _ = try SessionConfiguration(
                screenName: Array("VM-1".utf8), x: 0, y: 0, width: 1, height: 1, keycodes: 0, reconnectDelay: 0,
                clipboardLimit: 0, tls: false, tlsCredentialsUsable: false)
        }
    }

    @Test func aTLSServerClosingBeforeItsHelloIsTheTrustQuestion() throws {
        var supervisor = try handshaking(pin: text(serverFP))
        try supervisor.tlsHandshakeEnded(now: 2, outcome: .done, server: serverFP, client: clientFP, detail: "")
        try supervisor.disconnected(now: 3, message: nil)
        let line = try #require(supervisor.drain().reports.first)
        #expect(line.hasPrefix("the server closed the TLS connection before its hello (the server closed the connection)"))
        #expect(line.contains(text(clientFP)) && line.contains("TrustedClients.txt"))
    }

    @Test func aPlainServerClosingIsAConnectionLost() throws {
        var supervisor = Supervisor(configuration: .test())
        try supervisor.start(now: 0)
        try supervisor.connected(now: 1)
        _ = supervisor.drain()
        try supervisor.disconnected(now: 2, message: nil)
        #expect(supervisor.drain().reports == ["connection lost: the server closed the connection"])
    }

    @Test(arguments: [("server", ""), ("port", ""), ("fingerprint", "v2:sha256:1234"), ("fingerprint-plain", "ab")])
    func aBadSettingIsRefusedAtCreationWithTheFix(_ setting: (String, String)) {
        let (what, value) = setting
        #expect(throws: SessionConfiguration.Error.self) {
            _ = try SessionConfiguration(
                screenName: Array("VM-1".utf8), x: 0, y: 0, width: 1, height: 1, keycodes: 0, reconnectDelay: 0,
                clipboardLimit: 0, server: what == "server" ? [] : nil, port: what == "port" ? [] : nil,
                tls: what == "fingerprint",
                fingerprint: what.hasPrefix("fingerprint") ? Array((what == "fingerprint" ? value : text(serverFP)).utf8) : nil)
        }
    }
}
