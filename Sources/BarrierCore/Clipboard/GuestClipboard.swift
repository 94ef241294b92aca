// SPDX-License-Identifier: GPL-2.0-or-later
/// The guest's clipboards that this screen owns on the server's side: taken
/// with CCLP, sent as a DCLP 1.6 stream (start with the size, chunks of at
/// most 32 KiB, end) when the pointer leaves, as Barrier's client does
/// (protocol reference §2.5, §2.7).
struct GuestClipboard: Sendable {
    private struct Owned: Sendable {
        var text: [UInt8]
        var sent: Bool
    }

    /// CLPS: the server may turn sharing off.
    var sharing = true
    var limit: Int
    /// The sequence number of the last CINN; grabs and data carry it.
    var lastSeq: UInt32 = 0
    private var owned: [Owned?] = Array(repeating: nil, count: ClipboardAssembler.clipboardCount)

    init(limit: Int) {
        self.limit = limit
    }

    var bufferedCount: Int {
        owned.reduce(0) { $0 &+ ($1?.text.count ?? 0) }
    }

    enum Grab: Equatable, Sendable {
        /// Owned now: the server is to hear of it.
        case taken
        /// Sharing is off (CLPS, or a limit of 0), or the id is not 0 or 1.
        case notShared
        /// Larger than the limit; not shared.
        case tooLarge(limit: Int)
    }

    /// The guest took clipboard `id`.
    mutating func grab(id: UInt8, text: [UInt8]) -> Grab {
        let index = Int(id)
        guard sharing, limit > 0, index < owned.count else { return .notShared }
        guard text.count <= limit else { return .tooLarge(limit: limit) }
        owned[index] = Owned(text: text, sent: false)
        return .taken
    }

    /// Another screen took clipboard `id`.
    mutating func lost(id: UInt8) {
        let index = Int(id)
        guard index < owned.count else { return }
        owned[index] = nil
    }

    /// The messages that give the server every owned clipboard it does not
    /// have yet; from now on it has them.
    mutating func takeUnsent(seq: UInt32) -> [ClientMessage] {
        var messages: [ClientMessage] = []
        guard sharing else { return messages }
        for index in owned.indices {
            guard let clipboard = owned[index], !clipboard.sent else { continue }
            owned[index]?.sent = true
            let id = UInt8(truncatingIfNeeded: index)
            let data = MarshalledClipboard.marshal(text: clipboard.text)
            messages.append(.clipboard(id: id, seq: seq, mark: .start, data: Array(String(data.count).utf8)))
            var offset = 0
            repeat {
                let end = min(offset &+ ProtocolLimits.clipboardChunk, data.count)
                messages.append(.clipboard(id: id, seq: seq, mark: .chunk, data: Array(data[offset..<end])))
                offset = end
            } while offset < data.count
            messages.append(.clipboard(id: id, seq: seq, mark: .end, data: []))
        }
        return messages
    }
}
