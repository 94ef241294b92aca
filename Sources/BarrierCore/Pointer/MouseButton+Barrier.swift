// SPDX-License-Identifier: GPL-2.0-or-later
extension MouseButton {
    /// The guest button for a DMDN/DMUP button id (protocol §5): 1 left,
    /// 2 middle, 3 right, 4 kButtonExtra0 = back (side), 5 kButtonExtra1 =
    /// forward (extra), and Deskflow's kX11ScrollWheelLeft/Right = 6/7: its
    /// X11 server sends a tilted wheel as a press and release of these (not as
    /// DMWM), and its own clients replay them as X buttons 6/7, a horizontal
    /// scroll. Anything else (a macOS server passes ids > 5 through) is nil:
    /// ignored.
    init?(barrierID: UInt8) {
        switch barrierID {
        case 1: self = .left
        case 2: self = .middle
        case 3: self = .right
        case 4: self = .side
        case 5: self = .extra
        case 6: self = .wheelLeft
        case 7: self = .wheelRight
        default: return nil
        }
    }
}
