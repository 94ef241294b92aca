// SPDX-License-Identifier: GPL-2.0-or-later
/// DMMV coordinates live in the DINF rectangle [x, x+width-1] x [y, y+height-1]
/// (protocol §5). All arithmetic is Int64, so no Int16 input and no geometry
/// (negative or zero sizes included) can overflow or divide by zero.
extension ScreenGeometry {
    /// `v` clamped into [origin, origin+size-1]; a size below 1 is taken as 1.
    static func clamp(_ v: Int16, origin: Int16, size: Int16) -> Int64 {
        let low = Int64(origin)
        let high = low + max(Int64(size), 1) - 1
        return min(max(Int64(v), low), high)
    }

    /// `v` (already clamped) scaled to 0...InputEvent.absoluteMax the way
    /// QEMU's qemu_input_scale_axis does: (v - origin) * max / (size - 1);
    /// a screen one pixel wide maps everything to 0.
    static func scale(_ v: Int64, origin: Int16, size: Int16) -> Int32 {
        let span = Int64(size) - 1
        guard span > 0 else { return 0 }
        let scaled = (v - Int64(origin)) * Int64(InputEvent.absoluteMax) / span
        return Int32(clamping: min(max(scaled, 0), Int64(InputEvent.absoluteMax)))
    }

    /// A server point clamped into this rectangle (screen coordinates).
    func clamped(x: Int16, y: Int16) -> (x: Int64, y: Int64) {
        (Self.clamp(x, origin: self.x, size: width), Self.clamp(y, origin: self.y, size: height))
    }

    /// A clamped point as the guest's absolute coordinates.
    func scaled(_ point: (x: Int64, y: Int64)) -> (x: Int32, y: Int32) {
        (Self.scale(point.x, origin: x, size: width), Self.scale(point.y, origin: y, size: height))
    }
}
