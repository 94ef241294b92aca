// SPDX-License-Identifier: GPL-2.0-or-later

/// What the guest holds down, and where its absolute pointer is: the state a
/// stopped VM keeps. QEMU drops every input event while the VM is not
/// running, so what the server did meanwhile reaches the guest, on resume,
/// as the difference between the state it kept and the state now.
public struct HeldInput: Equatable, Sendable {
    /// Guest keys held, in press order, each once.
    public var keys: [UInt16] = []
    /// Guest buttons held, in press order.
    public var buttons: [MouseButton] = []
    /// The absolute pointer position (0...absoluteMax), when known.
    public var position: Position?

    public struct Position: Equatable, Sendable {
        public var x: Int32
        public var y: Int32
    }

    public init(keys: [UInt16] = [], buttons: [MouseButton] = [], position: Position? = nil) {
        self.keys = keys
        self.buttons = buttons
        self.position = position
    }

    /// The events that take a guest holding `self` to `now`: releases first
    /// (what went up while it was stopped), then presses (what went down and
    /// is still down), then the pointer to where it is now, and a sync. A key
    /// pressed and released meanwhile appears in neither, and reaches nothing.
    func changes(to now: HeldInput) -> [InputEvent] {
        var events: [InputEvent] = []
        for key in keys.reversed() where !now.keys.contains(key) {
            events.append(.key(code: key, down: false))
        }
        for button in buttons.reversed() where !now.buttons.contains(button) {
            events.append(.button(button, down: false))
        }
        for key in now.keys where !keys.contains(key) {
            events.append(.key(code: key, down: true))
        }
        for button in now.buttons where !buttons.contains(button) {
            events.append(.button(button, down: true))
        }
        if let position = now.position, position != self.position {
            events.append(.moveAbsolute(x: position.x, y: position.y))
        }
        if !events.isEmpty { events.append(.sync) }
        return events
    }
}
