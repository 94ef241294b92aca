// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

/// A guest keyboard as QEMU's are: a queue of `capacity` key events that
/// the guest empties at `perMillisecond` events a millisecond, dropping what
/// does not fit (PS/2: 16 bytes; USB: 16 scancodes, one per poll).
private struct GuestKeyboard {
    var capacity: Int
    var perMillisecond: Int
    /// nil: the device cannot tell its room (answered -1).
    var tellsRoom = true
    private(set) var queued = 0
    private(set) var received: [InputEvent] = []
    private(set) var dropped: [InputEvent] = []

    init(capacity: Int, perMillisecond: Int = 1, tellsRoom: Bool = true) {
        self.capacity = capacity
        self.perMillisecond = perMillisecond
        self.tellsRoom = tellsRoom
    }

    var room: Int { tellsRoom ? capacity - queued : -1 }

    mutating func inject(_ event: InputEvent) {
        if case .key = event {
            guard queued < capacity else { dropped.append(event); return }
            queued += 1
        }
        received.append(event)
    }

    /// With perMillisecond 0: one event every `period` ms (0: never).
    var period = 0
    private var elapsed = 0

    mutating func elapse(milliseconds: Int) {
        elapsed += milliseconds
        if perMillisecond == 0, period > 0, elapsed >= period {
            queued = max(0, queued - elapsed / period)
            elapsed %= period
        }
        queued = max(0, queued - perMillisecond * milliseconds)
    }
}

/// The host of the C API, as QEMU's object is: runs every action, answers
/// the keyboard's room at once, fires the timer when it is due.
private struct PacedHost {
    var supervisor: Supervisor
    var keyboard: GuestKeyboard
    var now: UInt64 = 0
    var timer: UInt64?
    var questions = 0
    var others: [Effect] = []

    init(keyboard: GuestKeyboard) throws {
        var configuration = SessionConfiguration.test()
        configuration.pacesKeys = true
        supervisor = Supervisor(configuration: configuration)
        self.keyboard = keyboard
        try supervisor.start(now: 0)
        try supervisor.connected(now: 0)
        try feed(ServerBytes.handshake + ServerBytes.enter())
        others.removeAll()
        self.keyboard = keyboard
    }

    mutating func feed(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try supervisor.received($0, now: now) }
        run()
    }

    /// Runs the queued actions as the host does, answering questions.
    mutating func run() {
        while let action = supervisor.nextAction() {
            switch action {
            case .input(let event): keyboard.inject(event)
            case .askKeySpace:
                questions += 1
                supervisor.keySpace(keyboard.room, now: now)
            case .armTimer(let at): timer = at
            case .send: break
            default: others.append(Effect.from(action))
            }
        }
    }

    /// Lets time pass a millisecond at a time, the guest reading its keyboard
    /// and the timer firing when due, until `done` or `limit` ms passed.
    mutating func advance(until done: (PacedHost) -> Bool, limit: UInt64 = 60_000) {
        let end = now + limit
        while !done(self) && now < end {
            now += 1
            keyboard.elapse(milliseconds: 1)
            if let at = timer, at <= now {
                timer = nil
                supervisor.tick(now: now)
                run()
            }
        }
    }

    var keys: [InputEvent] { keyboard.received.filter { if case .key = $0 { true } else { false } } }
}

extension Effect {
    static func from(_ action: Action) -> Effect {
        var queue = ActionQueue()
        queue.append(action)
        return queue.drain().first ?? .trace("none")
    }
}

private func typing(_ text: String) -> [UInt8] {
    // X11 key codes of the US layout for lowercase letters and digits
    let codes: [Character: UInt16] = [
        "q": 24, "w": 25, "e": 26, "r": 27, "t": 28, "y": 29, "u": 30, "i": 31, "o": 32, "p": 33,
        "a": 38, "s": 39, "d": 40, "f": 41, "g": 42, "h": 43, "j": 44, "k": 45, "l": 46,
        "z": 52, "x": 53, "c": 54, "v": 55, "b": 56, "n": 57, "m": 58, " ": 65,
        "1": 10, "2": 11, "3": 12, "4": 13, "5": 14, "6": 15, "7": 16, "8": 17, "9": 18, "0": 19,
    ]
    var bytes: [UInt8] = []
    for c in text {
        guard let button = codes[c], let ascii = c.asciiValue else { continue }
        bytes += ServerBytes.keyDown(UInt16(ascii), button: button) + ServerBytes.keyUp(UInt16(ascii), button: button)
    }
    return bytes
}

/// The key events the same bytes give without pacing.
private func unpacedKeys(_ bytes: [UInt8]) throws -> [InputEvent] {
    var supervisor = try connectedSupervisor()
    return try supervisor.feed(ServerBytes.enter() + bytes, now: 0).inputs
        .filter { if case .key = $0 { true } else { false } }
}

private let sentence = "the quick brown fox jumps over the lazy dog 0123456789"

@Suite struct KeyPacerSpec {
    @Test func anIsolatedKeyGoesAtOnceWithItsOwnReports() throws {
        var host = try PacedHost(keyboard: GuestKeyboard(capacity: 4))
        try host.feed(typing("a"))
        #expect(host.keyboard.received == [.key(code: 30, down: true), .sync, .key(code: 30, down: false), .sync])
        #expect(host.questions == 1, "one question, answered in the same drain")
        #expect(host.timer == nil || host.timer! > 1_000, "no poll armed for a key that fitted")
    }

    @Test func aBurstInOneReadReachesASmallKeyboardWholeAndInOrder() throws {
        var host = try PacedHost(keyboard: GuestKeyboard(capacity: 4))
        try host.feed(typing(sentence))
        let expected = typing(sentence).count / 14   // a DKDN or DKUP: 14 bytes
        host.advance(until: { $0.keys.count == expected })
        #expect(host.keyboard.dropped.isEmpty)
        #expect(host.keys.count == expected)
        #expect(host.keys == (try unpacedKeys(typing(sentence))), "in order")
        #expect(host.now <= UInt64(expected / 1 + 5), "paced to the guest: one event a millisecond here")
    }

    @Test func everyKeyEventIsItsOwnReport() throws {
        var host = try PacedHost(keyboard: GuestKeyboard(capacity: 2))
        try host.feed(typing("hello world"))
        host.advance(until: { $0.keys.count == 22 })
        let events = host.keyboard.received
        for (i, event) in events.enumerated() {
            if case .key = event { #expect(i + 1 < events.count && events[i + 1] == .sync) }
        }
    }

    @Test func aClickBetweenTwoKeysLandsBetweenThem() throws {
        var host = try PacedHost(keyboard: GuestKeyboard(capacity: 1))
        try host.feed(typing("abc") + ServerBytes.mouseDown(1) + ServerBytes.mouseUp(1) + typing("d"))
        host.advance(until: { $0.keys.count == 8 })
        let order = host.keyboard.received.filter { $0 != .sync }
        let click = order.firstIndex(of: .button(.left, down: true))
        let cUp = order.firstIndex(of: .key(code: 46, down: false))
        let dDown = order.firstIndex(of: .key(code: 32, down: true))
        #expect(click != nil && cUp != nil && dDown != nil)
        #expect(cUp! < click! && click! < dDown!)
    }

    @Test func aKeyboardThatCannotTellGetsAFewAtOnceThenAPace() throws {
        var host = try PacedHost(keyboard: GuestKeyboard(capacity: 1_000, tellsRoom: false))
        try host.feed(typing(sentence))
        #expect(host.keys.count == KeyPacer.bucketSize)
        let expected = typing(sentence).count / 14
        let start = host.now
        host.advance(until: { $0.keys.count == expected })
        #expect(host.keys.count == expected)
        let paced = UInt64(expected - KeyPacer.bucketSize) * KeyPacer.bucketInterval
        #expect(host.now - start <= paced + KeyPacer.bucketInterval)
        #expect(host.now - start >= paced / 2)
    }

    @Test func aHostileFloodStaysBoundedInMemoryAndTime() throws {
        var host = try PacedHost(keyboard: GuestKeyboard(capacity: 0))  // a guest that never reads
        for _ in 0..<20 { try host.feed(typing(String(repeating: "a", count: 500))) }
        #expect(host.supervisor.queue.pacer.waitingCount <= KeyPacer.backlogLimit)
        #expect(host.keyboard.dropped.count >= 20_000 - KeyPacer.backlogLimit,
                "past the limit the oldest go unpaced, as with no pacing")
        host.advance(until: { $0.supervisor.queue.pacer.waitingCount == 0 }, limit: KeyPacer.stallLimit + 10)
        #expect(host.supervisor.queue.pacer.waitingCount == 0, "a keyboard that reads nothing is not waited for")
        #expect(host.keyboard.dropped.count == 20_000)
        try host.feed(typing("more"))
        #expect(host.keyboard.dropped.count == 20_008, "a keyboard that reads nothing gets the next keys at once")
        host.keyboard = GuestKeyboard(capacity: 1)
        try host.feed(typing("back"))
        host.advance(until: { $0.keys.count == 8 })
        #expect(host.keys.count == 8, "paced again once the keyboard reads")
    }

    @Test func noEventWaitsLongerThanMaxWait() throws {
        // one key event every 100 ms: a 200-event burst would take 20 s
        var keyboard = GuestKeyboard(capacity: 1, perMillisecond: 0)
        keyboard.period = 100
        var host = try PacedHost(keyboard: keyboard)
        try host.feed(typing(String(repeating: "a", count: 100)))
        host.advance(until: { $0.supervisor.queue.pacer.waitingCount == 0 }, limit: 30_000)
        #expect(host.keys.count > 50, "paced while the wait is short")
        #expect(host.supervisor.queue.pacer.waitingCount == 0)
        #expect(host.now <= KeyPacer.maxWait + KeyPacer.pollInterval + 1,
                "every event is in the guest's devices within maxWait of its arrival")
        #expect(host.keys.count + host.keyboard.dropped.count == 200, "nothing vanishes: late ones go unpaced")
    }

    @Test func aShutdownReleasesAtOnceWhatTheGuestHoldsAndDropsWhatWaits() throws {
        var host = try PacedHost(keyboard: GuestKeyboard(capacity: 1, perMillisecond: 0))
        try host.feed(ServerBytes.keyDown(0x61, button: 38) + typing("bcd"))
        #expect(host.keys == [.key(code: 30, down: true)])
        host.keyboard.elapse(milliseconds: 0)
        host.keyboard = GuestKeyboard(capacity: 100)   // the device's queue, read meanwhile
        host.supervisor.shutdown(now: host.now)
        host.run()
        #expect(host.keys == [.key(code: 30, down: false)], "a, held, released once; b c d dropped")
        #expect(host.supervisor.queue.pacer.waitingCount == 0)
    }

    @Test func aShutdownReleasesAHeldButtonOnce() throws {
        var host = try PacedHost(keyboard: GuestKeyboard(capacity: 4))
        try host.feed(ServerBytes.mouseDown(1))
        host.keyboard = GuestKeyboard(capacity: 4)
        host.supervisor.shutdown(now: host.now)
        host.run()
        #expect(host.keyboard.received.filter { $0 == .button(.left, down: false) }.count == 1)
    }

    @Test func aLostConnectionDeliversWhatCameThenReleases() throws {
        var host = try PacedHost(keyboard: GuestKeyboard(capacity: 2))
        try host.feed(typing("abcdef") + ServerBytes.keyDown(0x67, button: 42))
        try host.supervisor.disconnected(now: host.now, message: nil)
        host.run()
        host.advance(until: { $0.supervisor.queue.pacer.waitingCount == 0 && $0.keyboard.queued == 0 })
        #expect(host.keyboard.dropped.isEmpty)
        #expect(host.keys.count == 14)
        #expect(host.keys.last == .key(code: 34, down: false), "g, held when the connection went, released last")
    }

    @Test func nothingIsGivenWhileTheVMIsStopped() throws {
        var host = try PacedHost(keyboard: GuestKeyboard(capacity: 2))
        try host.feed(typing("abcdef"))
        let before = host.keys.count
        host.supervisor.setGuestRunning(false)
        host.run()
        host.advance(until: { _ in false }, limit: 50)
        #expect(host.keys.count == before)
        host.supervisor.setGuestRunning(true)
        host.run()
        host.advance(until: { $0.keys.count == 12 })
        #expect(host.keys.count == 12)
        #expect(host.keyboard.dropped.isEmpty)
    }

    @Test func withoutPacingEverythingGoesAtOnceAsBefore() throws {
        var supervisor = try connectedSupervisor()
        let effects = try supervisor.feed(ServerBytes.enter() + typing("ab"), now: 0)
        #expect(!effects.contains(.askKeySpace))
        #expect(effects.inputs.filter { if case .key = $0 { true } else { false } }.count == 4)
    }
}
