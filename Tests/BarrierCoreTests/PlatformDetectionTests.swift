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
    /// 'q' on a QWERTY layout: a layout-dependent key, never evidence.
    static let q = Press(id: 0x71, x11: 24, windows: 0x010, macos: 0x0D, evdev: E.KEY_Q)

    static let unambiguous: [Press] = [escape, tab, returnKey, backSpace, space, shiftL, controlL,
                                       left, up]

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

/// Types `press` the way a server of `platform` sends it.
private func type(_ press: Press, on platform: ServerPlatform, into keyboard: inout Keyboard)
    -> [InputEvent] {
    var events: [InputEvent] = []
    keyboard.keyDown(id: press.id, mask: 0, button: press.button(platform), into: &events)
    keyboard.keyUp(id: platform == .macos ? 0 : press.id, mask: 0, button: press.button(platform),
                   into: &events)
    return events
}

@Suite struct PlatformDetectionTests {
    @Test(arguments: ServerPlatform.allCases)
    func everyTablePairIsEvidenceForItsPlatformOnly(_ platform: ServerPlatform) {
        for press in Press.unambiguous {
            var detector = PlatformDetector()
            detector.observeKeyDown(id: press.id, button: press.button(platform))
            detector.observeKeyDown(id: press.id, button: press.button(platform))
            #expect(detector.platform == platform, "\(press.id)")
        }
    }

    @Test(arguments: ServerPlatform.allCases)
    func autoConvergesWithinThreeUnambiguousKeys(_ platform: ServerPlatform) {
        for start in Press.unambiguous.indices {
            var keyboard = Keyboard(mode: .auto)
            var typed = 0
            for offset in 0..<3 where keyboard.platform == nil {
                let press = Press.unambiguous[(start + offset) % Press.unambiguous.count]
                let events = type(press, on: platform, into: &keyboard)
                typed += 1
                // Every key is right even before detection: the KeyID fallback.
                #expect(events == [.key(code: press.evdev, down: true),
                                   .key(code: press.evdev, down: false)])
            }
            #expect(keyboard.platform == platform)
            #expect(typed <= 3)
        }
    }

    @Test func autoStaysOnKeyIDsUntilItIsSure() {
        var keyboard = Keyboard(mode: .auto)
        // Layout-dependent keys are no evidence, however many.
        for _ in 0..<10 {
            _ = type(.q, on: .x11, into: &keyboard)
        }
        #expect(keyboard.platform == nil)
        // One unambiguous key is not enough.
        _ = type(.escape, on: .windows, into: &keyboard)
        #expect(keyboard.platform == nil)
        // Meanwhile a Windows 'q' (button 0x10) is typed by its KeyID, not as
        // X11 keycode 0x10 (evdev 8 = KEY_7).
        #expect(type(.q, on: .windows, into: &keyboard) == [.key(code: E.KEY_Q, down: true),
                                                            .key(code: E.KEY_Q, down: false)])
        _ = type(.tab, on: .windows, into: &keyboard)
        #expect(keyboard.platform == .windows)
    }

    @Test func macosKeyUpsWithKeyIDZeroAreASignature() {
        var keyboard = Keyboard(mode: .auto)
        // Two letters: no layout-independent pair, but two macOS key-ups.
        _ = type(.q, on: .macos, into: &keyboard)
        #expect(keyboard.platform == nil)
        _ = type(.q, on: .macos, into: &keyboard)
        #expect(keyboard.platform == .macos)
    }

    @Test func contradictingEvidenceNeedsALeadOfTwo() {
        var detector = PlatformDetector()
        detector.observeKeyDown(id: Press.escape.id, button: Press.escape.x11)
        detector.observeKeyDown(id: Press.escape.id, button: Press.escape.windows)
        detector.observeKeyDown(id: Press.tab.id, button: Press.tab.x11)
        #expect(detector.platform == nil)
        detector.observeKeyDown(id: Press.up.id, button: Press.up.x11)
        #expect(detector.platform == .x11)
    }

    @Test func aKeyPressedBeforeDetectionIsReleasedAsPressed() {
        var keyboard = Keyboard(mode: .auto)
        var events: [InputEvent] = []
        // 'q' goes down while unsure (KeyID fallback) ...
        keyboard.keyDown(id: Press.q.id, mask: 0, button: Press.q.windows, into: &events)
        _ = type(.escape, on: .windows, into: &keyboard)
        _ = type(.tab, on: .windows, into: &keyboard)
        #expect(keyboard.platform == .windows)
        // ... and comes up as the same guest key after detection.
        keyboard.keyUp(id: Press.q.id, mask: 0, button: Press.q.windows, into: &events)
        #expect(events == [.key(code: E.KEY_Q, down: true), .key(code: E.KEY_Q, down: false)])
    }

    @Test func fixedModesNeverDetect() {
        for mode in [KeycodeMode.x11, .windows, .macos, .off] {
            var keyboard = Keyboard(mode: mode)
            for _ in 0..<3 { _ = type(.escape, on: .macos, into: &keyboard) }
            #expect(keyboard.platform == [.x11: .x11, .windows: .windows, .macos: .macos][mode])
        }
    }
}
