// SPDX-License-Identifier: GPL-2.0-or-later

/// One connection to a Barrier server, from the server's hello to the close:
/// the protocol as a state machine. Events go in (bytes, time, the guest's
/// clipboard, the transport closing); actions come out into an ActionQueue,
/// and each event says what it did to the connection (`Outcome`).
///
/// Responsibilities: framing and decoding, the handshake (hello, QINF/DINF,
/// CIAK, CROP/DSOP), keepalive and dead-server detection, enter/leave,
/// clipboard streams both ways, and closing with a reason (Reasons.swift).
/// Input messages go to GuestInput, which never lets a key or button stay
/// held when the connection closes.
public struct Connection: Sendable {
    public enum State: Sendable {
        /// Transport up; the server speaks first.
        case awaitingHello(deadline: UInt64)
        /// Hello answered; QINF/DINF/CIAK/CROP/DSOP under way.
        case handshaking(Hello.Name)
        /// The server accepted us; the pointer is on another screen.
        case connected(Hello.Name)
        /// The pointer is on this screen; `seq` numbers the entry.
        case active(Hello.Name, seq: UInt32)
        /// Over, for this reason.
        case closed(CloseReason)
    }

    /// What an event did to the connection.
    public enum Outcome: Sendable {
        /// Nothing the supervisor acts on.
        case unchanged
        /// The server accepted us: the handshake is over.
        case established
        /// The connection is over, for this reason.
        case closed(CloseReason)
    }

    /// What carries the connection: the hello timeout means something else
    /// over TLS (the server accepted TLS, then did not trust us).
    public enum Transport: Equatable, Sendable {
        case plain
        /// `clientCertificate`: the fingerprint of the certificate the host
        /// presented, nil when it sent none.
        case tls(clientCertificate: Fingerprint?)
    }

    /// A server that stays silent this long after the connect is not a
    /// Barrier server speaking in plain text (most often: TLS is on there).
    public static let helloTimeout: UInt64 = 10_000

    public private(set) var state: State
    private var configuration: SessionConfiguration
    private let transport: Transport
    private var framer = Framer()
    private var keepalive: Keepalive
    private var input: GuestInput
    private var incomingClipboard: ClipboardAssembler
    private var outgoingClipboard: GuestClipboard
    /// A DINF of a new screen size is unanswered: the server's pointer
    /// messages until its CIAK are in the old rectangle (protocol §2.2).
    private var awaitingInfoAck = false

    /// `keycodes`: what an earlier connection to this server learned of its
    /// key codes (keycodes=auto).
    public init(configuration: SessionConfiguration, now: UInt64, transport: Transport = .plain,
                keycodes: PlatformDetector = PlatformDetector()) {
        self.configuration = configuration
        self.transport = transport
        state = .awaitingHello(deadline: now.saturatingAdd(Self.helloTimeout))
        keepalive = Keepalive(now: now)
        input = GuestInput(keycodes: configuration.keycodes, detector: keycodes, screen: configuration.screen)
        incomingClipboard = ClipboardAssembler(limit: configuration.clipboardLimit)
        outgoingClipboard = GuestClipboard(limit: configuration.clipboardLimit)
    }

    /// When `tick` must run next, or nil.
    public var deadline: UInt64? {
        switch state {
        case .awaitingHello(let deadline): deadline
        case .handshaking, .connected, .active: keepalive.deadline
        case .closed: nil
        }
    }

    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    /// Whether the server has accepted us and not closed.
    private var isEstablished: Bool {
        switch state {
        case .connected, .active: true
        case .awaitingHello, .handshaking, .closed: false
        }
    }

    /// What the guest holds down because of this connection.
    public var heldInput: HeldInput { input.held }

    /// What this connection learned of the server's key codes, for the next.
    public var keycodes: PlatformDetector { input.keyboard.detector }

    /// Bytes held for unfinished frames and clipboard streams.
    public var bufferedCount: Int {
        framer.bufferedCount &+ incomingClipboard.bufferedCount &+ outgoingClipboard.bufferedCount
    }

    // MARK: - Events

    /// Bytes from the server, in any split.
    public mutating func received(_ bytes: UnsafeRawBufferPointer, now: UInt64,
                                  into queue: inout ActionQueue) -> Outcome {
        guard !isClosed else { return .unchanged }
        let wasEstablished = isEstablished
        var framer = self.framer
        self.framer = Framer()  // `framer` alone owns its buffer while it runs
        let failure = framer.feed(bytes) { frame in
            handle(frame: frame, now: now, into: &queue)
            return !isClosed
        }
        self.framer = framer
        input.settle(into: &queue)
        switch failure {
        case .frameTooLarge(let length)?: close(.frameTooLarge(length), into: &queue)
        case .frameTooSmall(let length)?: close(.frameTooSmall(length), into: &queue)
        case nil: break
        }
        if case .closed(let reason) = state { return .closed(reason) }
        return isEstablished && !wasEstablished ? .established : .unchanged
    }

    /// Time passed; closes the connection when the server missed its deadline.
    public mutating func tick(now: UInt64, into queue: inout ActionQueue) -> Outcome {
        guard let deadline, now >= deadline else { return .unchanged }
        switch state {
        case .awaitingHello:
            return close(.helloTimeout(seconds: Self.helloTimeout / 1000, transport: transport), into: &queue)
        case .handshaking, .connected, .active:
            return close(.keepaliveTimeout(seconds: keepalive.allowedSilence / 1000), into: &queue)
        case .closed:
            return .unchanged
        }
    }

    /// The transport failed under us (the host's words), or the server
    /// closed it (nil).
    public mutating func transportClosed(_ message: String?, into queue: inout ActionQueue) -> Outcome {
        let detail = message ?? CloseReason.closedByServer
        if case .awaitingHello = state, case .tls(let client) = transport {
            return close(.closedBeforeHello(detail, client: client), into: &queue)
        }
        return close(.connectionLost(detail), into: &queue)
    }

    /// The host is going away: release everything, close.
    public mutating func shutdown(into queue: inout ActionQueue) -> Outcome {
        close(.shutdown, into: &queue)
    }

    /// The host changed the screen rectangle: a server that knows us hears
    /// of it at once (DINF), and pointer motion is ignored until it answers
    /// (CIAK); before the handshake, the answer to its QINF will carry it.
    public mutating func screenChanged(_ screen: ScreenGeometry, into queue: inout ActionQueue) {
        configuration.screen = screen
        input.screen = screen
        switch state {
        case .handshaking, .connected, .active:
            input.settle(into: &queue)
            sendInfo(into: &queue)
            awaitingInfoAck = true
        case .awaitingHello, .closed:
            return
        }
    }

    /// The guest's keyboard LEDs, used to align the lock keys on enter.
    public mutating func setGuestLeds(_ leds: LockLeds) {
        input.guestLeds = leds
    }

    /// Whether the guest has an absolute pointer device.
    public mutating func setAbsolutePointer(_ absolute: Bool) {
        input.absolute = absolute
    }

    /// The guest put `text` on its clipboard `id` (0 clipboard, 1 primary).
    /// The server hears of the grab now, and gets the data when the pointer
    /// leaves this screen (or now, when it is elsewhere).
    /// Windows line endings become LF, as the text format requires.
    public mutating func guestClipboardChanged(id: UInt8, text: [UInt8], into queue: inout ActionQueue) {
        let seq: UInt32
        switch state {
        case .active(_, let entrySeq):
            seq = entrySeq
        case .connected:
            seq = outgoingClipboard.lastSeq
        case .awaitingHello, .handshaking, .closed:
            return
        }
        let text = MarshalledClipboard.unixLineEndings(text)
        switch outgoingClipboard.grab(id: id, text: text) {
        case .taken:
            queue.append(message: .grabClipboard(id: id, seq: seq))
            if case .connected = state {
                // Not on this screen: the server takes the data at once.
                queue.append(messages: outgoingClipboard.takeUnsent(seq: seq))
            }
        case .tooLarge(let limit):
            queue.append(.trace(TraceLine.guestClipboardTooLarge(id: id, size: text.count, limit: limit)))
        case .notShared:
            return
        }
    }

    // MARK: - Messages

    private mutating func handle(frame: UnsafeRawBufferPointer, now: UInt64, into queue: inout ActionQueue) {
        switch state {
        case .awaitingHello:
            helloReceived(frame, now: now, into: &queue)
        case .handshaking(let name), .connected(let name), .active(let name, _):
            let message: ServerMessage
            do {
                message = try ServerMessage.decode(frame)
            } catch {
                close(.malformed(error), into: &queue)
                return
            }
            received(message, name: name, now: now, into: &queue)
        case .closed:
            return
        }
    }

    private mutating func helloReceived(_ frame: UnsafeRawBufferPointer, now: UInt64, into queue: inout ActionQueue) {
        let hello: Hello
        do {
            hello = try Hello.decode(frame)
        } catch {
            switch error {
            case .notAHello:
                close(.notAHello, into: &queue)
            case .unsupportedVersion(let major, let minor):
                close(.unsupportedVersion(major: major, minor: minor), into: &queue)
            }
            return
        }
        queue.append(message: .helloBack(hello.name, screenName: configuration.screenName))
        keepalive = Keepalive(now: now)
        state = .handshaking(hello.name)
    }

    private mutating func received(_ message: ServerMessage, name: Hello.Name, now: UInt64,
                                   into queue: inout ActionQueue) {
        input.prepare(for: message, into: &queue)
        switch message {
        case .queryInfo:
            sendInfo(into: &queue)
        case .infoAck:
            awaitingInfoAck = false
        case .noOp, .fileTransfer, .dragInfo, .screenSaver:
            return
        case .resetOptions:
            keepalive.reset()
            input.modifierMap.reset()
            outgoingClipboard.sharing = true
            incomingClipboard.limit = configuration.clipboardLimit
            outgoingClipboard.limit = configuration.clipboardLimit
        case .setOptions(let options):
            apply(options)
            if case .handshaking = state { state = .connected(name) }
        case .keepAlive:
            keepalive.received(now: now)
            queue.append(message: .keepAlive)
        case .enter(let x, let y, let seq, let mask):
            switch state {
            case .handshaking, .connected, .active:
                state = .active(name, seq: seq)
                outgoingClipboard.lastSeq = seq
                input.enter(x: x, y: y, mask: mask, into: &queue)
            case .awaitingHello, .closed:
                return
            }
        case .leave:
            guard case .active(_, let seq) = state else { return }
            input.releaseAll(into: &queue)
            state = .connected(name)
            queue.append(messages: outgoingClipboard.takeUnsent(seq: seq))
        case .grabClipboard(let id, _):
            outgoingClipboard.lost(id: id)
        case .clipboard(let id, _, let mark, let data):
            receivedClipboard(id: id, mark: mark, data: data, into: &queue)
        case .close:
            close(.bye(screen: configuration.displayName), into: &queue)
        case .incompatible(let major, let minor):
            close(.incompatible(major: major, minor: minor), into: &queue)
        case .busy:
            close(.busy(screen: configuration.displayName), into: &queue)
        case .unknownName:
            close(.unknownName(screen: configuration.displayName), into: &queue)
        case .bad:
            close(.bad, into: &queue)
        case .unknown(let code):
            queue.append(.trace(TraceLine.skipped(code)))
        case .keyDown, .keyRepeat, .keyUp, .mouseDown, .mouseUp, .mouseMove, .mouseRelativeMove, .mouseWheel:
            // Input counts only while the pointer is on this screen, and
            // motion only in the rectangle the server has acknowledged.
            guard case .active = state else { return }
            if awaitingInfoAck && message.isMotion { return }
            input.handle(message, into: &queue)
        }
    }

    private mutating func receivedClipboard(id: UInt8, mark: ClipboardMark, data: [UInt8],
                                            into queue: inout ActionQueue) {
        switch incomingClipboard.receive(id: id, mark: mark, data: data) {
        case .completed(let id, let data)?:
            if let text = MarshalledClipboard.text(in: data) {
                queue.append(.clipboard(id: id, text: text))
            } else {
                queue.append(.trace(TraceLine.serverClipboardNotMarshalled(id: id)))
            }
        case .dropped(let id, .tooLarge(let announced, let limit))?:
            queue.append(.trace(TraceLine.serverClipboardTooLarge(id: id, announced: announced, limit: limit)))
        case .dropped(let id, .corrupt)?:
            queue.append(.trace(TraceLine.serverClipboardCorrupt(id: id)))
        case nil:
            return
        }
    }

    /// DINF: the screen rectangle, the pointer at its centre.
    private func sendInfo(into queue: inout ActionQueue) {
        let screen = configuration.screen
        queue.append(message: .info(
            x: screen.x, y: screen.y, width: screen.width, height: screen.height,
            mouseX: screen.x &+ screen.width / 2, mouseY: screen.y &+ screen.height / 2))
    }

    private mutating func apply(_ options: [ServerOption]) {
        // The server sends all of the screen's options in each DSOP.
        input.modifierMap.reset()
        for option in options {
            if input.modifierMap.apply(option.id, value: option.value) { continue }
            switch option.id {
            case .heartbeat:
                keepalive.setPeriod(option: option.value)
            case .clipboardSharing:
                outgoingClipboard.sharing = option.value != 0
            case .clipboardSize:
                // The server's cap can only lower ours; 0 turns sharing off.
                let cap = min(configuration.clipboardLimit, Int(max(0, option.value)))
                incomingClipboard.limit = cap
                outgoingClipboard.limit = cap
            default:
                continue  // see OptionID for what is ignored and why
            }
        }
    }

    @discardableResult
    private mutating func close(_ reason: CloseReason, into queue: inout ActionQueue) -> Outcome {
        guard !isClosed else { return .unchanged }
        input.releaseAll(into: &queue)
        framer.reset()
        incomingClipboard.reset()
        state = .closed(reason)
        return .closed(reason)
    }
}

/// How the host's TLS handshake ended; raw values are the C ABI's
/// bc_tls_outcome. The host tells the facts; the library judges the server.
public enum TLSHandshakeOutcome: UInt32, Equatable, Sendable {
    /// It ended well.
    case done = 0
    /// The server sent an alert: it refused us (often: it wants a client
    /// certificate it trusts).
    case refused = 1
    /// It failed otherwise: most often the server does not speak TLS.
    case failed = 2
    /// It ended, but the tls-creds object's own check of the server's
    /// certificate (verify-peer=on) failed.
    case unverified = 3
    /// It could not start: the host has no client credentials by the
    /// configured id (the object is missing, or it is not one).
    case noCredentials = 4
}
