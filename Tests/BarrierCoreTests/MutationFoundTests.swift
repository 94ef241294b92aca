// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

// Specs that a mutation pass over Connection, Supervisor, Keyboard, Pointer
// and GuestInput found missing (issue 20: tests that can fail): each pins a
// behaviour the guest, the user or the server would notice, and fails when
// the code that makes it is removed or turned around.

private typealias E = EvdevKey

/// A supervisor connected at time 0, the pointer on its screen.
private func activeSupervisor() throws -> Supervisor {
    var supervisor = try connectedSupervisor()
    _ = try supervisor.feed(ServerBytes.enter(), now: 0)
    return supervisor
}

/// The delay the supervisor arms after this failure to connect, and the
/// retry it makes when that timer fires.
private func failAndRetry(_ supervisor: inout Supervisor, now: inout UInt64,
                          message: String = "Connection refused") throws -> UInt64? {
    try supervisor.disconnected(now: now, message: message)
    guard case .armTimer(let at)? = supervisor.drain().last else { return nil }
    defer { now = at }
    supervisor.tick(now: at)
    _ = supervisor.drain()
    return at - now
}

private let keyA: (id: UInt16, button: UInt16) = (0x61, 38)
/// US 'm' on button 47: the M key of a macOS server, the AZERTY M key
/// (KEY_SEMICOLON) of an X11 one; it waits for its release.
private let ambiguousM: (id: UInt16, button: UInt16) = (0x6D, 47)
/// US '~' (Shift) on button 51: macOS's grave key, X11's KEY_BACKSLASH; waits too.
private let ambiguousTilde: (id: UInt16, button: UInt16) = (0x7E, 51)

// MARK: - Connection

@Suite struct ConnectionFoundSpec {
    @Test func enteringPlacesThePointerAndAlignsTheLockKeys() {
        var connection = connectedConnection()
        connection.setGuestLeds([.num])
        // Caps Lock on at the server, Num Lock off; the guest has Num Lock on.
        let inputs = connection.feed(ServerBytes.enter(x: 1919, y: 0, mask: 0x1000)).inputs
        #expect(inputs == [
            .key(code: E.KEY_CAPSLOCK, down: true), .key(code: E.KEY_CAPSLOCK, down: false),
            .key(code: E.KEY_NUMLOCK, down: true), .key(code: E.KEY_NUMLOCK, down: false),
            .moveAbsolute(x: InputEvent.absoluteMax, y: 0), .sync])
    }

    @Test func thePointerMayEnterBeforeTheOptionsArrive() {
        var connection = Connection(configuration: .test(), now: 0)
        _ = connection.feed(ServerBytes.hello() + ServerBytes.queryInfo + ServerBytes.infoAck)
        #expect(connection.feed(ServerBytes.enter(x: 0, y: 0, seq: 3)).inputs == [.moveAbsolute(x: 0, y: 0), .sync])
        #expect(connection.state == .active(.barrier, seq: 3))
        #expect(!connection.feed(ServerBytes.keyDown(keyA.id, button: keyA.button)).inputs.isEmpty)
    }

    @Test func aServerInTheMiddleOfTheHandshakeHearsOfANewSizeAtOnce() {
        var connection = Connection(configuration: .test(), now: 0)
        _ = connection.feed(ServerBytes.hello() + ServerBytes.queryInfo)
        var queue = ActionQueue()
        connection.screenChanged(ScreenGeometry(x: 0, y: 0, width: 800, height: 600), into: &queue)
        #expect(queue.drain() == [.send(.info(x: 0, y: 0, width: 800, height: 600, mouseX: 400, mouseY: 300))])
    }

    @Test func aServerThatStallsTheHandshakeIsDeclaredDead() {
        var connection = Connection(configuration: .test(), now: 0)
        _ = connection.feed(ServerBytes.hello() + ServerBytes.queryInfo)
        #expect(connection.deadline == 9_000)
        _ = connection.tick(now: 9_000)
        guard case .closed(let reason) = connection.state else { Issue.record("not closed"); return }
        #expect(reason.kind == .timeout)
    }

    @Test func resetOptionsTurnsClipboardSharingBackOn() {
        var connection = connectedConnection()
        _ = connection.feed(ServerBytes.options([("CLPS", 0)]) + ServerBytes.enter(seq: 2))
        var queue = ActionQueue()
        connection.guestClipboardChanged(id: 0, text: [0x41], into: &queue)
        #expect(queue.drain().isEmpty)
        _ = connection.feed(ServerBytes.resetOptions + ServerBytes.options([]))
        connection.guestClipboardChanged(id: 0, text: [0x41], into: &queue)
        #expect(queue.drain() == [.send(.grabClipboard(id: 0, seq: 2))])
    }

    @Test func resetOptionsRestoresTheClipboardSizeLimitBothWays() {
        var connection = connectedConnection()
        _ = connection.feed(ServerBytes.options([("CLSZ", 10)]) + ServerBytes.enter(seq: 2))
        let text = [UInt8](repeating: 0x41, count: 100)
        var queue = ActionQueue()
        connection.guestClipboardChanged(id: 0, text: text, into: &queue)
        #expect(queue.drain() == [.trace("guest clipboard 0 not shared: 100 bytes, limit 10")])
        #expect(connection.feed(ServerBytes.clipboardStream(id: 0, text: text))
            == [.trace("dropped server clipboard 0: 112 bytes, limit 10")])
        _ = connection.feed(ServerBytes.resetOptions + ServerBytes.options([]))
        connection.guestClipboardChanged(id: 0, text: text, into: &queue)
        #expect(queue.drain() == [.send(.grabClipboard(id: 0, seq: 2))])
        #expect(connection.feed(ServerBytes.clipboardStream(id: 0, text: text)) == [.clipboard(0, text)])
    }

    @Test func theServersClipboardSizeCanOnlyLowerOurs() {
        var connection = connectedConnection(.test(clipboardLimit: 1_000))
        _ = connection.feed(ServerBytes.options([("CLSZ", 1_000_000)]) + ServerBytes.enter(seq: 2))
        let text = [UInt8](repeating: 0x41, count: 2_000)
        var queue = ActionQueue()
        connection.guestClipboardChanged(id: 0, text: text, into: &queue)
        #expect(queue.drain() == [.trace("guest clipboard 0 not shared: 2000 bytes, limit 1000")])
        #expect(connection.feed(ServerBytes.clipboardStream(id: 0, text: text))
            == [.trace("dropped server clipboard 0: 2012 bytes, limit 1000")])
    }

    @Test func aMalformedMessageAfterMotionReleasesInABatchOfItsOwn() {
        var connection = connectedConnection()
        _ = connection.feed(ServerBytes.enter() + ServerBytes.keyDown(keyA.id, button: keyA.button))
        let inputs = connection.feed(ServerBytes.mouseMove(x: 0, y: 0) + ServerBytes.message("DMMV") { $0.i16(1) })
            .inputs
        #expect(connection.isClosed)
        #expect(inputs == [.moveAbsolute(x: 0, y: 0), .sync, .key(code: E.KEY_A, down: false), .sync])
    }

    @Test func overlappingKeyPressesWaitTogetherForTheReleaseThatTells() {
        // A macOS server typing fast: the second press comes before the
        // first release; both wait, and the release (KeyID 0) says macOS.
        var connection = connectedConnection()
        _ = connection.feed(ServerBytes.enter())
        #expect(connection.feed(ServerBytes.keyDown(ambiguousM.id, button: ambiguousM.button)
            + ServerBytes.keyDown(ambiguousTilde.id, mask: 1, button: ambiguousTilde.button)).inputs.isEmpty)
        let inputs = connection.feed(ServerBytes.keyUp(0, button: ambiguousM.button)
            + ServerBytes.keyUp(0, button: ambiguousTilde.button)).inputs.filter { $0 != .sync }
        #expect(inputs == [.key(code: E.KEY_M, down: true), .key(code: E.KEY_GRAVE, down: true),
                           .key(code: E.KEY_M, down: false), .key(code: E.KEY_GRAVE, down: false)])
    }
}

// MARK: - Keyboard

@Suite struct KeyboardFoundSpec {
    var keyboard = Keyboard(mode: .auto)
    var events: [InputEvent] = []

    @Test mutating func aHeldKeyPressedAgainWhilePressesWaitIsReleasedByItsOneRelease() {
        // Escape from a Windows server, Tab from an X11 one: the votes tie,
        // so nothing is decided and the ambiguous 'm' waits.
        keyboard.keyDown(id: 0xEF1B, mask: 0, serverKey: 0x001, into: &events)
        keyboard.keyDown(id: 0xEF09, mask: 0, serverKey: 23, into: &events)
        keyboard.keyDown(id: ambiguousM.id, mask: 0, serverKey: ambiguousM.button, into: &events)
        #expect(keyboard.hasWaiting)
        events.removeAll()
        // Tab's autorepeat as a second press: 'm' goes first, Tab repeats.
        keyboard.keyDown(id: 0xEF09, mask: 0, serverKey: 23, into: &events)
        #expect(events == [.key(code: E.KEY_SEMICOLON, down: true), .sync, .key(code: E.KEY_TAB, down: true)])
        events.removeAll()
        keyboard.keyUp(id: 0xEF09, serverKey: 23, into: &events)
        #expect(events == [.key(code: E.KEY_TAB, down: false)])
    }

    @Test mutating func eightOverlappingPressesOfAMacServerAllWaitForTheReleaseThatTells() {
        for i in 0..<8 {
            let key = i % 2 == 0 ? ambiguousM : ambiguousTilde
            keyboard.keyDown(id: key.id, mask: i % 2 == 0 ? 0 : 1, serverKey: key.button, into: &events)
        }
        #expect(events.isEmpty)
        keyboard.keyUp(id: 0, serverKey: ambiguousM.button, into: &events)
        let presses = events.filter { if case .key(_, true) = $0 { true } else { false } }
        #expect(presses.count == 8)
        #expect(!presses.contains(.key(code: E.KEY_SEMICOLON, down: true)), "a press was read as X11")
    }

    @Test mutating func aRepeatOfAKeyNotHeldIsReadAsNotFromMacOS() {
        // No release will tell: the key of the likeliest other platform.
        keyboard.keyRepeat(id: ambiguousM.id, mask: 0, count: 1, serverKey: ambiguousM.button, into: &events)
        #expect(events == [.key(code: E.KEY_SEMICOLON, down: true)])
    }

    @Test mutating func aRepeatOfCountZeroOfAKeyNotHeldPressesAndHoldsNothing() {
        keyboard = Keyboard(mode: .x11)
        keyboard.keyRepeat(id: keyA.id, mask: 0, count: 0, serverKey: keyA.button, into: &events)
        #expect(events.isEmpty)
        #expect(keyboard.heldCodes.isEmpty)
    }
}

// MARK: - Supervisor

@Suite struct SupervisorFoundSpec {
    @Test func shutdownReleasesWhatTheGuestHolds() throws {
        var supervisor = try activeSupervisor()
        _ = try supervisor.feed(ServerBytes.keyDown(keyA.id, button: keyA.button) + ServerBytes.mouseDown(1), now: 1)
        supervisor.shutdown(now: 2)
        #expect(supervisor.drain() == [
            .input(.key(code: E.KEY_A, down: false)), .input(.button(.left, down: false)), .input(.sync),
            .disconnect(.shutdown), .state(.stopped)])
    }

    @Test func whatAutoLearnedOfTheKeyCodesHoldsAcrossAShutdownAndAStart() throws {
        var supervisor = try activeSupervisor()
        // A German 'z' from a Windows server decides.
        _ = try supervisor.feed(ServerBytes.keyDown(0x7A, button: 0x15) + ServerBytes.keyUp(0x7A, button: 0x15), now: 1)
        #expect(supervisor.keycodesInUse == .windows)
        supervisor.shutdown(now: 2)
        #expect(supervisor.keycodesInUse == .windows)
        try supervisor.start(now: 3)
        try supervisor.connected(now: 3)
        #expect(supervisor.keycodesInUse == .windows)
    }

    @Test func aFirstConnectionIsNotReported() throws {
        var supervisor = Supervisor(configuration: .test())
        try supervisor.start(now: 0)
        try supervisor.connected(now: 0)
        #expect(try supervisor.feed(ServerBytes.handshake, now: 0).reports.isEmpty)
    }

    @Test func theSameFailureAfterARecoveryIsNewsAgain() throws {
        var supervisor = try connectedSupervisor()
        try supervisor.disconnected(now: 1_000, message: "EOF")
        #expect(supervisor.drain().reports == ["connection lost: EOF"])
        supervisor.tick(now: 2_000)
        try supervisor.connected(now: 2_000)
        #expect(try supervisor.feed(ServerBytes.handshake, now: 2_000).reports == ["connected to the server as \"VM-1\""])
        try supervisor.disconnected(now: 3_000, message: "EOF")
        #expect(supervisor.drain().reports == ["connection lost: EOF"])
    }

    @Test func aWorkingConnectionAfterFailuresRetriesFromTheShortDelay() throws {
        var supervisor = Supervisor(configuration: .test(reconnectDelay: 1_000))
        try supervisor.start(now: 0)
        _ = supervisor.drain()
        var now: UInt64 = 0
        for expected: UInt64 in [1_000, 2_000, 4_000] {
            #expect(try failAndRetry(&supervisor, now: &now) == expected)
        }
        try supervisor.connected(now: now)
        _ = try supervisor.feed(ServerBytes.handshake, now: now)
        #expect(try failAndRetry(&supervisor, now: &now, message: "EOF") == 1_000)
    }

    @Test func startingAgainAfterAShutdownRetriesFromTheShortDelay() throws {
        var supervisor = Supervisor(configuration: .test(reconnectDelay: 1_000))
        try supervisor.start(now: 0)
        _ = supervisor.drain()
        var now: UInt64 = 0
        for _ in 0..<3 { _ = try failAndRetry(&supervisor, now: &now) }
        supervisor.shutdown(now: now)
        try supervisor.start(now: now)
        _ = supervisor.drain()
        #expect(try failAndRetry(&supervisor, now: &now) == 1_000)
    }

    @Test func aConfiguredDelayLongerThanTheMaximumIsKept() throws {
        var supervisor = Supervisor(configuration: .test(reconnectDelay: 60_000))
        try supervisor.start(now: 0)
        _ = supervisor.drain()
        var now: UInt64 = 0
        var delays: [UInt64?] = []
        for _ in 0..<3 { delays.append(try failAndRetry(&supervisor, now: &now)) }
        #expect(delays == [60_000, 60_000, 60_000])
    }

    @Test func theRememberedSituationsAreBoundedAndTheOldestIsNewsAgain() throws {
        var supervisor = Supervisor(configuration: .test())
        try supervisor.start(now: 0)
        _ = supervisor.drain()
        var now: UInt64 = 0
        // Seventeen different failures, one more than the supervisor keeps.
        for i in 0...16 { _ = try failAndRetry(&supervisor, now: &now, message: "failure \(i)") }
        try supervisor.disconnected(now: now, message: "failure 0")
        #expect(supervisor.drain().reports == ["failure 0"])
    }

    @Test func theGuestsLedsSetBeforeAConnectionCountOnEnter() throws {
        var supervisor = Supervisor(configuration: .test())
        supervisor.setGuestLeds([.caps])
        try supervisor.start(now: 0)
        try supervisor.connected(now: 0)
        // The server has Caps Lock off: the guest's is tapped off.
        let inputs = try supervisor.feed(ServerBytes.handshake + ServerBytes.enter(mask: 0), now: 0).inputs
        #expect(inputs.prefix(2) == [.key(code: E.KEY_CAPSLOCK, down: true), .key(code: E.KEY_CAPSLOCK, down: false)])
    }

    @Test func theGuestsLedsChangedDuringAConnectionCountOnTheNextEnter() throws {
        var supervisor = try connectedSupervisor()
        supervisor.setGuestLeds([.num])
        let inputs = try supervisor.feed(ServerBytes.enter(mask: 0), now: 1).inputs
        #expect(inputs.prefix(2) == [.key(code: E.KEY_NUMLOCK, down: true), .key(code: E.KEY_NUMLOCK, down: false)])
    }

    @Test func aRelativeGuestKnownBeforeAConnectionGetsRelativeMotion() throws {
        var supervisor = Supervisor(configuration: .test())
        supervisor.setAbsolutePointer(false)
        try supervisor.start(now: 0)
        try supervisor.connected(now: 0)
        #expect(try supervisor.feed(ServerBytes.handshake + ServerBytes.enter(x: 0, y: 540), now: 0).inputs.isEmpty)
        #expect(try supervisor.feed(ServerBytes.mouseMove(x: 10, y: 530), now: 1).inputs
            == [.moveRelative(dx: 10, dy: -10), .sync])
    }

    @Test func aGuestThatLosesItsAbsolutePointerDuringAConnectionGetsRelativeMotion() throws {
        var supervisor = try connectedSupervisor()
        supervisor.setAbsolutePointer(false)
        #expect(try supervisor.feed(ServerBytes.enter(x: 0, y: 540), now: 1).inputs.isEmpty)
        #expect(try supervisor.feed(ServerBytes.mouseMove(x: 10, y: 530), now: 2).inputs
            == [.moveRelative(dx: 10, dy: -10), .sync])
    }

    @Test func stoppingTwiceKeepsWhatTheGuestHeldAtTheFirstStop() throws {
        var supervisor = try activeSupervisor()
        _ = try supervisor.feed(ServerBytes.keyDown(keyA.id, button: keyA.button), now: 1)
        supervisor.setGuestRunning(false)
        _ = try supervisor.feed(ServerBytes.keyUp(keyA.id, button: keyA.button), now: 2)
        supervisor.setGuestRunning(false)
        supervisor.setGuestRunning(true)
        #expect(supervisor.drain().inputs == [.key(code: E.KEY_A, down: false), .sync])
    }

    @Test func aVMStoppedAgainAfterAResumeGetsNoInputUntilItRuns() throws {
        var supervisor = try activeSupervisor()
        supervisor.setGuestRunning(false)
        supervisor.setGuestRunning(true)
        supervisor.setGuestRunning(false)
        #expect(try supervisor.feed(ServerBytes.keyDown(keyA.id, button: keyA.button), now: 1).inputs.isEmpty)
        supervisor.setGuestRunning(true)
        #expect(supervisor.drain().inputs == [.key(code: E.KEY_A, down: true), .sync])
    }

    @Test func aRelativeGuestGetsNoAbsoluteMoveOnResume() throws {
        var supervisor = try activeSupervisor()
        supervisor.setAbsolutePointer(false)
        _ = try supervisor.feed(ServerBytes.enter(x: 0, y: 540, seq: 2), now: 1)
        supervisor.setGuestRunning(false)
        _ = try supervisor.feed(ServerBytes.mouseMove(x: 100, y: 100), now: 2)
        supervisor.setGuestRunning(true)
        #expect(supervisor.drain().inputs.isEmpty)
    }
}
