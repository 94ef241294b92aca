/// Which physical key codes a server sends (its operating system); raw values
/// are the C ABI's bc_keycodes.
public enum KeycodeMode: UInt8, Equatable, Sendable, CaseIterable {
    case auto = 0
    case x11 = 1
    case windows = 2
    case macos = 3
    case off = 4
}

/// The guest's lock LEDs, as QEMU reports them (QEMU_*_LOCK_LED bits).
public struct LockLeds: OptionSet, Equatable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let scroll = LockLeds(rawValue: 1 << 0)
    public static let num = LockLeds(rawValue: 1 << 1)
    public static let caps = LockLeds(rawValue: 1 << 2)
}

/// Turns the server's key messages into guest key presses and releases, and
/// remembers what it pressed so that nothing stays held.
///
/// Keys are chosen by KeyMapper (physical button first, KeyID fallback). The
/// modifier mask of DKDN/DKRP/DKUP is not used: the server sends its modifier
/// keys as keys of their own. No method appends a trailing `.sync`; the
/// session adds one per message.
public struct Keyboard: Sendable {
    /// The most presses one DKRP injects. X11 servers send count 1; Windows
    /// forwards the message's repeat count, which only grows when its queue
    /// lags. 32 is about a second of autorepeat, enough to catch up; a larger
    /// count is a burst nobody typed.
    static let maxRepeatsPerMessage: UInt16 = 32

    private let mode: KeycodeMode
    private var detector = PlatformDetector()
    private var held = HeldKeys()

    public init(mode: KeycodeMode) {
        self.mode = mode
    }

    /// The keycode set in use: fixed by the mode, or detected in auto mode
    /// (nil until the detector is sure: KeyIDs only).
    var platform: ServerPlatform? {
        switch mode {
        case .auto: return detector.platform
        case .x11: return .x11
        case .windows: return .windows
        case .macos: return .macos
        case .off: return nil
        }
    }

    /// DKDN.
    public mutating func keyDown(id: UInt16, mask: UInt16, button: UInt16,
                                 into events: inout [InputEvent]) {
        if mode == .auto { detector.observeKeyDown(id: id, button: button) }
        // A second press of a held key (no release between) repeats it.
        if let code = heldCode(button: button, id: id, orSameKey: false) {
            events.append(.key(code: code, down: true))
            return
        }
        guard let code = press(id: id, button: button) else { return }
        events.append(.key(code: code, down: true))
    }

    /// DKRP: `count` repeats, injected as presses with no releases between.
    /// A repeat of a key that is not held presses it and holds it.
    public mutating func keyRepeat(id: UInt16, mask: UInt16, count: UInt16, button: UInt16,
                                   into events: inout [InputEvent]) {
        guard count > 0 else { return }
        let heldCode = heldCode(button: button, id: id, orSameKey: true)
        guard let code = heldCode ?? press(id: id, button: button) else { return }
        for _ in 0..<min(count, Self.maxRepeatsPerMessage) {
            events.append(.key(code: code, down: true))
        }
    }

    /// DKUP: releases the key that the matching press pressed. A release with
    /// no matching press injects nothing.
    public mutating func keyUp(id: UInt16, mask: UInt16, button: UInt16,
                               into events: inout [InputEvent]) {
        if mode == .auto { detector.observeKeyUp(id: id, button: button) }
        guard let index = held.index(button: button, id: id, orSameKey: true),
              let entry = held.remove(at: index) else { return }
        // Two server keys may have pressed the same guest key (e.g. '1' and
        // '!' without buttons): the guest key goes up with the last of them.
        if !held.holds(code: entry.code) {
            events.append(.key(code: entry.code, down: false))
        }
    }

    /// CINN: bring the guest's Caps/Num Lock in line with the server's mask
    /// (0x1000 CapsLock, 0x2000 NumLock; Scroll Lock is left alone) by tapping
    /// the lock key where the guest's LED differs.
    public mutating func enter(mask: UInt16, guestLeds: LockLeds,
                               into events: inout [InputEvent]) {
        if (mask & Self.capsLockMask != 0) != guestLeds.contains(.caps) {
            tap(EvdevKey.KEY_CAPSLOCK, into: &events)
        }
        if (mask & Self.numLockMask != 0) != guestLeds.contains(.num) {
            tap(EvdevKey.KEY_NUMLOCK, into: &events)
        }
    }

    /// COUT, disconnect, server death: release every held key, last pressed
    /// first.
    public mutating func releaseAll(into events: inout [InputEvent]) {
        var released: [UInt16] = []
        for entry in held.removeAll().reversed() where !released.contains(entry.code) {
            released.append(entry.code)
            events.append(.key(code: entry.code, down: false))
        }
    }

    static let capsLockMask: UInt16 = 0x1000
    static let numLockMask: UInt16 = 0x2000

    private func heldCode(button: UInt16, id: UInt16, orSameKey: Bool) -> UInt16? {
        guard let index = held.index(button: button, id: id, orSameKey: orSameKey) else {
            return nil
        }
        return held.entry(at: index)?.code
    }

    /// Maps and records a new press; nil when nothing is to be injected.
    private mutating func press(id: UInt16, button: UInt16) -> UInt16? {
        guard let code = KeyMapper.key(id: id, button: button, platform: platform),
              held.insert(.init(button: button, id: id, code: code)) else { return nil }
        return code
    }

    private func tap(_ code: UInt16, into events: inout [InputEvent]) {
        events.append(.key(code: code, down: true))
        events.append(.key(code: code, down: false))
    }
}
