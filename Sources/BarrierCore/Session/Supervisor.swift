// SPDX-License-Identifier: GPL-2.0-or-later
/// Keeps this screen connected: asks the host to connect, runs a Connection on
/// each connection, reconnects with a doubling delay while the server stays
/// away, arms the host's one timer, and reports each change of situation to
/// the user once (not once per retry, until a connection works again). This
/// is what the C API drives.
public struct Supervisor {
    private enum Phase {
        /// No transport; reconnect at `retryAt`.
        case disconnected(retryAt: UInt64)
        /// The host is connecting (TCP, then TLS when configured); it must be
        /// done by `deadline`. `tls`: the TCP connection is up and the TLS
        /// handshake is under way.
        case connecting(deadline: UInt64, tls: Bool)
        /// The transport is up.
        case running(ConnectionBox)
        /// Shut down, or reconnecting is disabled.
        case stopped
    }

    /// What a report was about, so the same situation is reported once.
    private enum Situation: Equatable, Sendable {
        /// A connect failed; the host's message tells why (refused, no route,
        /// TLS handshake, untrusted certificate...): a new why is news.
        case unreachable(message: [UInt8])
        case closed(CloseReason.Kind)
    }

    /// How long the host may take to connect, TLS handshake included: a
    /// server that accepts and then stalls (as Deskflow's TLS sometimes does)
    /// is given up on and tried again.
    public static let connectTimeout: UInt64 = 10_000

    /// How long a TLS handshake may take once the TCP connection is up. A
    /// Barrier-family server answers the client's first handshake message in
    /// milliseconds, or never: the accept of Deskflow (about 4 tries in 10 on
    /// loopback), and of Barrier and Input Leap on a busy machine, misses a
    /// ClientHello that arrives after it started and waits forever, while
    /// the next connection usually goes through. So a stalled handshake is
    /// given up on soon and retried after the first reconnect delay, not a
    /// growing one: the server is there, it only lost this connection.
    public static let tlsHandshakeTimeout: UInt64 = 3_000

    public private(set) var configuration: SessionConfiguration
    public private(set) var queue = ActionQueue()
    private var phase: Phase = .stopped
    private var backoff: Backoff
    /// Situations reported since the last working connection: each is told
    /// once, even when the failures alternate (a refused server whose
    /// handshake also stalls now and then).
    private var reported: [Situation] = []
    /// Enough for every kind of failure; the oldest is forgotten beyond.
    private static let reportedLimit = 16
    private var shownState: ConnectionState = .stopped
    private var armedTimer: UInt64?
    private var guestLeds: LockLeds = []
    private var absolutePointer = true
    /// What keycodes=auto learned of the server, carried from one connection
    /// to the next (the server is the same: its platform too).
    private var learnedKeycodes = PlatformDetector()
    /// What the guest held when the VM stopped; nil while it runs.
    private var heldWhenStopped: HeldInput?

    public init(configuration: SessionConfiguration) {
        self.configuration = configuration
        backoff = Backoff(initial: configuration.reconnectDelay)
        queue.pacer.enabled = configuration.pacesKeys
    }

    public var state: ConnectionState {
        switch phase {
        case .disconnected: .disconnected
        case .connecting: .connecting
        case .stopped: .stopped
        case .running(let box):
            switch box.connection.state {
            case .awaitingHello, .handshaking: .handshaking
            case .connected: .connected
            case .active: .active
            case .closed: .disconnected
            }
        }
    }

    /// The server's key codes in use: the configured mode, or under auto
    /// the platform detected so far (auto while there is none).
    public var keycodesInUse: KeycodeMode {
        guard configuration.keycodes == .auto else { return configuration.keycodes }
        var detector = learnedKeycodes
        if case .running(let box) = phase { detector = box.connection.keycodes }
        return detector.platform.map(KeycodeMode.init) ?? .auto
    }

    /// Bytes held for the server's unfinished messages.
    public var bufferedCount: Int {
        if case .running(let box) = phase { return box.connection.bufferedCount }
        return 0
    }

    public enum CallError: Error, Equatable, Sendable {
        /// Not valid in the current phase (e.g. bytes while not connected).
        case wrongState
    }

    // MARK: - Events from the host

    /// Begin connecting (at creation, or again after `shutdown`).
    public mutating func start(now: UInt64) throws(CallError) {
        switch phase {
        case .stopped, .disconnected:
            backoff.reset()
            connect(now: now)
        case .connecting, .running:
            throw .wrongState
        }
        settle()
    }

    /// The TCP connection asked for by `.connect` is up and the host starts
    /// its TLS handshake, which now has `tlsHandshakeTimeout`.
    public mutating func tlsHandshakeStarted(now: UInt64) throws(CallError) {
        guard case .connecting(let deadline, tls: false) = phase else { throw .wrongState }
        phase = .connecting(deadline: min(deadline, now.saturatingAdd(Self.tlsHandshakeTimeout)), tls: true)
        settle()
    }

    /// The transport asked for by `.connect` is up.
    public mutating func connected(now: UInt64, transport: Connection.Transport = .plain) throws(CallError) {
        guard case .connecting = phase else { throw .wrongState }
        var connection = Connection(configuration: configuration, now: now, transport: transport,
                                    keycodes: learnedKeycodes)
        connection.setGuestLeds(guestLeds)
        connection.setAbsolutePointer(absolutePointer)
        phase = .running(ConnectionBox(connection))
        settle()
    }

    /// Bytes from the server.
    public mutating func received(_ bytes: UnsafeRawBufferPointer, now: UInt64) throws(CallError) {
        guard case .running(let box) = phase else { throw .wrongState }
        queue.pacer.heard(now: now)
        follow(box.connection.received(bytes, now: now, into: &queue), of: box, now: now)
    }

    /// The host's timer fired. Early or stale calls do nothing.
    public mutating func tick(now: UInt64) {
        queue.pollKeySpace(now: now)
        switch phase {
        case .running(let box):
            follow(box.connection.tick(now: now, into: &queue), of: box, now: now)
        case .disconnected(let retryAt) where now >= retryAt:
            connect(now: now)
        case .connecting(let deadline, let tls) where now >= deadline:
            let reason: CloseReason = tls
                ? .tlsHandshakeTimeout(seconds: Self.tlsHandshakeTimeout / 1000)
                : .connectTimeout(seconds: Self.connectTimeout / 1000)
            report(.closed(.timeout), reason.message)
            queue.append(.disconnect(reason))
            if tls {
                backoff.reset()
            }
            retry(now: now)
        case .disconnected, .connecting, .stopped:
            break
        }
        settle()
    }

    /// The host's TLS handshake ended: the server is taken when it ended
    /// well and the server's certificate has the pinned fingerprint; else the
    /// attempt failed, for a reason that says what to do.
    public mutating func tlsHandshakeEnded(now: UInt64, outcome: TLSHandshakeOutcome, server: Fingerprint?,
                                           client: Fingerprint?, detail: String) throws(CallError) {
        guard case .connecting = phase else { throw .wrongState }
        if let refusal = CloseReason.tlsRefusal(outcome, server: server, pin: configuration.tls?.pin,
                                                detail: detail) {
            connectFailed(refusal, now: now)
            settle()
        } else {
            try connected(now: now, transport: .tls(clientCertificate: client))
        }
    }

    /// The transport failed (connect error, I/O error: the host's words), or
    /// the server closed it (nil).
    public mutating func disconnected(now: UInt64, message: String?) throws(CallError) {
        switch phase {
        case .connecting:
            connectFailed(.unreachable(message ?? CloseReason.closedByServer,
                                       address: configuration.serverAddress), now: now)
        case .running(let box):
            follow(box.connection.transportClosed(message, into: &queue), of: box, now: now)
        case .disconnected, .stopped:
            throw .wrongState
        }
        settle()
    }

    /// The host goes away or stops us: release everything, close, no retry.
    /// Keys still waiting for the guest's keyboard are dropped: there is no
    /// later to give them in (object_del, a migration's end).
    public mutating func shutdown(now: UInt64) {
        queue.abandonWaitingInput()
        switch phase {
        case .running(let box):
            _ = box.connection.shutdown(into: &queue)
            learnedKeycodes = box.connection.keycodes
            queue.append(.disconnect(.shutdown))
        case .connecting:
            queue.append(.disconnect(.shutdown))
        case .disconnected, .stopped:
            break
        }
        phase = .stopped
        settle()
    }

    /// The host changed the screen rectangle (already validated: see
    /// ScreenGeometry(validating:)); a connected server hears of it at once.
    public mutating func setScreen(_ screen: ScreenGeometry) {
        configuration.screen = screen
        withConnection { $0.screenChanged(screen, into: &$1) }
        settle()
    }

    /// The VM stopped or runs again (stop/cont, savevm/loadvm, a paused VM,
    /// suspend and resume). QEMU drops input while the VM is not running, so
    /// meanwhile the connection goes on (keepalives answered, keys and
    /// buttons tracked) but nothing is injected; on resume the guest gets
    /// what changed: releases of what went up, presses of what is still
    /// down, the pointer where it is now.
    public mutating func setGuestRunning(_ running: Bool) {
        if !running {
            guard heldWhenStopped == nil else { return }
            heldWhenStopped = heldInput
            queue.dropsInput = true
        } else {
            guard let before = heldWhenStopped else { return }
            heldWhenStopped = nil
            queue.dropsInput = false
            for event in before.changes(to: heldInput) {
                queue.append(input: event)
            }
        }
        settle()
    }

    /// What the guest holds because of the current connection.
    private var heldInput: HeldInput {
        if case .running(let box) = phase { return box.connection.heldInput }
        return HeldInput()
    }

    public mutating func setGuestLeds(_ leds: LockLeds) {
        guestLeds = leds
        withConnection { connection, _ in connection.setGuestLeds(leds) }
    }

    public mutating func setAbsolutePointer(_ absolute: Bool) {
        absolutePointer = absolute
        withConnection { connection, _ in connection.setAbsolutePointer(absolute) }
    }

    /// The guest's clipboard `id` now holds `text` (another QEMU peer took it).
    public mutating func guestClipboardChanged(id: UInt8, text: [UInt8]) {
        withConnection { $0.guestClipboardChanged(id: id, text: text, into: &$1) }
        settle()
    }

    /// The answer to `.askKeySpace`: the guest's keyboard takes `space` more
    /// key events now (negative: it cannot tell).
    public mutating func keySpace(_ space: Int, now: UInt64) {
        queue.keySpace(space, now: now)
        settle()
    }

    /// The next action for the host, or nil when there is none.
    public mutating func nextAction() -> Action? {
        queue.pop()
    }

    /// The next action if it is an input event (`nextAction` takes the rest).
    public mutating func nextInput() -> InputEvent? {
        queue.popInput()
    }

    // MARK: - Internals

    /// Runs `body` on the connection, if there is one, with the queue.
    private mutating func withConnection(_ body: (inout Connection, inout ActionQueue) -> Void) {
        guard case .running(let box) = phase else { return }
        body(&box.connection, &queue)
    }

    /// Acts on what an event did to the connection.
    private mutating func follow(_ outcome: Connection.Outcome, of box: ConnectionBox, now: UInt64) {
        switch outcome {
        case .unchanged:
            break
        case .established:
            // A working connection: later failures are news again, and the
            // next retry starts from the short delay.
            if !reported.isEmpty {
                reported.removeAll()
                queue.append(.report(Report.connected(screen: configuration.displayName)))
            }
            backoff.reset()
        case .closed(let reason):
            learnedKeycodes = box.connection.keycodes
            report(.closed(reason.kind), reason.message)
            queue.append(.disconnect(reason))
            retry(now: now)
        }
        settle()
    }

    /// A connect attempt failed: told once per reason, retried.
    private mutating func connectFailed(_ reason: CloseReason, now: UInt64) {
        report(.unreachable(message: Array(reason.message.utf8)), reason.message)
        queue.append(.disconnect(reason))
        retry(now: now)
    }

    private mutating func connect(now: UInt64) {
        phase = .connecting(deadline: now.saturatingAdd(Self.connectTimeout), tls: false)
        queue.append(.connect)
    }

    private mutating func retry(now: UInt64) {
        if let delay = backoff.next() {
            phase = .disconnected(retryAt: now.saturatingAdd(delay))
        } else {
            phase = .stopped
        }
    }

    private mutating func report(_ situation: Situation, _ message: String) {
        guard !reported.contains(situation) else { return }
        if reported.count == Self.reportedLimit { reported.removeFirst() }
        reported.append(situation)
        queue.append(.report(message))
    }

    /// Tells the host about a new state and a new deadline.
    private mutating func settle() {
        let state = self.state
        if state != shownState {
            shownState = state
            queue.append(.state(state))
        }
        var deadline: UInt64?
        switch phase {
        case .running(let box): deadline = box.connection.deadline
        case .disconnected(let retryAt): deadline = retryAt
        case .connecting(let limit, _): deadline = limit
        case .stopped: deadline = nil
        }
        if let poll = queue.pacer.pollAt {
            deadline = min(deadline ?? poll, poll)
        }
        if let deadline, deadline != armedTimer {
            queue.append(.armTimer(at: deadline))
        }
        armedTimer = deadline
    }
}

/// A running connection, by reference: it is large and changes on every
/// event, so the phase enum holds a pointer rather than copying it in and
/// out (which also keeps the enum's layout simple).
final class ConnectionBox {
    var connection: Connection

    init(_ connection: Connection) {
        self.connection = connection
    }
}

/// The reconnect delay: starts at the configured value and doubles while the
/// server stays away, up to `maximum`; nil when reconnecting is disabled.
struct Backoff: Sendable {
    /// The longest wait between attempts (or the configured one, if longer).
    static let maximum: UInt64 = 30_000

    private let initial: UInt64
    private var current: UInt64

    init(initial: UInt64) {
        self.initial = initial
        current = initial
    }

    mutating func next() -> UInt64? {
        guard initial > 0 else { return nil }
        defer { current = min(current.saturatingMultiply(2), max(Self.maximum, initial)) }
        return current
    }

    mutating func reset() {
        current = initial
    }
}
