// SPDX-License-Identifier: GPL-2.0-or-later

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
    /// Tell `keySpace(_:now:)` how many key events the guest's keyboard
    /// takes now, before the next action (KeyPacer).
    case askKeySpace
}

/// The actions produced by one or more events, in order, with the bytes of
/// every `send` in one buffer so that consecutive sends become one write.
///
/// Input events and sends, nearly all of the traffic, are kept as plain
/// values (no reference counting when they are queued or taken); the rare
/// actions that carry text live on the side. Both arrays keep their capacity
/// from call to call, so a steady stream of input allocates nothing.
public struct ActionQueue: Sendable {
    private enum Entry: Sendable {
        case input(InputEvent)
        case send(Range<Int>)
        /// `others[index]`
        case other(Int)
    }

    /// `entries[..<end]` is the queue; the slots after it are spent ones,
    /// kept so that emptying the queue is two stores, not an array call.
    private var entries: [Entry] = []
    private var end = 0
    private var others: [Action] = []
    public private(set) var outbox: [UInt8] = []
    private var next = 0
    /// While set, input events are not queued (the VM is stopped, and QEMU
    /// would drop them: Supervisor.setGuestRunning).
    var dropsInput = false {
        didSet {
            pacer.paused = dropsInput
            if !dropsInput && oldValue && pacer.resume() { push(.other(askKeySpace)) }
        }
    }
    /// Key events no faster than the guest's keyboard takes them, when on.
    var pacer = KeyPacer()
    /// Input events offered since the start (wrapping): a mark to tell
    /// whether a step made any input (dropped input makes none).
    private(set) var inputMark = 0
    /// The last input event offered since the queue last emptied.
    private(set) var lastInput: InputEvent?

    public init() {
        entries.reserveCapacity(256)
    }

    public var isEmpty: Bool { next >= end }

    mutating func append(_ action: Action) {
        switch action {
        case .input(let event):
            append(input: event)
        case .send(let range):
            push(.send(range))
        default:
            push(.other(others.count))
            others.append(action)
        }
    }

    /// Queues one input event (the hot path: no enum with payloads to copy).
    mutating func append(input event: InputEvent) {
        guard !dropsInput else { return }
        inputMark &+= 1
        lastInput = event
        guard pacer.enabled else {
            push(.input(event))
            return
        }
        switch pacer.offer(event) {
        case .give: give(event)
        case .waitAndAsk: push(.other(askKeySpace))
        case .wait, .drop: break
        }
        while let oldest = pacer.overflow() { give(oldest) }
    }

    /// The host's answer to `.askKeySpace` (KeyPacer).
    mutating func keySpace(_ space: Int, now: UInt64) {
        pacer.startAnswer(space: space, now: now)
        while let event = pacer.nextToGive() { give(event) }
        pacer.finishAnswer(now: now)
    }

    /// The pacer's timer: asks the host again for what waits.
    mutating func pollKeySpace(now: UInt64) {
        if pacer.poll(now: now) { push(.other(askKeySpace)) }
    }

    /// The host goes away: what waits for the keyboard is dropped, and what
    /// the guest was given and holds is released now.
    mutating func abandonWaitingInput() {
        guard pacer.enabled else { return }
        for event in pacer.abandon() { give(event) }
    }

    private mutating func give(_ event: InputEvent) {
        switch pacer.given(event) {
        case .none: break
        case .one(let event): push(.input(event))
        case .keyAndSync(let key):
            push(.input(key))
            push(.input(.sync))
        }
    }

    /// `others` index of the question: added once per batch.
    private var askKeySpace: Int {
        mutating get {
            if let index = others.firstIndex(where: { if case .askKeySpace = $0 { true } else { false } }) {
                return index
            }
            others.append(.askKeySpace)
            return others.count &- 1
        }
    }

    private mutating func push(_ entry: Entry) {
        if end < entries.count {
            entries[end] = entry
        } else {
            entries.append(entry)
        }
        end &+= 1
    }

    /// Queues the sending of `message`, merged with a send right before it.
    mutating func append(message: ClientMessage) {
        var w = WireWriter(into: outbox)
        outbox = []  // keep the buffer uniquely referenced while writing
        let start = w.bytes.count
        message.encode(into: &w)
        outbox = w.bytes
        if end > next, case .send(let previous) = entries[end &- 1], previous.upperBound == start {
            entries[end &- 1] = .send(previous.lowerBound..<outbox.count)
        } else {
            push(.send(start..<outbox.count))
        }
    }

    /// Queues the sending of each of `messages`.
    mutating func append(messages: [ClientMessage]) {
        for message in messages { append(message: message) }
    }

    /// The next action, or nil when all were taken; then the queue empties
    /// itself (keeping its capacity), so it only holds what one call made.
    public mutating func pop() -> Action? {
        guard next < end else {
            if end > 0 {
                end = 0
                lastInput = nil
                // (Most batches are input alone: leave the other two be.)
                if !others.isEmpty { others.removeAll(keepingCapacity: true) }
                if !outbox.isEmpty { outbox.removeAll(keepingCapacity: true) }
                next = 0
            }
            return nil
        }
        let entry = entries[next]
        next &+= 1
        switch entry {
        case .input(let event): return .input(event)
        case .send(let range): return .send(range)
        case .other(let index): return others[index]
        }
    }

    /// The next action if it is an input event, else nil (and nothing is
    /// taken): input without building an `Action`, for the host's hot path.
    public mutating func popInput() -> InputEvent? {
        guard next < end, case .input(let event) = entries[next] else { return nil }
        next &+= 1
        return event
    }

    /// The bytes of a `send` action.
    public func bytes(_ range: Range<Int>) -> ArraySlice<UInt8> {
        let lower = max(0, min(range.lowerBound, outbox.count))
        let upper = max(lower, min(range.upperBound, outbox.count))
        return outbox[lower..<upper]
    }
}

extension ActionQueue: InputSink {
    /// Queues one input event (Keyboard and Pointer write here directly).
    public mutating func append(_ event: InputEvent) {
        append(input: event)
    }
}
