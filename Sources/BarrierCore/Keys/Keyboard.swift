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
/// remembers what it pressed so that nothing stays held. (STUB: the key
/// translation issue fills this in.)
public struct Keyboard: Sendable {
    public init(mode: KeycodeMode) {}

    /// DKDN.
    public mutating func keyDown(id: UInt16, mask: UInt16, button: UInt16,
                                 into events: inout [InputEvent]) {}
    /// DKRP: `count` repeats, injected as presses with no releases between.
    public mutating func keyRepeat(id: UInt16, mask: UInt16, count: UInt16, button: UInt16,
                                   into events: inout [InputEvent]) {}
    /// DKUP: releases the key that the matching press pressed.
    public mutating func keyUp(id: UInt16, mask: UInt16, button: UInt16,
                               into events: inout [InputEvent]) {}
    /// CINN: bring the guest's Caps/Num Lock in line with the server's mask.
    public mutating func enter(mask: UInt16, guestLeds: LockLeds,
                               into events: inout [InputEvent]) {}
    /// COUT, disconnect, server death: release every held key.
    public mutating func releaseAll(into events: inout [InputEvent]) {}
}
