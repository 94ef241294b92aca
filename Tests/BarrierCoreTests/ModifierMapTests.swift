// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

private typealias E = EvdevKey

/// An active session that got `options` in its handshake's DSOP.
private func activeSession(options: [(String, Int32)]) -> Connection {
    var session = Connection(configuration: .test(), now: 0)
    _ = session.feed(ServerBytes.hello() + ServerBytes.queryInfo + ServerBytes.infoAck
        + ServerBytes.resetOptions + ServerBytes.options(options) + ServerBytes.enter())
    return session
}

/// The guest keys a press and release of `id` on X11 `button` give.
private func keys(_ session: inout Connection, id: UInt16, button: UInt16) -> [InputEvent] {
    session.feed(ServerBytes.keyDown(id, button: button) + ServerBytes.keyUp(id, button: button))
        .compactMap { effect -> InputEvent? in
            if case .input(let event) = effect, event != .sync { return event }
            return nil
        }
}

private func tap(_ code: UInt16) -> [InputEvent] {
    [.key(code: code, down: true), .key(code: code, down: false)]
}

// X11 buttons (evdev + 8) and KeyIDs of the modifier keys.
private let controlL: (id: UInt16, button: UInt16) = (0xEFE3, 37)
private let controlR: (id: UInt16, button: UInt16) = (0xEFE4, 105)
private let superL: (id: UInt16, button: UInt16) = (0xEFEB, 133)
private let altL: (id: UInt16, button: UInt16) = (0xEFE9, 64)
private let letterC: (id: UInt16, button: UInt16) = (0x63, 54)

@Suite struct ModifierMapSpec {
    @Test func ctrlMappedToSuperPressesTheMetaKeyOnTheSameSide() {
        var session = activeSession(options: [("MMFC", 5)])
        #expect(keys(&session, id: controlL.id, button: controlL.button) == tap(E.KEY_LEFTMETA))
        #expect(keys(&session, id: controlR.id, button: controlR.button) == tap(E.KEY_RIGHTMETA))
        // Other keys and modifiers stay physical.
        #expect(keys(&session, id: letterC.id, button: letterC.button) == tap(E.KEY_C))
        #expect(keys(&session, id: superL.id, button: superL.button) == tap(E.KEY_LEFTMETA))
        #expect(keys(&session, id: altL.id, button: altL.button) == tap(E.KEY_LEFTALT))
    }

    @Test func swappedModifiersSwap() {
        var session = activeSession(options: [("MMFC", 3), ("MMFA", 2)])
        #expect(keys(&session, id: controlL.id, button: controlL.button) == tap(E.KEY_LEFTALT))
        #expect(keys(&session, id: altL.id, button: altL.button) == tap(E.KEY_LEFTCTRL))
    }

    @Test func aModifierMappedToNonePressesNothing() {
        var session = activeSession(options: [("MMFR", 0)])
        #expect(keys(&session, id: superL.id, button: superL.button).isEmpty)
        #expect(keys(&session, id: controlL.id, button: controlL.button) == tap(E.KEY_LEFTCTRL))
    }

    @Test func altGrMappedToControlPressesRightControl() {
        var session = activeSession(options: [("MMFG", 2)])
        #expect(keys(&session, id: 0xEF7E, button: 108) == tap(E.KEY_RIGHTCTRL))
    }

    @Test func resetOptionsAndANewOptionSetUndoTheMapping() {
        var session = activeSession(options: [("MMFC", 5)])
        _ = session.feed(ServerBytes.resetOptions)
        #expect(keys(&session, id: controlL.id, button: controlL.button) == tap(E.KEY_LEFTCTRL))
        _ = session.feed(ServerBytes.options([("MMFC", 5)]))
        #expect(keys(&session, id: controlL.id, button: controlL.button) == tap(E.KEY_LEFTMETA))
        // A DSOP carries all of the screen's options: without MMFC, none.
        _ = session.feed(ServerBytes.options([("HART", 3000)]))
        #expect(keys(&session, id: controlL.id, button: controlL.button) == tap(E.KEY_LEFTCTRL))
    }

    @Test func aKeyHeldWhileTheMappingChangesIsReleasedAsPressed() {
        var session = activeSession(options: [("MMFC", 5)])
        _ = session.feed(ServerBytes.keyDown(controlL.id, button: controlL.button))
        _ = session.feed(ServerBytes.resetOptions + ServerBytes.options([]))
        #expect(session.feed(ServerBytes.keyUp(controlL.id, button: controlL.button)).first
            == .input(.key(code: E.KEY_LEFTMETA, down: false)))
    }

    @Test(arguments: [Int32(-1), 7, 1000, Int32.min, Int32.max])
    func aValueThatNamesNoModifierChangesNothing(_ value: Int32) {
        var session = activeSession(options: [("MMFC", value)])
        #expect(keys(&session, id: controlL.id, button: controlL.button) == tap(E.KEY_LEFTCTRL))
    }

    @Test func everyModifierOptionMapsItsModifier() {
        let options: [(String, UInt16, UInt16, Int32, UInt16)] = [  // option, KeyID, X button, to, guest key
            ("MMFS", 0xEFE1, 50, 2, E.KEY_LEFTCTRL), ("MMFC", 0xEFE3, 37, 1, E.KEY_LEFTSHIFT),
            ("MMFA", 0xEFE9, 64, 1, E.KEY_LEFTSHIFT), ("MMFM", 0xEFE7, 64, 1, E.KEY_LEFTSHIFT),
            ("MMFR", 0xEFEB, 133, 1, E.KEY_LEFTSHIFT), ("MMFG", 0xEF7E, 108, 4, E.KEY_RIGHTMETA)]
        for (option, id, button, target, key) in options {
            var session = activeSession(options: [(option, target)])
            #expect(keys(&session, id: id, button: button) == tap(key), "\(option)")
        }
    }
}
