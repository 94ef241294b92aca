// SPDX-License-Identifier: GPL-2.0-or-later

/// Which physical key codes a server sends (its operating system); raw values
/// are the C ABI's bc_keycodes.
public enum KeycodeMode: UInt8, Equatable, Sendable, CaseIterable {
    case auto = 0
    case x11 = 1
    case windows = 2
    case macos = 3
    case off = 4

    /// The mode that fixes `platform`.
    public init(_ platform: ServerPlatform) {
        switch platform {
        case .x11: self = .x11
        case .windows: self = .windows
        case .macos: self = .macos
        }
    }

    /// The key codes in use under this mode, given what auto mode detected
    /// (nil: none yet, or keysyms only).
    public func platform(detected: ServerPlatform?) -> ServerPlatform? {
        switch self {
        case .auto: detected
        case .x11: .x11
        case .windows: .windows
        case .macos: .macos
        case .off: nil
        }
    }
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
/// Keys are chosen by KeyMapper (physical key code first, KeyID fallback), with
/// the platform fixed by the mode or, in auto mode, read by PlatformDetector
/// press by press. A press it cannot place until its release (macOS or not)
/// waits here, and goes to the guest, in order, as soon as that is known:
/// with the release, the next key, or any other message. The modifier mask
/// of DKDN/DKRP/DKUP only helps that reading: the server sends its modifier
/// keys as keys of their own. A press that was waiting is followed by a
/// `.sync`, so that its release, which may come in the same batch, is not
/// merged with it; otherwise GuestInput closes each message with one.
public struct Keyboard: Sendable {
    /// The most presses one DKRP injects. X11 servers send count 1; Windows
    /// forwards the message's repeat count, which only grows when its queue
    /// lags. 32 is about a second of autorepeat, enough to catch up; a larger
    /// count is a burst nobody typed.
    static let maxRepeatsPerMessage: UInt16 = 32

    /// The most presses that wait for their release at once; beyond, they
    /// are read as not from a macOS server. Fast typing overlaps two or three.
    static let maxWaiting = 8

    private let mode: KeycodeMode
    /// What auto mode has learned of the server; outlives the connection.
    public private(set) var detector: PlatformDetector
    private var held = HeldKeys()
    private var waiting: [WaitingPress] = []
    /// The server's modifier remapping for this screen (DSOP).
    var modifierMap = ModifierMap()

    /// A press not yet given to the guest.
    private struct WaitingPress: Sendable {
        let id: UInt16
        let serverKey: UInt16
        let reading: PlatformDetector.Reading
    }

    public init(mode: KeycodeMode, detector: PlatformDetector = PlatformDetector()) {
        self.mode = mode
        self.detector = detector
    }

    /// The keycode set in use: fixed by the mode, or detected in auto mode
    /// (nil while the detector has no leader: each press is read alone).
    var platform: ServerPlatform? { mode.platform(detected: detector.platform) }

    /// Guest keys held, in press order, each once.
    var heldCodes: [UInt16] { held.codes }

    /// Whether presses wait for their release.
    public var hasWaiting: Bool { !waiting.isEmpty }

    /// DKDN.
    public mutating func keyDown(id: UInt16, mask: UInt16, serverKey: UInt16,
                                 into events: inout some InputSink) {
        if hasWaiting && serverKey != 0 && held.index(serverKey: serverKey, id: id, orSameKey: false) != nil {
            flushWaiting(into: &events)
        }
        // A second press of a held key (no release between) repeats it.
        if !hasWaiting, let code = heldCode(serverKey: serverKey, id: id, orSameKey: false) {
            events.append(.key(code: code, down: true))
            return
        }
        let reading = reading(id: id, mask: mask, serverKey: serverKey)
        if hasWaiting {
            if let decided = detector.platform {
                flushWaiting(macos: decided == .macos, into: &events)
            } else if waiting.count < Self.maxWaiting {
                waiting.append(WaitingPress(id: id, serverKey: serverKey, reading: reading))
                return
            } else {
                flushWaiting(into: &events)
            }
        }
        switch reading {
        case .macosOr:
            waiting.append(WaitingPress(id: id, serverKey: serverKey, reading: reading))
        case .platform(let platform):
            guard let code = press(id: id, serverKey: serverKey, platform: platform) else { return }
            events.append(.key(code: code, down: true))
        }
    }

    /// DKRP: `count` repeats, injected as presses with no releases between.
    /// A repeat of a key that is not held presses it and holds it.
    public mutating func keyRepeat(id: UInt16, mask: UInt16, count: UInt16, serverKey: UInt16,
                                   into events: inout some InputSink) {
        flushWaiting(into: &events)
        guard count > 0 else { return }
        let code: UInt16
        if let heldCode = heldCode(serverKey: serverKey, id: id, orSameKey: true) {
            code = heldCode
        } else {
            // No release will tell here: read as not from a macOS server.
            let platform = reading(id: id, mask: mask, serverKey: serverKey).platform(macos: false)
            guard let pressed = press(id: id, serverKey: serverKey, platform: platform) else { return }
            code = pressed
        }
        for _ in 0..<min(count, Self.maxRepeatsPerMessage) {
            events.append(.key(code: code, down: true))
        }
    }

    /// DKUP: releases the key that the matching press pressed. A release with
    /// no matching press injects nothing. Any release tells whether the
    /// server is a macOS one (KeyID 0), so the waiting presses go first.
    public mutating func keyUp(id: UInt16, serverKey: UInt16,
                               into events: inout some InputSink) {
        if mode == .auto { detector.keyUp(id: id, serverKey: serverKey) }
        if hasWaiting {
            flushWaiting(macos: id == KeyID.none && serverKey != 0 && !detector.excludesMacos, into: &events)
        }
        guard let index = held.index(serverKey: serverKey, id: id, orSameKey: true),
              let entry = held.remove(at: index) else { return }
        // Two server keys may have pressed the same guest key (e.g. '1' and
        // '!' without buttons): the guest key goes up with the last of them.
        if !held.holds(code: entry.code) {
            events.append(.key(code: entry.code, down: false))
        }
    }

    /// Gives the guest the presses that wait, read as not from a macOS
    /// server: a message other than a key press or release came, which does
    /// not tell, and the presses must not fall behind it.
    public mutating func flushWaiting(into events: inout some InputSink) {
        flushWaiting(macos: false, into: &events)
    }

    /// CINN: bring the guest's Caps/Num Lock in line with the server's mask
    /// (0x1000 CapsLock, 0x2000 NumLock; Scroll Lock is left alone) by tapping
    /// the lock key where the guest's LED differs.
    public mutating func enter(mask: UInt16, guestLeds: LockLeds,
                               into events: inout some InputSink) {
        if (mask & Self.capsLockMask != 0) != guestLeds.contains(.caps) {
            tap(EvdevKey.KEY_CAPSLOCK, into: &events)
        }
        if (mask & Self.numLockMask != 0) != guestLeds.contains(.num) {
            tap(EvdevKey.KEY_NUMLOCK, into: &events)
        }
    }

    /// COUT, disconnect, server death: release every held key, last pressed
    /// first.
    public mutating func releaseAll(into events: inout some InputSink) {
        flushWaiting(into: &events)
        var released: [UInt16] = []
        for entry in held.removeAll().reversed() where !released.contains(entry.code) {
            released.append(entry.code)
            events.append(.key(code: entry.code, down: false))
        }
    }

    static let capsLockMask: UInt16 = 0x1000
    static let numLockMask: UInt16 = 0x2000

    private func heldCode(serverKey: UInt16, id: UInt16, orSameKey: Bool) -> UInt16? {
        guard let index = held.index(serverKey: serverKey, id: id, orSameKey: orSameKey) else {
            return nil
        }
        return held.entry(at: index)?.code
    }

    /// How to read a new press: the mode's platform, or the detector's
    /// reading of it (which counts it as evidence).
    private mutating func reading(id: UInt16, mask: UInt16, serverKey: UInt16) -> PlatformDetector.Reading {
        mode == .auto ? detector.keyDown(id: id, mask: mask, serverKey: serverKey) : .platform(platform)
    }

    private mutating func flushWaiting(macos: Bool, into events: inout some InputSink) {
        guard hasWaiting else { return }
        for press in waiting {
            let platform = press.reading.platform(macos: macos)
            guard let code = self.press(id: press.id, serverKey: press.serverKey, platform: platform) else { continue }
            events.append(.key(code: code, down: true))
            events.append(.sync)
        }
        waiting.removeAll()
    }

    /// Maps and records a new press; nil when nothing is to be injected.
    private mutating func press(id: UInt16, serverKey: UInt16, platform: ServerPlatform?) -> UInt16? {
        guard let physical = KeyMapper.key(id: id, serverKey: serverKey, platform: platform),
              let code = modifierMap.key(for: id, physical: physical),
              held.insert(.init(serverKey: serverKey, id: id, code: code)) else { return nil }
        return code
    }

    private func tap(_ code: UInt16, into events: inout some InputSink) {
        events.append(.key(code: code, down: true))
        events.append(.key(code: code, down: false))
    }
}
