// SPDX-License-Identifier: GPL-2.0-or-later
/// Reads big-endian fields from one frame's payload. Every read checks the
/// remaining length first and returns nil when the field is not there, so
/// no value from the wire can index past the end.
struct WireReader {
    private let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count &- offset }

    mutating func u8() -> UInt8? {
        guard remaining >= 1 else { return nil }
        defer { offset &+= 1 }
        return bytes.load(fromByteOffset: offset, as: UInt8.self)
    }

    mutating func u16() -> UInt16? {
        guard remaining >= 2 else { return nil }
        defer { offset &+= 2 }
        return UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    mutating func i16() -> Int16? {
        u16().map { Int16(bitPattern: $0) }
    }

    mutating func u32() -> UInt32? {
        guard remaining >= 4 else { return nil }
        defer { offset &+= 4 }
        return UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// `count` raw bytes.
    mutating func bytes(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, remaining >= count else { return nil }
        defer { offset &+= count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset &+ count)])
    }

    /// A `%s` field: u32 length, then that many bytes, at most `limit`.
    mutating func string(limit: Int = ProtocolLimits.maxString) -> UnsafeRawBufferPointer? {
        guard let length = u32(), length <= UInt32(clamping: limit) else { return nil }
        return bytes(Int(truncatingIfNeeded: length))
    }
}
