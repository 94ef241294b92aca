// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

extension Supervisor {
    mutating func drain() -> [Effect] {
        var q = queue
        var effects: [Effect] = []
        // Pop through the supervisor so its queue empties too.
        while nextAction() != nil {}
        effects = q.drain()
        return effects
    }

    mutating func feed(_ bytes: [UInt8], now: UInt64) throws -> [Effect] {
        try bytes.withUnsafeBytes { raw in try received(raw, now: now) }
        return drain()
    }
}

/// A supervisor that has connected and finished the handshake at time 0.
func connectedSupervisor(reconnectDelay: UInt64 = 1_000) throws -> Supervisor {
    var supervisor = Supervisor(configuration: .test(reconnectDelay: reconnectDelay))
    try supervisor.start(now: 0)
    try supervisor.connected(now: 0)
    _ = try supervisor.feed(ServerBytes.handshake, now: 0)
    return supervisor
}

@Suite struct SupervisorSpec {
    @Test func connectsWhenStartedAndHandshakesWhenTheTransportIsUp() throws {
        var supervisor = Supervisor(configuration: .test())
        #expect(supervisor.state == .stopped)
        try supervisor.start(now: 0)
        #expect(supervisor.drain() == [.connect, .state(.connecting), .armTimer(Supervisor.connectTimeout)])
        try supervisor.connected(now: 100)
        #expect(supervisor.drain() == [.state(.handshaking), .armTimer(100 + Connection.helloTimeout)])
        let effects = try supervisor.feed(ServerBytes.handshake, now: 200)
        #expect(effects.last == .armTimer(200 + 9_000))
        #expect(effects.contains(.state(.connected)))
        #expect(supervisor.state == .connected)
    }

    @Test func retriesWithADoublingDelayAndReportsOnce() throws {
        var supervisor = Supervisor(configuration: .test(reconnectDelay: 1_000))
        try supervisor.start(now: 0)
        _ = supervisor.drain()
        var now: UInt64 = 0
        var delays: [UInt64] = []
        var reports: [String] = []
        for _ in 0..<8 {
            try supervisor.disconnected(now: now, message: "cannot connect: Connection refused")
            let effects = supervisor.drain()
            reports += effects.reports
            guard case .armTimer(let at)? = effects.last else { Issue.record("no retry armed"); return }
            delays.append(at - now)
            now = at
            supervisor.tick(now: now)
            #expect(supervisor.drain().first == .connect)
        }
        #expect(delays == [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000])
        #expect(reports == ["cannot connect: Connection refused"])
    }

    @Test func reportsEachConnectFailureOnceEvenWhenTheyAlternate() throws {
        var supervisor = Supervisor(configuration: .test(reconnectDelay: 1_000))
        try supervisor.start(now: 0)
        _ = supervisor.drain()
        var now: UInt64 = 0
        var reports: [String] = []
        for message in ["Connection refused", "Connection refused", "TLS: fingerprint mismatch",
                        "TLS: fingerprint mismatch", "Connection refused", "TLS: fingerprint mismatch"] {
            try supervisor.disconnected(now: now, message: message)
            let effects = supervisor.drain()
            reports += effects.reports
            guard case .armTimer(let at)? = effects.last else { Issue.record("no retry armed"); return }
            now = at
            supervisor.tick(now: now)
            _ = supervisor.drain()
        }
        #expect(reports == ["Connection refused", "TLS: fingerprint mismatch"])
    }

    @Test func neverReportsAnEmptyLine() throws {
        var supervisor = Supervisor(configuration: .test())
        try supervisor.start(now: 0)
        _ = supervisor.drain()
        try supervisor.disconnected(now: 0, message: "")
        #expect(supervisor.drain().reports == ["cannot connect to the server"])
    }

    @Test func aFailedConnectNamesWhereItWentAndTheHostsReason() throws {
        for (server, message, expected) in [
            ("barrier.example", "Connection refused", "cannot connect to barrier.example:24800: Connection refused"),
            ("::1", "No route to host", "cannot connect to [::1]:24800: No route to host"),
            ("10.0.0.2", "", "cannot connect to 10.0.0.2:24800"),
        ] {
            var supervisor = Supervisor(configuration: try SessionConfiguration(
                screenName: Array("VM-1".utf8), x: 0, y: 0, width: 1920, height: 1080, keycodes: 0,
                reconnectDelay: 1_000, clipboardLimit: 0, server: Array(server.utf8), port: Array("24800".utf8)))
            try supervisor.start(now: 0)
            _ = supervisor.drain()
            try supervisor.disconnected(now: 0, message: message)
            #expect(supervisor.drain().reports == [expected])
        }
    }

    @Test func reportsANewSituationAndTheRecovery() throws {
        var supervisor = try connectedSupervisor()
        _ = supervisor.drain()
        try supervisor.disconnected(now: 1_000, message: "EOF")
        #expect(supervisor.drain().reports == ["connection lost: EOF"])
        supervisor.tick(now: 2_000)
        try supervisor.disconnected(now: 2_000, message: "Connection refused")
        #expect(supervisor.drain().reports == ["Connection refused"])
        supervisor.tick(now: 4_000)
        try supervisor.connected(now: 4_000)
        #expect(try supervisor.feed(ServerBytes.handshake, now: 4_000).reports
            == ["connected to the server as \"VM-1\""])
    }

    @Test func startsAgainFromTheShortDelayAfterAWorkingConnection() throws {
        var supervisor = try connectedSupervisor()
        try supervisor.disconnected(now: 50_000, message: "EOF")
        guard case .armTimer(let at)? = supervisor.drain().last else { Issue.record("no retry"); return }
        #expect(at == 51_000)
    }

    @Test func closesTheTransportAndRetriesWhenTheServerIsSilent() throws {
        var supervisor = try connectedSupervisor()
        _ = supervisor.drain()
        supervisor.tick(now: 9_000)
        let effects = supervisor.drain()
        #expect(effects.contains(.disconnect(.timeout)))
        #expect(effects.contains(.state(.disconnected)))
        #expect(effects.last == .armTimer(10_000))
    }

    @Test func givesUpOnAConnectThatTakesLongerThanTheTimeout() throws {
        var supervisor = Supervisor(configuration: .test())
        try supervisor.start(now: 0)
        _ = supervisor.drain()
        supervisor.tick(now: Supervisor.connectTimeout - 1)
        #expect(supervisor.drain().isEmpty)
        supervisor.tick(now: Supervisor.connectTimeout)
        #expect(supervisor.drain() == [
            .report("cannot connect: no connection within 10 s"), .disconnect(.timeout),
            .state(.disconnected), .armTimer(Supervisor.connectTimeout + 1_000)])
        // The host's late completion of the abandoned connect is refused.
        #expect(throws: Supervisor.CallError.wrongState) { try supervisor.connected(now: 10_001) }
    }

    @Test func doesNotRetryWhenReconnectingIsDisabled() throws {
        var supervisor = Supervisor(configuration: .test(reconnectDelay: 0))
        try supervisor.start(now: 0)
        _ = supervisor.drain()
        try supervisor.disconnected(now: 0, message: "refused")
        let effects = supervisor.drain()
        #expect(effects.contains(.state(.stopped)))
        #expect(!effects.contains { if case .armTimer = $0 { true } else { false } })
    }

    @Test func shutdownReleasesClosesAndStops() throws {
        var supervisor = try connectedSupervisor()
        _ = supervisor.drain()
        supervisor.shutdown(now: 10)
        #expect(supervisor.drain() == [.disconnect(.shutdown), .state(.stopped)])
        supervisor.tick(now: 1_000_000)
        #expect(supervisor.drain().isEmpty)
    }

    @Test func refusesCallsInTheWrongState() throws {
        var supervisor = Supervisor(configuration: .test())
        #expect(throws: Supervisor.CallError.wrongState) { try supervisor.connected(now: 0) }
        #expect(throws: Supervisor.CallError.wrongState) { try supervisor.feed([1, 2, 3], now: 0) }
        #expect(throws: Supervisor.CallError.wrongState) { try supervisor.disconnected(now: 0, message: "") }
        try supervisor.start(now: 0)
        #expect(throws: Supervisor.CallError.wrongState) { try supervisor.start(now: 0) }
    }

    @Test func aStaleTimerDoesNothing() throws {
        var supervisor = try connectedSupervisor()
        _ = supervisor.drain()
        supervisor.tick(now: 5)
        #expect(supervisor.drain().isEmpty)
    }
}

@Suite struct SupervisorTLSSpec {
    @Test func aStalledTLSHandshakeIsGivenUpOnAfterItsOwnBoundAndRetriedSoon() throws {
        var supervisor = Supervisor(configuration: .test(reconnectDelay: 1_000))
        try supervisor.start(now: 0)
        _ = supervisor.drain()
        // TCP took 500 ms; the handshake then has 3 s, not the rest of the 10 s.
        try supervisor.tlsHandshakeStarted(now: 500)
        #expect(supervisor.drain() == [.armTimer(500 + Supervisor.tlsHandshakeTimeout)])
        supervisor.tick(now: 3_499)
        #expect(supervisor.drain().isEmpty)
        supervisor.tick(now: 3_500)
        #expect(supervisor.drain() == [
            .report("cannot connect: the server stalled the TLS handshake for 3 s"), .disconnect(.timeout),
            .state(.disconnected), .armTimer(4_500)])
        // Stall after stall, the delay stays the first one: the server is there.
        var start: UInt64 = 4_500
        for _ in 1...5 {
            defer { start += Supervisor.tlsHandshakeTimeout + 1_000 }
            supervisor.tick(now: start)
            #expect(supervisor.drain() == [.connect, .state(.connecting), .armTimer(start + Supervisor.connectTimeout)])
            try supervisor.tlsHandshakeStarted(now: start)
            #expect(supervisor.drain() == [.armTimer(start + Supervisor.tlsHandshakeTimeout)])
            supervisor.tick(now: start + Supervisor.tlsHandshakeTimeout)
            #expect(supervisor.drain() == [.disconnect(.timeout), .state(.disconnected),
                                           .armTimer(start + Supervisor.tlsHandshakeTimeout + 1_000)])
        }
    }

    @Test func theTLSHandshakeNeverExtendsTheConnectBound() throws {
        var supervisor = Supervisor(configuration: .test())
        try supervisor.start(now: 0)
        _ = supervisor.drain()
        try supervisor.tlsHandshakeStarted(now: 9_000)
        #expect(supervisor.drain().isEmpty, "the 10 s connect timer stays armed")
        #expect(throws: Supervisor.CallError.wrongState) { try supervisor.tlsHandshakeStarted(now: 9_001) }
    }

    /// The reports of a TLS connection (presenting `client`) to a server that
    /// then says nothing until the hello timeout.
    private func reportsOfASilentTLSServer(client: Fingerprint?) throws -> [String] {
        var supervisor = Supervisor(configuration: .test())
        try supervisor.start(now: 0)
        _ = supervisor.drain()
        try supervisor.connected(now: 0, transport: .tls(clientCertificate: client))
        _ = supervisor.drain()
        supervisor.tick(now: Connection.helloTimeout)
        return supervisor.drain().reports
    }

    @Test func aSilentTLSServerDoesNotTrustOurCertificate() throws {
        let client = try Fingerprint(parsing: Array(("v2:sha256:" + String(repeating: "ab", count: 32)).utf8))
        let reports = try reportsOfASilentTLSServer(client: client)
        #expect(reports.count == 1)
        #expect(reports.first?.contains("v2:sha256:" + String(repeating: "ab", count: 32)) == true)
        #expect(reports.first?.contains("TrustedClients.txt") == true)
    }

    @Test func aSilentTLSServerWithoutOurCertificateWantsOne() throws {
        let reports = try reportsOfASilentTLSServer(client: nil)
        #expect(reports.count == 1)
        #expect(reports.first?.contains("client-cert.pem") == true)
    }

    @Test func whatAutoLearnedOfTheKeyCodesHoldsAcrossAReconnect() throws {
        var supervisor = try connectedSupervisor()
        #expect(supervisor.keycodesInUse == .auto)
        // A German 'z' from a Windows server (button 0x15, the Y key) decides.
        _ = try supervisor.feed(ServerBytes.enter() + ServerBytes.keyDown(0x7A, button: 0x15)
            + ServerBytes.keyUp(0x7A, button: 0x15), now: 1)
        #expect(supervisor.keycodesInUse == .windows)
        try supervisor.disconnected(now: 2, message: "EOF")
        _ = supervisor.drain()
        #expect(supervisor.keycodesInUse == .windows)
        supervisor.tick(now: 1_002)
        try supervisor.connected(now: 1_002)
        _ = try supervisor.feed(ServerBytes.handshake, now: 1_002)
        #expect(supervisor.keycodesInUse == .windows)
        // Hebrew Shift+comma ('>', button 0x33), which a fresh session reads
        // as X11's backslash key (LayoutKeystrokeTests.knownAmbiguous), is
        // the comma key of the Windows server it learned.
        let effects = try supervisor.feed(ServerBytes.enter() + ServerBytes.keyDown(0x3E, mask: 1, button: 0x33),
                                          now: 1_003)
        #expect(effects.contains(.input(.key(code: EvdevKey.KEY_COMMA, down: true))))
    }

    @Test func fixedKeyCodesAreTheModeInUse() throws {
        var supervisor = Supervisor(configuration: try SessionConfiguration(
            screenName: Array("VM-1".utf8), x: 0, y: 0, width: 1920, height: 1080,
            keycodes: UInt32(KeycodeMode.macos.rawValue), reconnectDelay: 1_000, clipboardLimit: 0))
        #expect(supervisor.keycodesInUse == .macos)
        try supervisor.start(now: 0)
        #expect(supervisor.keycodesInUse == .macos)
    }
}
