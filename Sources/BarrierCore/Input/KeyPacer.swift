// SPDX-License-Identifier: GPL-2.0-or-later

/// Gives the guest's keyboard key events no faster than it takes them.
///
/// A burst (a password manager's auto-type, a paste as keystrokes) reaches
/// the object in one read, and QEMU's keyboards queue little: the PS/2
/// keyboard 16 bytes, the USB one 16 scancodes (the guest polls one per
/// interval), virtio the buffers the guest posted. What does not fit is
/// dropped. So each key event asks for room: the host tells how many key
/// events the keyboard takes now (`BC_ACTION_KEY_SPACE`, answered with
/// QEMU's count), the events that fit go at once, the rest wait in order and
/// the host is asked again `pollInterval` later. A token bucket caps the
/// pace on top: `bucketSize` key events at once, then one every
/// `pollInterval` (1 000 a second, a fast USB keyboard's rate: the guest's
/// readers keep only some 64 events each, and a keyboard that takes 4 000 a
/// second would outrun them), or one every `bucketInterval` for a keyboard
/// that cannot tell its room.
///
/// Rules (each a spec in KeyPacerTests):
/// - an isolated key goes at once: one question, answered in the same drain;
/// - order is kept: while anything waits, everything after it waits too
///   (a click never overtakes a key), though only keys need room;
/// - every key event is its own report: a sync after each press and release;
/// - the wait is bounded: an event that waited `maxWait` goes unpaced (as with
///   no pacing at all: a slow keyboard may drop it), so a flood from a hostile
///   server is in the guest's devices within `maxWait` of its arrival; past
///   `backlogLimit` waiting events the oldest goes unpaced, one for each that
///   comes, which bounds the memory; and a
///   keyboard that takes nothing for `stallLimit` (a guest that does not read
///   it: firmware, a guest still booting, no guest at all) gets everything at
///   once, as with no pacing, until it takes something again;
/// - a release of a key or button the guest was not given pressed, with
///   nothing waiting, is not sent (the shutdown below already released it);
/// - a shutdown drops what waits and releases at once what the guest was
///   given and still holds, so nothing stays pressed when the host goes.
struct KeyPacer: Sendable {
    /// How long a burst waits before the host is asked again.
    static let pollInterval: UInt64 = 1
    /// The token bucket for keyboards that cannot tell their room.
    static let bucketSize = 8
    static let bucketInterval: UInt64 = 4
    /// Events that may wait; a hostile flood beyond it is not held.
    static let backlogLimit = 8192
    /// How long a keyboard may take nothing before what waits goes anyway.
    static let stallLimit: UInt64 = 2_000
    /// How long an event may wait: 500 characters on a USB keyboard (the
    /// slowest: one key event per poll, about 9 ms) still go paced.
    static let maxWait: UInt64 = 10_000

    /// On only when the host answers the question (SessionConfiguration).
    var enabled = false
    /// Key events the keyboard surely takes: its room at the last answer less
    /// what was given since (the guest only empties its queue meanwhile), so an
    /// isolated key goes without a question; nil: unknown, ask. (Another
    /// sender to the same keyboard, VNC say, is not counted.)
    private var budget: Int?
    /// A question is queued and not answered yet.
    private var asking = false
    /// When to ask again for what waits.
    private(set) var pollAt: UInt64?
    /// While the VM is stopped nothing is given (QEMU would drop it).
    var paused = false
    private var backlog = Backlog()
    private var bucket = TokenBucket()
    /// What the guest was given and still holds (wheel clicks left out).
    private var delivered = HeldInput()
    /// The last event given was a sync (no empty report after it).
    private var afterSync = true
    /// During an answer: the key events that may still go, and whether
    /// that is the token bucket alone (the keyboard cannot tell its room).
    private var answerRoom = 0
    private var answerFromBucket = false
    private var gaveKey = false
    /// Since when keys wait and the keyboard took none.
    private var stalledSince: UInt64?
    /// The keyboard took nothing for `stallLimit`: not paced until it does.
    private var stalled = false
    /// The latest time the host told (arrivals are stamped with it).
    private var clock: UInt64 = 0
    /// During an answer: its time (an event that waited `maxWait` by then
    /// goes unpaced).
    private var answerTime: UInt64 = 0

    /// The host's time, from the calls that carry it.
    mutating func heard(now: UInt64) {
        clock = max(clock, now)
    }

    var waitingCount: Int { backlog.count }

    /// What to do with `event`.
    enum Verdict: Equatable {
        /// Give it now (ActionQueue.give).
        case give
        /// It waits; the host must be asked (queue the question).
        case waitAndAsk
        /// It waits for an answer or a poll already on its way.
        case wait
        /// A release the guest needs not: it holds no such key.
        case drop
    }

    /// An event the keyboard or the pointer made.
    mutating func offer(_ event: InputEvent) -> Verdict {
        if !backlog.isEmpty || asking || paused || pollAt != nil {
            backlog.append(event, at: clock)
            return .wait
        }
        if case .button(let button, down: false) = event, !button.isWheel,
           !delivered.buttons.contains(button) {
            return .drop
        }
        guard case .key(let code, let down) = event else { return .give }
        if !down && !delivered.keys.contains(code) { return .drop }
        guard let room = budget, room > 0,
              bucket.available(now: clock, interval: Self.pollInterval) > 0 else {
            backlog.append(event, at: clock)
            asking = true
            return .waitAndAsk
        }
        budget = room &- 1
        bucket.take()
        return .give
    }

    /// Over the limit: the oldest waiting event, to be given unpaced.
    mutating func overflow() -> InputEvent? {
        backlog.count > Self.backlogLimit ? backlog.removeFirst() : nil
    }

    /// The host's answer: the keyboard takes `space` key events now (< 0:
    /// it cannot tell). Then `nextToGive` until nil, then `finishAnswer`.
    mutating func startAnswer(space: Int, now: UInt64) {
        asking = false
        pollAt = nil
        heard(now: now)
        answerTime = now
        answerFromBucket = space < 0
        let interval = answerFromBucket ? Self.bucketInterval : Self.pollInterval
        let tokens = bucket.available(now: now, interval: interval)
        answerRoom = answerFromBucket ? tokens : min(space, tokens)
        gaveKey = false
        if stalled && space > 0 {
            stalled = false
        } else if let since = stalledSince, now >= since.saturatingAdd(Self.stallLimit) {
            stalled = true
            stalledSince = nil
        }
    }

    /// The next waiting event that fits, in order.
    mutating func nextToGive() -> InputEvent? {
        guard !paused, let event = backlog.first else { return nil }
        if case .key = event, !stalled,
           backlog.firstArrival.saturatingAdd(Self.maxWait) > answerTime {
            guard answerRoom > 0 else { return nil }
            answerRoom &-= 1
            bucket.take()
        }
        if case .key = event { gaveKey = true }
        return backlog.removeFirst()
    }

    mutating func finishAnswer(now: UInt64) {
        budget = answerFromBucket ? nil : answerRoom
        stalledSince = stalled || backlog.isEmpty || gaveKey ? nil : stalledSince ?? now
        if !backlog.isEmpty && !paused {
            pollAt = now.saturatingAdd(answerFromBucket ? Self.bucketInterval : Self.pollInterval)
        }
    }

    /// The timer: true when the host must be asked again now.
    mutating func poll(now: UInt64) -> Bool {
        heard(now: now)
        guard let at = pollAt, now >= at, !asking, !paused else { return false }
        pollAt = nil
        asking = true
        return true
    }

    /// The VM runs again: true when what waits needs a question.
    mutating func resume() -> Bool {
        paused = false
        guard !backlog.isEmpty, !asking else { return false }
        pollAt = nil
        asking = true
        return true
    }

    /// The host goes away: what waits is dropped; returns the releases of
    /// what the guest was given and holds, to give now.
    mutating func abandon() -> [InputEvent] {
        backlog.removeAll()
        pollAt = nil
        stalledSince = nil
        return delivered.changes(to: HeldInput())
    }

    /// What a given event makes the guest see: a key closes its own report,
    /// a sync right after a sync is dropped.
    enum Reports: Equatable {
        case none
        case one(InputEvent)
        case keyAndSync(InputEvent)
    }

    /// Bookkeeping for an event given to the guest.
    mutating func given(_ event: InputEvent) -> Reports {
        switch event {
        case .sync:
            guard !afterSync else { return .none }
            afterSync = true
            return .one(.sync)
        case .key(let code, let down):
            if !down {
                delivered.keys.removeAll { $0 == code }
            } else if !delivered.keys.contains(code) {
                delivered.keys.append(code)  // a repeat keeps its place
            }
            afterSync = true
            return .keyAndSync(event)
        case .button(let button, let down):
            if !button.isWheel {
                if !down {
                    delivered.buttons.removeAll { $0 == button }
                } else if !delivered.buttons.contains(button) {
                    delivered.buttons.append(button)
                }
            }
            afterSync = false
            return .one(event)
        case .moveAbsolute, .moveRelative:
            afterSync = false
            return .one(event)
        }
    }
}

/// Events waiting in order: an array read from `head`, compacted as it is
/// consumed, so a long burst costs no copying per event.
private struct Backlog: Sendable {
    private struct Waiting: Sendable {
        var event: InputEvent
        var at: UInt64
    }

    private var events: [Waiting] = []
    private var head = 0

    var isEmpty: Bool { head >= events.count }
    var count: Int { events.count &- head }
    var first: InputEvent? { isEmpty ? nil : events[head].event }
    /// When the first one arrived (0 when there is none).
    var firstArrival: UInt64 { isEmpty ? 0 : events[head].at }

    mutating func append(_ event: InputEvent, at: UInt64) {
        events.append(Waiting(event: event, at: at))
    }

    mutating func removeFirst() -> InputEvent? {
        guard !isEmpty else { return nil }
        let event = events[head].event
        head &+= 1
        if head == events.count {
            events.removeAll(keepingCapacity: events.count <= 4096)
            head = 0
        } else if head >= 1024 && head &* 2 >= events.count {
            events.removeFirst(head)
            head = 0
        }
        return event
    }

    mutating func removeAll() {
        events.removeAll()
        head = 0
    }
}

/// The pace: `KeyPacer.bucketSize` key events at once, refilled one per
/// interval.
private struct TokenBucket: Sendable {
    private var tokens = KeyPacer.bucketSize
    private var filledAt: UInt64 = 0

    mutating func available(now: UInt64, interval: UInt64) -> Int {
        if now > filledAt {
            let earned = (now &- filledAt) / interval
            if earned >= UInt64(KeyPacer.bucketSize) {
                tokens = KeyPacer.bucketSize
                filledAt = now
            } else if earned > 0 {
                tokens = min(KeyPacer.bucketSize, tokens &+ Int(earned))
                filledAt = filledAt &+ earned &* interval
            }
        }
        return tokens
    }

    mutating func take() {
        tokens = max(0, tokens &- 1)
    }
}
