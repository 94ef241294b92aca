// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

// Specs that scripts/mutation-pass.py found missing: each fails under one
// mutation of scripts/mutations.json (named in its comment) and pins what
// the user, the guest or the server would notice.

private typealias E = EvdevKey

/// A configuration that differs from `.test()` in its name or clipboard
/// limit, built through the validating initializer.
private func configuration(name: [UInt8] = Array("VM-1".utf8),
                           clipboardLimit: UInt64 = 0) throws(SessionConfiguration.Error) -> SessionConfiguration {
    try SessionConfiguration(screenName: name, x: 0, y: 0, width: 1920, height: 1080, keycodes: 0,
                             reconnectDelay: 1_000, clipboardLimit: clipboardLimit)
}

// MARK: - Configuration

@Suite struct ConfigurationPassSpec {
    // cfg.empty-name-accepted, cfg.long-name-accepted
    @Test func aScreenNameMustBeOneTo255Bytes() throws {
        #expect(throws: SessionConfiguration.Error.nameLength) { try configuration(name: []) }
        #expect(throws: SessionConfiguration.Error.nameLength) {
            try configuration(name: Array(repeating: 0x41, count: 256))
        }
        #expect(try configuration(name: [0x41]).screenName == [0x41])
        #expect(try configuration(name: Array(repeating: 0x41, count: 255)).screenName.count == 255)
    }

    // cfg.nul-in-name-accepted
    @Test func aScreenNameWithANulIsRefused() {
        #expect(throws: SessionConfiguration.Error.nameHasNul) { try configuration(name: [0x56, 0, 0x4D]) }
    }

    // cfg.clipboard-max-refused
    @Test func theClipboardLimitMayBeExactly16MiB() throws {
        let max = UInt64(ProtocolLimits.maxClipboard)
        #expect(try configuration(clipboardLimit: max).clipboardLimit == ProtocolLimits.maxClipboard)
        #expect(throws: SessionConfiguration.Error.clipboardLimit) { try configuration(clipboardLimit: max + 1) }
    }
}

// MARK: - Connection

@Suite struct ConnectionPassSpec {
    // conn.hello-timeout-seconds
    @Test func aServerSilentBeforeItsHelloIsNamedWithTheTimeoutInSeconds() {
        var connection = Connection(configuration: .test(), now: 0)
        _ = connection.tick(now: Connection.helloTimeout)
        guard case .closed(let reason) = connection.state else { Issue.record("not closed"); return }
        #expect(reason.message.hasPrefix("no hello from the server within 10 s:"))
    }

    // clip.guest-at-limit-refused
    @Test func guestTextOfExactlyTheLimitIsShared() {
        var connection = Connection(configuration: .test(clipboardLimit: 10), now: 0)
        _ = connection.feed(ServerBytes.handshake + ServerBytes.enter(seq: 2))
        var queue = ActionQueue()
        connection.guestClipboardChanged(id: 0, text: [UInt8](repeating: 0x41, count: 10), into: &queue)
        #expect(queue.drain() == [.send(.grabClipboard(id: 0, seq: 2))])
    }

    // clip.server-at-limit-dropped
    @Test func aServerClipboardAnnouncedAtExactlyTheLimitIsDelivered() {
        // 100 bytes of text are 112 marshalled: the size the server announces.
        var connection = Connection(configuration: .test(clipboardLimit: 112), now: 0)
        _ = connection.feed(ServerBytes.handshake + ServerBytes.enter())
        let text = [UInt8](repeating: 0x41, count: 100)
        #expect(connection.feed(ServerBytes.clipboardStream(id: 0, text: text)) == [.clipboard(0, text)])
    }
}

// MARK: - Keyboard

@Suite struct KeyboardPassSpec {
    var keyboard = Keyboard(mode: .x11)
    var events: [InputEvent] = []

    // kb.repeat-no-same-key
    @Test mutating func withoutButtonsARepeatOfZAsLowerCaseRepeatsTheHeldKeyAndItsReleaseFreesIt() {
        keyboard.keyDown(id: 0x5A, mask: 1, serverKey: 0, into: &events)
        keyboard.keyRepeat(id: 0x7A, mask: 0, count: 2, serverKey: 0, into: &events)
        keyboard.keyUp(id: 0x7A, serverKey: 0, into: &events)
        #expect(events == [.key(code: E.KEY_Z, down: true), .key(code: E.KEY_Z, down: true),
                           .key(code: E.KEY_Z, down: true), .key(code: E.KEY_Z, down: false)])
        #expect(keyboard.heldCodes.isEmpty)
        #expect(keyboard.releaseAllEvents().isEmpty)
    }
}

// MARK: - Supervisor

@Suite struct SupervisorPassSpec {
    // sup.shutdown-while-connecting-silent
    @Test func aShutdownWhileConnectingClosesTheHostsAttempt() throws {
        var supervisor = Supervisor(configuration: .test())
        try supervisor.start(now: 0)
        #expect(supervisor.drain().first == .connect)
        supervisor.shutdown(now: 1)
        #expect(supervisor.drain() == [.disconnect(.shutdown), .state(.stopped)])
        supervisor.tick(now: Supervisor.connectTimeout)
        #expect(supervisor.drain().isEmpty)
    }
}
