// SPDX-License-Identifier: GPL-2.0-or-later
/// Why the byte stream cannot be split into frames any more.
public enum FramingError: Error, Equatable, Sendable {
    /// The length field announces more than ProtocolLimits.maxFrame.
    case frameTooLarge(UInt32)
    /// The length field is smaller than a 4-character message code.
    case frameTooSmall(UInt32)
}

/// Splits the server's byte stream into frames (u32 big-endian length +
/// payload), whatever the split of the reads: one byte at a time, many frames
/// at once, a frame straddling reads.
///
/// Whole frames inside one read are handed out in place, without a copy; only
/// the unfinished tail of a read is kept, so the buffer never holds more than
/// one frame (at most ProtocolLimits.maxFrame + 4 bytes). A length outside
/// ProtocolLimits is a framing error: the stream cannot be resynchronised, so
/// the connection must close.
public struct Framer: Sendable {
    /// The start of an unfinished frame (its length field first), or empty.
    private var pending: [UInt8] = []

    public init() {}

    /// Bytes held for an unfinished frame.
    public var bufferedCount: Int { pending.count }

    /// Feeds `input` and calls `handle` with each whole frame's payload, in
    /// order. The payload is valid only during the call. `handle` returns
    /// false to stop (the rest of the input is discarded).
    public mutating func feed(
        _ input: UnsafeRawBufferPointer,
        _ handle: (UnsafeRawBufferPointer) -> Bool
    ) -> FramingError? {
        var offset = 0

        // Finish the frame a previous read started.
        if !pending.isEmpty {
            if pending.count < 4 {
                let take = min(4 &- pending.count, input.count)
                pending.append(contentsOf: input[0..<take])
                offset = take
                if pending.count < 4 { return nil }
            }
            let length: Int
            switch Self.payloadLength(pending.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }) {
            case .success(let l): length = l
            case .failure(let error): pending = []; return error
            }
            let missing = 4 &+ length &- pending.count
            let take = min(missing, input.count &- offset)
            if take < missing { reserveWhole(length) }
            pending.append(contentsOf: input[offset..<(offset &+ take)])
            offset &+= take
            if take < missing { return nil }
            let keepGoing = pending.withUnsafeBytes { handle(UnsafeRawBufferPointer(rebasing: $0[4...])) }
            // Give a big frame's memory back; keep a small buffer for reuse.
            if pending.capacity > 64 * 1024 { pending = [] } else { pending.removeAll(keepingCapacity: true) }
            if !keepGoing { return nil }
        }

        // Whole frames straight from the input.
        var tailLength: Int?  // the validated length of a frame cut by the end of input
        while input.count &- offset >= 4 {
            let length: Int
            switch Self.payloadLength(input.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) {
            case .success(let l): length = l
            case .failure(let error): return error
            }
            guard input.count &- offset &- 4 >= length else {
                tailLength = length
                break
            }
            let start = offset &+ 4
            offset = start &+ length
            if !handle(UnsafeRawBufferPointer(rebasing: input[start..<offset])) { return nil }
        }

        // Keep the unfinished tail (shorter than 4 + a validated length).
        if offset < input.count {
            if let tailLength { reserveWhole(tailLength) }
            pending.append(contentsOf: input[offset...])
        }
        return nil
    }

    /// Makes room for the whole frame at once: appending its reads would
    /// double the buffer as it fills (8 MiB and three copies for a 4 MiB
    /// frame), and the allocator keeps what it once handed out.
    private mutating func reserveWhole(_ length: Int) {
        let whole = 4 &+ length
        if pending.capacity < whole { pending.reserveCapacity(whole) }
    }

    /// Forgets any unfinished frame (a new connection starts clean).
    public mutating func reset() {
        pending = []
    }

    private static func payloadLength(_ raw: UInt32) -> Result<Int, FramingError> {
        let length = UInt32(bigEndian: raw)
        if length > UInt32(ProtocolLimits.maxFrame) { return .failure(.frameTooLarge(length)) }
        if length < UInt32(ProtocolLimits.minFrame) { return .failure(.frameTooSmall(length)) }
        return .success(Int(truncatingIfNeeded: length))
    }
}
