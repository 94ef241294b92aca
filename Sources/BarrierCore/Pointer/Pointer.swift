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

/// Turns the server's mouse messages into guest pointer events. (STUB: the
/// key translation issue fills this in.)
public struct Pointer: Sendable {
    /// Whether the guest has an absolute pointer device; if not, absolute
    /// moves are injected as relative deltas.
    public var absolute: Bool = true

    public init(screen: ScreenGeometry) {}

    /// CINN: the pointer enters at x,y.
    public mutating func enter(x: Int16, y: Int16, into events: inout [InputEvent]) {}
    /// DMDN.
    public mutating func buttonDown(_ id: UInt8, into events: inout [InputEvent]) {}
    /// DMUP.
    public mutating func buttonUp(_ id: UInt8, into events: inout [InputEvent]) {}
    /// DMMV.
    public mutating func moveAbsolute(x: Int16, y: Int16, into events: inout [InputEvent]) {}
    /// DMRM.
    public mutating func moveRelative(dx: Int16, dy: Int16, into events: inout [InputEvent]) {}
    /// DMWM (dy only for the pre-1.3 form).
    public mutating func wheel(dx: Int16, dy: Int16, into events: inout [InputEvent]) {}
    /// COUT, disconnect, server death: release every held button.
    public mutating func releaseAll(into events: inout [InputEvent]) {}
}
