// SPDX-License-Identifier: GPL-2.0-or-later
/// Turns DMWM deltas (+120 per notch, finer on high-resolution wheels and
/// macOS) into whole wheel clicks, one per full 120 in either direction,
/// keeping the remainder for the next message.
///
/// Both axes are accumulated independently, even from one message. The X11
/// reference client drops messages that carry both axes (protocol §5), but
/// that only fits X11 servers, which never send both; a macOS server sends
/// diagonal trackpad scrolls as both at once, and dropping them would lose
/// the vertical scroll the user plainly made. A message with neither axis
/// simply adds nothing.
struct WheelAccumulator: Sendable {
    /// Deltas per wheel click (WHEEL_DELTA).
    static let deltaPerClick: Int32 = 120

    /// Always in -119...119 between messages, so adding an Int16 cannot overflow.
    private var x: Int32 = 0
    private var y: Int32 = 0

    /// Adds one message's deltas and appends the clicks it completes:
    /// vertical first, then horizontal.
    mutating func add(dx: Int16, dy: Int16, into events: inout some InputSink) {
        y = emitClicks(total: y &+ Int32(dy), positive: .wheelUp, negative: .wheelDown,
                       into: &events)
        x = emitClicks(total: x &+ Int32(dx), positive: .wheelRight, negative: .wheelLeft,
                       into: &events)
    }

    /// Forgets partial notches (a new screen visit starts from zero).
    mutating func reset() {
        x = 0
        y = 0
    }

    /// Emits |total| / 120 clicks and returns the remainder (same sign).
    private func emitClicks(total: Int32, positive: MouseButton, negative: MouseButton,
                            into events: inout some InputSink) -> Int32 {
        let clicks = total / Self.deltaPerClick   // at most 274 for Int16 input
        let button = clicks > 0 ? positive : negative
        for _ in 0..<clicks.magnitude {
            events.appendClick(button)
        }
        return total % Self.deltaPerClick
    }
}
