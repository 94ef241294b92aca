// SPDX-License-Identifier: GPL-2.0-or-later
/// Appends framed messages (u32 big-endian length, then the payload) to a
/// byte buffer. The length is patched in when the message is finished, so a
/// message is written in one pass with no intermediate copy.
struct WireWriter {
    private(set) var bytes: [UInt8]
    private var frameStart = 0

    init(into bytes: [UInt8] = []) {
        self.bytes = bytes
    }

    /// Starts a frame whose payload begins with the 4-character `code`.
    mutating func begin(_ code: MessageCode) {
        frameStart = bytes.count
        u32(0)  // the length, patched by end()
        u32(code.rawValue)
    }

    /// Starts a frame with no 4-character code (the hello-back).
    mutating func beginRaw() {
        frameStart = bytes.count
        u32(0)
    }

    mutating func end() {
        let length = UInt32(truncatingIfNeeded: bytes.count &- frameStart &- 4)
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: length.bigEndian, toByteOffset: frameStart, as: UInt32.self)
        }
    }

    mutating func u8(_ v: UInt8) { bytes.append(v) }

    mutating func u16(_ v: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    mutating func i16(_ v: Int16) { u16(UInt16(bitPattern: v)) }

    mutating func u32(_ v: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: v >> 24))
        bytes.append(UInt8(truncatingIfNeeded: v >> 16))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    mutating func raw<C: Collection>(_ data: C) where C.Element == UInt8 {
        bytes.append(contentsOf: data)
    }

    /// A `%s` field: u32 length, then the bytes.
    mutating func string<C: Collection>(_ data: C) where C.Element == UInt8 {
        u32(UInt32(truncatingIfNeeded: data.count))
        bytes.append(contentsOf: data)
    }
}
