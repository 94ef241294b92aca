// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

private typealias E = EvdevKey

/// One key as a server of each platform sends it (protocol §4 table).
private struct Press {
    let id: UInt16
    let x11: UInt16
    let windows: UInt16
    let macos: UInt16
    let evdev: UInt16

    static let escape = Press(id: 0xEF1B, x11: 9, windows: 0x001, macos: 0x036, evdev: E.KEY_ESC)
    static let tab = Press(id: 0xEF09, x11: 23, windows: 0x00F, macos: 0x031, evdev: E.KEY_TAB)
    static let returnKey = Press(id: 0xEF0D, x11: 36, windows: 0x01C, macos: 0x025,
                                 evdev: E.KEY_ENTER)
    static let backSpace = Press(id: 0xEF08, x11: 22, windows: 0x00E, macos: 0x034,
                                 evdev: E.KEY_BACKSPACE)
    static let space = Press(id: 0x0020, x11: 65, windows: 0x039, macos: 0x032, evdev: E.KEY_SPACE)
    static let shiftL = Press(id: 0xEFE1, x11: 50, windows: 0x02A, macos: 0x039,
                              evdev: E.KEY_LEFTSHIFT)
    static let controlL = Press(id: 0xEFE3, x11: 37, windows: 0x01D, macos: 0x03C,
                                evdev: E.KEY_LEFTCTRL)
    static let left = Press(id: 0xEF51, x11: 113, windows: 0x14B, macos: 0x07C, evdev: E.KEY_LEFT)
    static let up = Press(id: 0xEF52, x11: 111, windows: 0x148, macos: 0x07F, evdev: E.KEY_UP)
    static let f5 = Press(id: 0xEFC2, x11: 71, windows: 0x03F, macos: 0x061, evdev: E.KEY_F5)
    /// 'z' on a German layout: the Y key.
    static let germanZ = Press(id: 0x7A, x11: 29, windows: 0x015, macos: 0x11, evdev: E.KEY_Y)
    /// 'a' on a French layout: the Q key.
    static let frenchA = Press(id: 0x61, x11: 24, windows: 0x010, macos: 0x0D, evdev: E.KEY_Q)
    /// Cyrillic 'a' on a Russian layout: the F key.
    static let russianA = Press(id: 0x0430, x11: 41, windows: 0x021, macos: 0x04, evdev: E.KEY_F)

    static let editingKeys: [Press] = [escape, tab, returnKey, backSpace, space, shiftL, controlL,
                                       left, up, f5]
    static let layoutKeys: [Press] = [germanZ, frenchA, russianA]

    func button(_ platform: ServerPlatform) -> UInt16 {
        switch platform {
        case .x11: x11
        case .windows: windows
        case .macos: macos
        }
    }
}

extension ServerPlatform: CustomTestStringConvertible {
    public var testDescription: String {
        switch self {
        case .x11: "x11"
        case .windows: "windows"
        case .macos: "macos"
        }
    }
}

/// Types `press` the way a server of `platform` sends it; the guest's key
/// events (syncs left out).
private func type(_ press: Press, on platform: ServerPlatform, into keyboard: inout Keyboard)
    -> [InputEvent] {
    var events: [InputEvent] = []
    keyboard.keyDown(id: press.id, mask: 0, serverKey: press.button(platform), into: &events)
    keyboard.keyUp(id: platform == .macos ? 0 : press.id, serverKey: press.button(platform),
                   into: &events)
    return events.filter { $0 != .sync }
}

private func tap(_ code: UInt16) -> [InputEvent] {
    [.key(code: code, down: true), .key(code: code, down: false)]
}

@Suite struct PlatformDetectionTests {
    @Test(arguments: ServerPlatform.allCases)
    func theFirstKeyIsRightAndDecides(_ platform: ServerPlatform) {
        for press in Press.editingKeys + Press.layoutKeys {
            var keyboard = Keyboard(mode: .auto)
            #expect(type(press, on: platform, into: &keyboard) == tap(press.evdev), "\(press.id)")
            #expect(keyboard.platform == platform, "\(press.id)")
        }
    }

    @Test func aKeyIDNoLayoutTypesStillPressesAPhysicalKey() {
        // U+A500 (Vai) on X11 button 38 (the A key): no table's layouts type
        // it, no vote, and the press is read as X11's, never dropped.
        var keyboard = Keyboard(mode: .auto)
        var events: [InputEvent] = []
        keyboard.keyDown(id: 0xA500, mask: 0, serverKey: 38, into: &events)
        keyboard.keyUp(id: 0xA500, serverKey: 38, into: &events)
        #expect(events.filter { $0 != .sync } == tap(E.KEY_A))
        #expect(keyboard.platform == nil)
    }

    @Test func aPressThatFitsMacOSAndAnotherWaitsForItsRelease() {
        // US 'm' with button 47: the M key on macOS (kVK 46 + 1), the AZERTY M
        // key (KEY_SEMICOLON) on X11. Nothing reaches the guest on the press.
        for (releaseID, key) in [(UInt16(0), E.KEY_M), (0x6D, E.KEY_SEMICOLON)] {
            var keyboard = Keyboard(mode: .auto)
            var events: [InputEvent] = []
            keyboard.keyDown(id: 0x6D, mask: 0, serverKey: 47, into: &events)
            #expect(events.isEmpty)
            #expect(keyboard.hasWaiting)
            // The release tells: KeyID 0 only from macOS. The press goes
            // first, with a sync of its own so the two are not merged.
            keyboard.keyUp(id: releaseID, serverKey: 47, into: &events)
            #expect(events == [.key(code: key, down: true), .sync, .key(code: key, down: false)])
            #expect(!keyboard.hasWaiting)
        }
    }

    @Test func overlappingWaitingPressesGoInOrderWithTheFirstRelease() {
        var keyboard = Keyboard(mode: .auto)
        var events: [InputEvent] = []
        // US 'm' (button 47), then US '~' (Shift, button 51): the grave key on
        // macOS, the key left of Return (KEY_BACKSLASH) on X11, where Shift
        // types '~' on a British layout. Both wait.
        keyboard.keyDown(id: 0x6D, mask: 0, serverKey: 47, into: &events)
        keyboard.keyDown(id: 0x7E, mask: 1, serverKey: 51, into: &events)
        #expect(events.isEmpty)
        keyboard.keyUp(id: 0, serverKey: 47, into: &events)
        keyboard.keyUp(id: 0, serverKey: 51, into: &events)
        #expect(events.filter { $0 != .sync } == [
            .key(code: E.KEY_M, down: true), .key(code: E.KEY_GRAVE, down: true),
            .key(code: E.KEY_M, down: false), .key(code: E.KEY_GRAVE, down: false)])
        #expect(keyboard.platform == .macos)
    }

    @Test func aDecidingKeyReleasesTheWaitingPressesFirst() {
        var keyboard = Keyboard(mode: .auto)
        var events: [InputEvent] = []
        keyboard.keyDown(id: 0x6D, mask: 0, serverKey: 47, into: &events)
        // A French 'a' on X11 fits X11 alone: X11 decided, 'm' goes first.
        keyboard.keyDown(id: Press.frenchA.id, mask: 0, serverKey: Press.frenchA.x11, into: &events)
        #expect(events.filter { $0 != .sync } == [.key(code: E.KEY_SEMICOLON, down: true),
                                                  .key(code: E.KEY_Q, down: true)])
        #expect(keyboard.platform == .x11)
    }

    @Test func anythingButAKeyPressOrReleaseLetsAWaitingPressGoAsNotMacOS() {
        var keyboard = Keyboard(mode: .auto)
        var events: [InputEvent] = []
        keyboard.keyDown(id: 0x6D, mask: 0, serverKey: 47, into: &events)
        keyboard.flushWaiting(into: &events)
        #expect(events == [.key(code: E.KEY_SEMICOLON, down: true), .sync])
        keyboard.keyUp(id: 0x6D, serverKey: 47, into: &events)
        #expect(events.last == .key(code: E.KEY_SEMICOLON, down: false))
    }

    @Test func aRepeatLetsTheWaitingPressGoFirst() {
        var keyboard = Keyboard(mode: .auto)
        var events: [InputEvent] = []
        keyboard.keyDown(id: 0x6D, mask: 0, serverKey: 47, into: &events)
        keyboard.keyRepeat(id: 0x6D, mask: 0, count: 2, serverKey: 47, into: &events)
        #expect(events.filter { $0 != .sync } == Array(repeating: .key(code: E.KEY_SEMICOLON, down: true),
                                                       count: 3))
    }

    @Test func leavingWithAWaitingPressReleasesIt() {
        var keyboard = Keyboard(mode: .auto)
        var events: [InputEvent] = []
        keyboard.keyDown(id: 0x6D, mask: 0, serverKey: 47, into: &events)
        keyboard.releaseAll(into: &events)
        #expect(events.filter { $0 != .sync } == tap(E.KEY_SEMICOLON))
        #expect(!keyboard.hasWaiting)
    }

    @Test func atMostEightPressesWait() {
        var keyboard = Keyboard(mode: .auto)
        var events: [InputEvent] = []
        for i in 0..<Keyboard.maxWaiting {
            let (id, mask, button): (UInt16, UInt16, UInt16) = i % 2 == 0 ? (0x6D, 0, 47) : (0x7E, 1, 51)
            keyboard.keyDown(id: id, mask: mask, serverKey: button, into: &events)
        }
        #expect(events.isEmpty)
        keyboard.keyDown(id: 0x6D, mask: 0, serverKey: 47, into: &events)
        // The ninth lets the first eight go (read as not macOS) and waits.
        #expect(events.filter { $0 != .sync }.count == Keyboard.maxWaiting)
        #expect(events.first == .key(code: E.KEY_SEMICOLON, down: true))
        #expect(keyboard.hasWaiting)
    }

    @Test func aKeyUpWithAKeyIDRulesOutMacOS() {
        var keyboard = Keyboard(mode: .auto)
        _ = type(.germanZ, on: .x11, into: &keyboard)
        // From now on an ambiguous 'm' is not held back.
        var events: [InputEvent] = []
        keyboard.keyDown(id: 0x6D, mask: 0, serverKey: 47, into: &events)
        #expect(events == [.key(code: E.KEY_SEMICOLON, down: true)])
    }

    @Test func laterVotesCanOverturnTheLeader() {
        var keyboard = Keyboard(mode: .auto)
        _ = type(.escape, on: .windows, into: &keyboard)
        #expect(keyboard.platform == .windows)
        _ = type(.escape, on: .x11, into: &keyboard)
        #expect(keyboard.platform == nil)
        _ = type(.tab, on: .x11, into: &keyboard)
        #expect(keyboard.platform == .x11)
    }

    @Test func aKeyPressedBeforeAChangeOfMindIsReleasedAsPressed() {
        var keyboard = Keyboard(mode: .auto)
        var events: [InputEvent] = []
        _ = type(.escape, on: .windows, into: &keyboard)
        keyboard.keyDown(id: Press.germanZ.id, mask: 0, serverKey: Press.germanZ.windows, into: &events)
        _ = type(.escape, on: .x11, into: &keyboard)
        _ = type(.tab, on: .x11, into: &keyboard)
        _ = type(.returnKey, on: .x11, into: &keyboard)
        #expect(keyboard.platform == .x11)
        keyboard.keyUp(id: Press.germanZ.id, serverKey: Press.germanZ.windows, into: &events)
        #expect(events == tap(E.KEY_Y))
    }

    @Test func fixedModesNeverDetect() {
        for mode in [KeycodeMode.x11, .windows, .macos, .off] {
            var keyboard = Keyboard(mode: mode)
            for _ in 0..<3 { _ = type(.escape, on: .macos, into: &keyboard) }
            #expect(keyboard.platform == [.x11: .x11, .windows: .windows, .macos: .macos][mode])
        }
    }

    @Test func offAndButtonZeroUseTheKeyIDAlone() {
        var keyboard = Keyboard(mode: .off)
        #expect(type(.germanZ, on: .x11, into: &keyboard) == tap(E.KEY_Z))
        var auto = Keyboard(mode: .auto)
        var events: [InputEvent] = []
        auto.keyDown(id: 0x7A, mask: 0, serverKey: 0, into: &events)
        auto.keyUp(id: 0x7A, serverKey: 0, into: &events)
        #expect(events == tap(E.KEY_Z))
    }

    @Test func whatWasLearnedCarriesOverInTheDetector() {
        var first = Keyboard(mode: .auto)
        _ = type(.frenchA, on: .windows, into: &first)
        var next = Keyboard(mode: .auto, detector: first.detector)
        #expect(next.platform == .windows)
        #expect(type(.germanZ, on: .windows, into: &next) == tap(E.KEY_Y))
    }
}
