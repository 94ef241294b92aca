// SPDX-License-Identifier: GPL-2.0-or-later
/// Reassembles the server's DCLP 1.6 streams (start with the decimal size,
/// chunks, end) into whole clipboards, one buffer per clipboard id, never
/// holding more than `limit` bytes per id. Other messages may arrive between
/// the chunks; nothing here waits for a stream to finish.
public struct ClipboardAssembler: Sendable {
    public enum Outcome: Equatable, Sendable {
        /// Clipboard `id` arrived whole; `data` is the marshalled clipboard.
        case completed(id: UInt8, data: [UInt8])
        /// Clipboard `id` was drained and dropped.
        case dropped(id: UInt8, DropReason)
    }

    public enum DropReason: Equatable, Sendable {
        /// Announced larger than the limit.
        case tooLarge(announced: Int, limit: Int)
        /// Start size not a number, chunks beyond it, or short at the end.
        case corrupt
    }

    private enum Stream: Sendable {
        case idle
        case receiving(expected: Int, data: [UInt8])
        case dropping(DropReason)
    }

    /// Clipboard ids are 0 (clipboard) and 1 (X11 primary); others are ignored.
    public static let clipboardCount = 2

    public var limit: Int
    private var streams: [Stream] = Array(repeating: .idle, count: clipboardCount)

    public init(limit: Int) {
        self.limit = limit
    }

    /// Bytes held for unfinished streams.
    public var bufferedCount: Int {
        streams.reduce(0) { total, stream in
            if case .receiving(_, let data) = stream { return total &+ data.count }
            return total
        }
    }

    public mutating func receive(id: UInt8, mark: ClipboardMark, data: [UInt8]) -> Outcome? {
        let index = Int(id)
        guard index < streams.count else { return nil }
        switch (mark, streams[index]) {
        case (.start, _):
            guard let size = Self.decimal(data) else {
                streams[index] = .dropping(.corrupt)
                return nil
            }
            if size > limit {
                streams[index] = .dropping(.tooLarge(announced: size, limit: limit))
            } else {
                var buffer: [UInt8] = []
                buffer.reserveCapacity(size)
                streams[index] = .receiving(expected: size, data: buffer)
            }
            return nil
        case (.chunk, .receiving(let expected, var buffer)):
            streams[index] = .idle  // let `buffer` be uniquely referenced
            guard data.count <= expected &- buffer.count else {
                streams[index] = .dropping(.corrupt)
                return nil
            }
            buffer.append(contentsOf: data)
            streams[index] = .receiving(expected: expected, data: buffer)
            return nil
        case (.chunk, .idle), (.chunk, .dropping), (.end, .idle):
            return nil
        case (.end, .receiving(let expected, let buffer)):
            streams[index] = .idle
            return buffer.count == expected
                ? .completed(id: id, data: buffer)
                : .dropped(id: id, .corrupt)
        case (.end, .dropping(let reason)):
            streams[index] = .idle
            return .dropped(id: id, reason)
        }
    }

    /// Forgets unfinished streams (a new connection starts clean).
    public mutating func reset() {
        streams = Array(repeating: .idle, count: Self.clipboardCount)
    }

    /// A non-negative decimal number of at most 10 digits, or nil.
    static func decimal(_ text: [UInt8]) -> Int? {
        guard !text.isEmpty, text.count <= 10 else { return nil }
        var value = 0
        for c in text {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            value = value &* 10 &+ Int(c &- UInt8(ascii: "0"))
        }
        return value
    }
}
