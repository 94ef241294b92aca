// SPDX-License-Identifier: GPL-2.0-or-later
/// The screen rectangle this client declares in DINF (x-origin, y-origin,
/// width, height); DMMV coordinates live in it.
public struct ScreenGeometry: Equatable, Sendable {
    public var x: Int16
    public var y: Int16
    public var width: Int16
    public var height: Int16
    public init(x: Int16, y: Int16, width: Int16, height: Int16) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
}

/// Turns the server's mouse messages into guest pointer events: buttons by
/// name, absolute moves scaled to the guest's 0...0x7fff axes (or turned into
/// relative deltas when the guest has no absolute device), wheel deltas into
/// clicks. Remembers held buttons so that nothing stays pressed. A wheel
/// click brings the syncs it needs (appendClick); other events are closed
/// into batches by GuestInput.
public struct Pointer: Sendable {
    /// Whether the guest has an absolute pointer device; if not, absolute
    /// moves are injected as relative deltas.
    public var absolute: Bool = true

    /// The rectangle DMMV coordinates live in; the host may change it.
    var screen: ScreenGeometry
    /// The last server position (clamped, screen coordinates): the origin for
    /// relative deltas. nil before the first enter or move.
    private var position: (x: Int64, y: Int64)?
    /// Pressed guest buttons in press order (each at most once).
    private var held: [MouseButton] = []
    private var wheelAccumulator = WheelAccumulator()

    public init(screen: ScreenGeometry) {
        self.screen = screen
    }

    /// CINN: the pointer enters at x,y: an absolute move there. A relative
    /// guest only learns the origin (where its cursor is is unknown); partial
    /// wheel notches from an earlier visit are forgotten.
    public mutating func enter(x: Int16, y: Int16, into events: inout some InputSink) {
        wheelAccumulator.reset()
        let point = screen.clamped(x: x, y: y)
        position = point
        if absolute {
            let scaled = screen.scaled(point)
            events.append(.moveAbsolute(x: scaled.x, y: scaled.y))
        }
    }

    /// DMDN. Unknown buttons and a second press of a held button inject
    /// nothing. A wheel "button" (Deskflow's tilt, 6/7) is one wheel click
    /// on its press, like X's buttons 4-7, and is never held: a DMWM click of
    /// the same direction may come while it is down.
    public mutating func buttonDown(_ id: UInt8, into events: inout some InputSink) {
        guard let button = MouseButton(barrierID: id), !held.contains(button) else { return }
        if button.isWheel {
            events.appendClick(button)
            return
        }
        held.append(button)
        events.append(.button(button, down: true))
    }

    /// DMUP. Releasing a button that is not held (or a wheel) injects nothing.
    public mutating func buttonUp(_ id: UInt8, into events: inout some InputSink) {
        guard let button = MouseButton(barrierID: id),
              let index = held.firstIndex(of: button) else { return }
        held.remove(at: index)
        events.append(.button(button, down: false))
    }

    /// DMMV: clamped into the screen rectangle, then scaled (absolute guest)
    /// or turned into a delta from the last position (relative guest; the
    /// first move without a known position only sets it).
    public mutating func moveAbsolute(x: Int16, y: Int16, into events: inout some InputSink) {
        let point = screen.clamped(x: x, y: y)
        let previous = position
        position = point
        if absolute {
            let scaled = screen.scaled(point)
            events.append(.moveAbsolute(x: scaled.x, y: scaled.y))
        } else if let previous, point != previous {
            // Both points lie in an Int16 rectangle: the deltas fit Int32.
            events.append(.moveRelative(dx: Int32(clamping: point.x - previous.x),
                                        dy: Int32(clamping: point.y - previous.y)))
        }
    }

    /// DMRM: relative motion as given. The server's own idea of the absolute
    /// position is unchanged by it, so the origin for DMMV deltas stays.
    public mutating func moveRelative(dx: Int16, dy: Int16, into events: inout some InputSink) {
        events.append(.moveRelative(dx: Int32(dx), dy: Int32(dy)))
    }

    /// DMWM (dy only for the pre-1.3 form): see WheelAccumulator.
    public mutating func wheel(dx: Int16, dy: Int16, into events: inout some InputSink) {
        wheelAccumulator.add(dx: dx, dy: dy, into: &events)
    }

    /// Held buttons, in press order.
    var heldButtons: [MouseButton] { held }

    /// Where an absolute guest's pointer is, when known.
    var absolutePosition: HeldInput.Position? {
        guard absolute, let position else { return nil }
        let scaled = screen.scaled(position)
        return HeldInput.Position(x: scaled.x, y: scaled.y)
    }

    /// COUT, disconnect, server death: release every held button, last
    /// pressed first.
    public mutating func releaseAll(into events: inout some InputSink) {
        for button in held.reversed() {
            events.append(.button(button, down: false))
        }
        held.removeAll()
    }
}
