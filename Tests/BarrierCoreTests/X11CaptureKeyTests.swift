// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

private typealias E = EvdevKey

/// The key messages of the real Barrier 2.4 X11 capture (Fixtures/transcript.txt),
/// grouped under the `---- drive:` line that typed them.
private struct CapturedKey {
    enum Kind { case down, up }
    let kind: Kind
    let id: UInt16
    let mask: UInt16
    let button: UInt16
    /// The decoder's name for the KeyID: 'a', Shift_L, KP_End ...
    let name: String
    let drive: String
}

extension Keyboard {
    /// Sends one captured key message.
    fileprivate mutating func feed(_ key: CapturedKey, into events: inout [InputEvent]) {
        switch key.kind {
        case .down: keyDown(id: key.id, mask: key.mask, serverKey: key.button, into: &events)
        case .up: keyUp(id: key.id, serverKey: key.button, into: &events)
        }
    }
}

private func capturedKeys() throws -> [CapturedKey] {
    var keys: [CapturedKey] = []
    var drive = ""
    for line in try Fixture.text("transcript.txt").split(separator: "\n") {
        let tokens = line.split(separator: " ")
        if let marker = tokens.firstIndex(of: "drive:") {
            drive = tokens[(marker + 1)...].joined(separator: " ")
            continue
        }
        let kind: CapturedKey.Kind
        if tokens.contains("DKDN") {
            kind = .down
        } else if tokens.contains("DKUP") {
            kind = .up
        } else {
            continue
        }
        func field(_ prefix: String) -> String? {
            tokens.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
        }
        func number(_ prefix: String) -> UInt16? {
            field(prefix).flatMap { UInt16($0.prefix { $0 != "(" }) }
        }
        keys.append(CapturedKey(
            kind: kind, id: try #require(number("keyid=")), mask: try #require(number("mask=")),
            button: try #require(number("button=")), name: try #require(field("[key=")),
            drive: drive))
    }
    return keys
}

/// The evdev key behind each key name the capture shows (US layout: shifted
/// characters are their base key; KP_End/KP_Delete are KP_1/KP_Decimal with
/// Num Lock off; LeftTab is Shift+Tab).
private let keyByName: [String: UInt16] = [
    "'a'": E.KEY_A, "'Z'": E.KEY_Z, "'z'": E.KEY_Z, "'1'": E.KEY_1, "'!'": E.KEY_1,
    "'c'": E.KEY_C, "'x'": E.KEY_X,
    "Return": E.KEY_ENTER, "Left": E.KEY_LEFT, "Right": E.KEY_RIGHT, "Up": E.KEY_UP,
    "Down": E.KEY_DOWN, "F1": E.KEY_F1, "Home": E.KEY_HOME, "End": E.KEY_END,
    "Escape": E.KEY_ESC, "BackSpace": E.KEY_BACKSPACE, "Tab": E.KEY_TAB, "LeftTab": E.KEY_TAB,
    "Delete": E.KEY_DELETE,
    "Shift_L": E.KEY_LEFTSHIFT, "Control_L": E.KEY_LEFTCTRL, "Alt_L": E.KEY_LEFTALT,
    "Super_L": E.KEY_LEFTMETA,
    "NumLock": E.KEY_NUMLOCK, "KP_1": E.KEY_KP1, "KP_End": E.KEY_KP1, "KP_Enter": E.KEY_KPENTER,
    "KP_Add": E.KEY_KPPLUS, "KP_Decimal": E.KEY_KPDOT, "KP_Delete": E.KEY_KPDOT,
]

/// What the user pressed, per drive line, in order (modifiers first).
private let pressesByDrive: [String: [UInt16]] = [
    "type aZ1!": [E.KEY_A, E.KEY_LEFTSHIFT, E.KEY_Z, E.KEY_1, E.KEY_LEFTSHIFT, E.KEY_1],
    "key Return Left Right Up Down F1 Home End Escape BackSpace Tab Delete": [
        E.KEY_ENTER, E.KEY_LEFT, E.KEY_RIGHT, E.KEY_UP, E.KEY_DOWN, E.KEY_F1, E.KEY_HOME,
        E.KEY_END, E.KEY_ESC, E.KEY_BACKSPACE, E.KEY_TAB, E.KEY_DELETE],
    "key ctrl+c alt+x super+a shift+Tab": [
        E.KEY_LEFTCTRL, E.KEY_C, E.KEY_LEFTALT, E.KEY_X, E.KEY_LEFTMETA, E.KEY_A,
        E.KEY_LEFTSHIFT, E.KEY_TAB],
    "key KP_1 KP_Enter KP_Add KP_Decimal Num_Lock KP_1 Num_Lock": [
        E.KEY_KP1, E.KEY_KPENTER, E.KEY_KPPLUS, E.KEY_KPDOT, E.KEY_NUMLOCK, E.KEY_KP1,
        E.KEY_NUMLOCK],
]

@Suite struct X11CaptureKeyTests {
    @Test(arguments: [KeycodeMode.x11, .auto])
    func everyCapturedKeyBecomesTheKeyThatWasPressed(mode: KeycodeMode) throws {
        let captured = try capturedKeys()
        #expect(captured.count == 72)
        var keyboard = Keyboard(mode: mode)
        var expected: [InputEvent] = []
        var events: [InputEvent] = []
        for key in captured {
            let code = try #require(keyByName[key.name], "unnamed key \(key.name)")
            expected.append(.key(code: code, down: key.kind == .down))
            keyboard.feed(key, into: &events)
        }
        #expect(events == expected)
        #expect(keyboard.platform == .x11)
    }

    @Test func theCaptureSendsAllTheKeysTheUserPressed() throws {
        let captured = try capturedKeys()
        for (drive, presses) in pressesByDrive {
            var keyboard = Keyboard(mode: .x11)
            var events: [InputEvent] = []
            for key in captured where key.drive == drive {
                keyboard.feed(key, into: &events)
            }
            let downs = events.compactMap { event -> UInt16? in
                if case .key(let code, true) = event { return code } else { return nil }
            }
            // The X11 server adds its own Num Lock taps around keypad keys, so
            // the user's keys are a subsequence of what arrives.
            var rest = downs[...]
            for press in presses {
                guard let at = rest.firstIndex(of: press) else {
                    Issue.record("\(drive): \(press) missing from \(downs)")
                    break
                }
                rest = rest[(at + 1)...]
            }
            #expect(keyboard.releaseAllEvents().isEmpty, "\(drive) leaves keys held")
        }
    }

    @Test func theCaptureIsDetectedAsX11OnItsFirstKey() throws {
        var keyboard = Keyboard(mode: .auto)
        var events: [InputEvent] = []
        var downs = 0
        for key in try capturedKeys() where keyboard.platform == nil {
            if key.kind == .down { downs += 1 }
            keyboard.feed(key, into: &events)
        }
        #expect(keyboard.platform == .x11)
        // 'a' with X button 38 is the A key on X11 alone.
        #expect(downs == 1)
    }
}

extension Keyboard {
    /// The events releaseAll produces (test helper).
    mutating func releaseAllEvents() -> [InputEvent] {
        var events: [InputEvent] = []
        releaseAll(into: &events)
        return events
    }
}
