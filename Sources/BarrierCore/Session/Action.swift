/// Something the host must do; the core only ever asks.
public enum Action: Sendable {
    /// Write bytes `range` of `ActionQueue.outbox` to the server.
    case send(Range<Int>)
    /// Inject an input event into the guest.
    case input(InputEvent)
    /// Call `tick(now:)` at this time (replaces the earlier timer).
    case armTimer(at: UInt64)
    /// Start connecting to the server.
    case connect
    /// Close the transport.
    case disconnect(CloseReason)
    /// The connection state changed.
    case state(ConnectionState)
    /// Tell the user, once per situation.
    case report(String)
    /// The server's clipboard `id` (0 clipboard, 1 primary) is now this text.
    case clipboard(id: UInt8, text: [UInt8])
    /// A diagnostic line for the host's trace (not an error for the user).
    case trace(String)
}

/// The actions produced by one or more events, in order, with the bytes of
/// every `send` in one buffer so that consecutive sends become one write.
public struct ActionQueue: Sendable {
    public private(set) var actions: [Action] = []
    public private(set) var outbox: [UInt8] = []
    private var next = 0

    public init() {}

    public var isEmpty: Bool { next >= actions.count }

    mutating func append(_ action: Action) {
        actions.append(action)
    }

    /// Queues `message` for sending, merged with a send right before it.
    mutating func send(_ message: ClientMessage) {
        var w = WireWriter(into: outbox)
        outbox = []  // keep the buffer uniquely referenced while writing
        let start = w.bytes.count
        message.encode(into: &w)
        outbox = w.bytes
        if case .send(let previous)? = actions.last, previous.upperBound == start, actions.count > next {
            actions[actions.count &- 1] = .send(previous.lowerBound..<outbox.count)
        } else {
            actions.append(.send(start..<outbox.count))
        }
    }

    /// The next action, or nil when all were taken; then the queue empties
    /// itself (keeping its capacity), so it only holds what one call made.
    public mutating func pop() -> Action? {
        guard next < actions.count else {
            if !actions.isEmpty {
                actions.removeAll(keepingCapacity: true)
                outbox.removeAll(keepingCapacity: true)
                next = 0
            }
            return nil
        }
        defer { next &+= 1 }
        return actions[next]
    }

    /// The bytes of a `send` action.
    public func bytes(_ range: Range<Int>) -> ArraySlice<UInt8> {
        let lower = max(0, min(range.lowerBound, outbox.count))
        let upper = max(lower, min(range.upperBound, outbox.count))
        return outbox[lower..<upper]
    }
}
