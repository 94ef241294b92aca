// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

private typealias E = EvdevKey

/// A supervisor connected at time 0, the pointer on its screen.
private func activeSupervisor() throws -> Supervisor {
    var supervisor = Supervisor(configuration: .test())
    try supervisor.start(now: 0)
    try supervisor.connected(now: 0)
    _ = try supervisor.feed(ServerBytes.handshake + ServerBytes.enter(), now: 0)
    return supervisor
}

private let keyA: (id: UInt16, button: UInt16) = (0x61, 38)
private let keyB: (id: UInt16, button: UInt16) = (0x62, 56)

@Suite struct ScreenChangeSpec {
    @Test func aConnectedServerHearsOfANewSizeAtOnce() throws {
        var supervisor = try activeSupervisor()
        supervisor.setScreen(ScreenGeometry(x: 0, y: 0, width: 2560, height: 1440))
        #expect(supervisor.drain().mergingSends.first
            == .send(.info(x: 0, y: 0, width: 2560, height: 1440, mouseX: 1280, mouseY: 720)))
    }

    @Test func motionWaitsForTheServersAcknowledgement() throws {
        var supervisor = try activeSupervisor()
        supervisor.setScreen(ScreenGeometry(x: 0, y: 0, width: 2560, height: 1440))
        _ = supervisor.drain()
        // Still in the old rectangle: ignored, motion and relative motion.
        #expect(try supervisor.feed(ServerBytes.mouseMove(x: 1919, y: 1079)
            + ServerBytes.message("DMRM") { $0.i16(5); $0.i16(5) }, now: 1).inputs.isEmpty)
        // Keys and buttons are not motion: they go on.
        #expect(!(try supervisor.feed(ServerBytes.mouseDown(1) + ServerBytes.mouseUp(1), now: 1).inputs.isEmpty))
        _ = try supervisor.feed(ServerBytes.infoAck, now: 2)
        // The new bottom-right corner is the absolute maximum.
        #expect(try supervisor.feed(ServerBytes.mouseMove(x: 2559, y: 1439), now: 3).inputs
            == [.moveAbsolute(x: InputEvent.absoluteMax, y: InputEvent.absoluteMax), .sync])
    }

    @Test func theLastOfSeveralChangesWins() throws {
        var supervisor = try activeSupervisor()
        supervisor.setScreen(ScreenGeometry(x: 0, y: 0, width: 1024, height: 768))
        supervisor.setScreen(ScreenGeometry(x: 0, y: 0, width: 800, height: 600))
        let infos = supervisor.drain().mergingSends
        #expect(infos.first == .send(.info(x: 0, y: 0, width: 1024, height: 768, mouseX: 512, mouseY: 384),
                                      .info(x: 0, y: 0, width: 800, height: 600, mouseX: 400, mouseY: 300)))
        _ = try supervisor.feed(ServerBytes.infoAck + ServerBytes.infoAck, now: 1)
        #expect(try supervisor.feed(ServerBytes.mouseMove(x: 799, y: 599), now: 2).inputs
            == [.moveAbsolute(x: InputEvent.absoluteMax, y: InputEvent.absoluteMax), .sync])
    }

    @Test func aSupervisorNotConnectedUsesTheSizeInItsNextHandshake() throws {
        var supervisor = Supervisor(configuration: .test())
        supervisor.setScreen(ScreenGeometry(x: 10, y: 20, width: 640, height: 480))
        #expect(supervisor.drain().isEmpty)
        try supervisor.start(now: 0)
        try supervisor.connected(now: 0)
        let effects = try supervisor.feed(ServerBytes.hello() + ServerBytes.queryInfo, now: 0)
        #expect(effects.mergingSends.contains(.send(.helloBack(.barrier, screenName: Array("VM-1".utf8)),
            .info(x: 10, y: 20, width: 640, height: 480, mouseX: 330, mouseY: 260))))
    }

    @Test(arguments: [(Int64(0), Int64(0), Int64(0), Int64(1080)), (0, 0, 1920, 40_000), (-40_000, 0, 10, 10),
                      (0, 40_000, 10, 10), (0, 0, -1, 10)])
    func aRectangleTheProtocolCannotCarryIsRefused(_ r: (Int64, Int64, Int64, Int64)) {
        #expect(throws: SessionConfiguration.Error.self) { try ScreenGeometry(validating: r.0, r.1, r.2, r.3) }
    }
}

@Suite struct GuestRunningSpec {
    @Test func aKeyReleasedWhileTheVMWasStoppedIsReleasedOnResume() throws {
        var supervisor = try activeSupervisor()
        _ = try supervisor.feed(ServerBytes.keyDown(keyA.id, button: keyA.button), now: 1)
        supervisor.setGuestRunning(false)
        #expect(try supervisor.feed(ServerBytes.keyUp(keyA.id, button: keyA.button), now: 2).inputs.isEmpty)
        supervisor.setGuestRunning(true)
        #expect(supervisor.drain().inputs == [.key(code: E.KEY_A, down: false), .sync])
    }

    @Test func aKeyPressedAndReleasedWhileStoppedNeverReachesTheGuest() throws {
        var supervisor = try activeSupervisor()
        supervisor.setGuestRunning(false)
        _ = try supervisor.feed(ServerBytes.keyDown(keyB.id, button: keyB.button)
            + ServerBytes.keyUp(keyB.id, button: keyB.button), now: 1)
        supervisor.setGuestRunning(true)
        #expect(supervisor.drain().inputs.isEmpty)
    }

    @Test func aKeyStillHeldIsHeldOnce() throws {
        var supervisor = try activeSupervisor()
        _ = try supervisor.feed(ServerBytes.keyDown(keyA.id, button: keyA.button), now: 1)
        supervisor.setGuestRunning(false)
        _ = try supervisor.feed(ServerBytes.keyDown(keyB.id, button: keyB.button), now: 2)
        supervisor.setGuestRunning(true)
        // 'a' was held all along: nothing; 'b' went down meanwhile: pressed.
        #expect(supervisor.drain().inputs == [.key(code: E.KEY_B, down: true), .sync])
        #expect(try supervisor.feed(ServerBytes.keyUp(keyB.id, button: keyB.button)
            + ServerBytes.keyUp(keyA.id, button: keyA.button), now: 3).inputs
            == [.key(code: E.KEY_B, down: false), .sync, .key(code: E.KEY_A, down: false), .sync])
    }

    @Test func buttonsAndThePointerCatchUpToo() throws {
        var supervisor = try activeSupervisor()
        _ = try supervisor.feed(ServerBytes.mouseDown(1), now: 1)
        supervisor.setGuestRunning(false)
        _ = try supervisor.feed(ServerBytes.mouseUp(1) + ServerBytes.mouseDown(3)
            + ServerBytes.mouseMove(x: 1919, y: 1079), now: 2)
        supervisor.setGuestRunning(true)
        #expect(supervisor.drain().inputs == [
            .button(.left, down: false), .button(.right, down: true),
            .moveAbsolute(x: InputEvent.absoluteMax, y: InputEvent.absoluteMax), .sync])
    }

    @Test func theConnectionGoesOnWhileStopped() throws {
        var supervisor = try activeSupervisor()
        supervisor.setGuestRunning(false)
        #expect(try supervisor.feed(ServerBytes.keepAlive, now: 1) .contains(.send(.keepAlive)))
        #expect(supervisor.state == .active)
    }

    @Test func whatAClosedConnectionHeldIsReleasedOnResume() throws {
        var supervisor = try activeSupervisor()
        _ = try supervisor.feed(ServerBytes.keyDown(keyA.id, button: keyA.button) + ServerBytes.mouseDown(1), now: 1)
        supervisor.setGuestRunning(false)
        try supervisor.disconnected(now: 2, message: "EOF")
        #expect(supervisor.drain().inputs.isEmpty)
        supervisor.setGuestRunning(true)
        #expect(supervisor.drain().inputs == [.key(code: E.KEY_A, down: false), .button(.left, down: false), .sync])
    }

    @Test func runningTwiceOrStoppingTwiceIsHarmless() throws {
        var supervisor = try activeSupervisor()
        supervisor.setGuestRunning(true)
        #expect(supervisor.drain().inputs.isEmpty)
        _ = try supervisor.feed(ServerBytes.keyDown(keyA.id, button: keyA.button), now: 1)
        supervisor.setGuestRunning(false)
        supervisor.setGuestRunning(false)
        _ = try supervisor.feed(ServerBytes.keyUp(keyA.id, button: keyA.button), now: 2)
        supervisor.setGuestRunning(true)
        #expect(supervisor.drain().inputs == [.key(code: E.KEY_A, down: false), .sync])
    }
}
