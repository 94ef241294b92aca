// SPDX-License-Identifier: GPL-2.0-or-later

/// What the core asks the host to inject into the guest. The vocabulary is
/// QEMU-version independent: keys are Linux evdev codes, buttons are named.
public enum InputEvent: Equatable, Sendable {
    /// Press or release a key, by Linux evdev code (KEY_*).
    case key(code: UInt16, down: Bool)
    /// Press or release a mouse button.
    case button(MouseButton, down: Bool)
    /// Absolute position, each axis scaled to 0...InputEvent.absoluteMax.
    case moveAbsolute(x: Int32, y: Int32)
    /// Relative motion in pixels.
    case moveRelative(dx: Int32, dy: Int32)
    /// End of a batch of events that belong together (one server message).
    case sync

    /// QEMU's INPUT_EVENT_ABS_MAX; the C header calls it BC_ABS_MAX.
    public static let absoluteMax: Int32 = 0x7fff

    /// Pointer motion.
    var isMotion: Bool {
        switch self {
        case .moveAbsolute, .moveRelative: true
        case .key, .button, .sync: false
        }
    }
}

/// Mouse buttons as the guest sees them (QEMU's InputButton names). The raw
/// values are the C ABI's bc_button.
public enum MouseButton: UInt8, Equatable, Sendable, CaseIterable {
    case left = 0
    case middle = 1
    case right = 2
    case wheelUp = 3
    case wheelDown = 4
    /// "Back": Barrier's kButtonExtra0 (X11 button 8).
    case side = 5
    /// "Forward": Barrier's kButtonExtra1 (X11 button 9).
    case extra = 6
    case wheelLeft = 7
    case wheelRight = 8

    /// A wheel direction: clicked (see appendClick), never held.
    var isWheel: Bool {
        switch self {
        case .wheelUp, .wheelDown, .wheelLeft, .wheelRight: true
        case .left, .middle, .right, .side, .extra: false
        }
    }
}

/// Where Keyboard and Pointer put the events of a message: the host's
/// ActionQueue directly (GuestInput), or an array (their specs).
public protocol InputSink {
    mutating func append(_ event: InputEvent)
}

extension Array: InputSink where Element == InputEvent {}

extension InputSink {
    /// One wheel click: press, sync, release, sync. QEMU's pointer devices
    /// need a sync between press and release, or the click is lost.
    mutating func appendClick(_ button: MouseButton) {
        append(.button(button, down: true))
        append(.sync)
        append(.button(button, down: false))
        append(.sync)
    }
}
