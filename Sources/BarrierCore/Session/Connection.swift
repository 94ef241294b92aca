/// One connection to a Barrier server, from the server's hello to the close:
/// the protocol as a state machine. Events go in (bytes, time, the guest's
/// clipboard, the transport closing); actions come out into an ActionQueue.
///
/// Responsibilities: framing and decoding, the handshake (hello, QINF/DINF,
/// CIAK, CROP/DSOP), keepalive and dead-server detection, turning input
/// messages into guest input (through Keyboard and Pointer), enter/leave,
/// clipboard streams both ways, and closing with a reason that tells the user
/// what to do. It never lets a key or button stay held when it closes.
public struct Session: Sendable {
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

    /// A server that stays silent this long after the connect is not a
    /// Barrier server speaking in plain text (most often: TLS is on there).
    public static let helloTimeout: UInt64 = 10_000

    public private(set) var state: State
    private var configuration: SessionConfiguration
    private var framer = Framer()
    private var keepalive: Keepalive
    private var keyboard: Keyboard
    private var pointer: Pointer
    private var guestLeds: LockLeds = []
    private var incomingClipboard: ClipboardAssembler
    private var outgoingClipboard: GuestClipboard
    /// Input events of the message being handled, before they are queued.
    private var events: [InputEvent] = []
    /// Pointer motion queued during this read still needs its sync.
    private var syncOwed = false
    /// A DINF of a new screen size is unanswered: the server's pointer
    /// messages until its CIAK are in the old rectangle (protocol §2.2).
    private var awaitingInfoAck = false
    /// Codes skipped because this client does not know them.
    public private(set) var unknownMessages = 0

    /// What carries the session: the hello timeout means something else
    /// over TLS (the server accepted TLS, then did not trust us).
    public enum Transport: Equatable, Sendable {
        case plain
        /// `clientCertificate`: the fingerprint of the certificate the host
        /// presented, nil when it sent none.
        case tls(clientCertificate: Fingerprint?)
    }

    private let transport: Transport

    /// `keycodes`: what an earlier connection to this server learned of its
    /// key codes (keycodes=auto).
    public init(configuration: SessionConfiguration, now: UInt64, transport: Transport = .plain,
                keycodes: PlatformDetector = PlatformDetector()) {
        self.configuration = configuration
        self.transport = transport
        state = .awaitingHello(deadline: now.saturatingAdd(Self.helloTimeout))
        keepalive = Keepalive(now: now)
        keyboard = Keyboard(mode: configuration.keycodes, detector: keycodes)
        pointer = Pointer(screen: configuration.screen)
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

    /// What the guest holds down because of this connection.
    public var heldInput: HeldInput {
        HeldInput(keys: keyboard.heldCodes, buttons: pointer.heldButtons, position: pointer.absolutePosition)
    }

    /// What this connection learned of the server's key codes, for the next.
    public var keycodes: PlatformDetector { keyboard.detector }

    /// Bytes held for unfinished frames and clipboard streams.
    public var bufferedCount: Int {
        framer.bufferedCount &+ incomingClipboard.bufferedCount &+ outgoingClipboard.bufferedCount
    }

    // MARK: - Events

    /// Bytes from the server, in any split.
    public mutating func received(_ bytes: UnsafeRawBufferPointer, now: UInt64, into queue: inout ActionQueue) {
        guard !isClosed else { return }
        var framer = self.framer
        self.framer = Framer()  // `framer` alone owns its buffer while it runs
        let failure = framer.feed(bytes) { frame in
            handle(frame: frame, now: now, into: &queue)
            return !isClosed
        }
        self.framer = framer
        settleSync(into: &queue)
        if let failure {
            switch failure {
            case .frameTooLarge(let length):
                close(CloseReason(.protocolError,
                    "protocol error: the server sent a \(length)-byte message (the limit is 4 MiB)"), into: &queue)
            case .frameTooSmall(let length):
                close(CloseReason(.protocolError,
                    "protocol error: the server sent a \(length)-byte message (too short for a message code)"),
                    into: &queue)
            }
        }
    }

    /// Time passed; closes the session when the server missed its deadline.
    public mutating func tick(now: UInt64, into queue: inout ActionQueue) {
        guard let deadline, now >= deadline else { return }
        switch state {
        case .awaitingHello:
            close(CloseReason(.timeout, helloTimeoutMessage), into: &queue)
        case .handshaking, .connected, .active:
            close(CloseReason(.timeout,
                "the server sent no keepalive for \(keepalive.allowedSilence / 1000) s: it is not responding"),
                into: &queue)
        case .closed:
            return
        }
    }

    private var helloTimeoutMessage: String {
        let silent = "no hello from the server within \(Self.helloTimeout / 1000) s"
        switch transport {
        case .plain:
            return silent + ": it is not a Barrier server, or it probably has TLS on "
                + "(give input-barrier tls-creds and tls-fingerprint, or turn TLS off in the server's settings)"
        case .tls(let client?):
            return silent + " after the TLS handshake: it does not trust this client's certificate; add "
                + String(decoding: client.text, as: UTF8.self) + " to its trusted clients (Barrier, Input Leap: "
                + "SSL/Fingerprints/TrustedClients.txt in its profile; Deskflow: tls/trusted-clients)"
        case .tls(nil):
            return silent + " after the TLS handshake: it probably requires a client certificate; put "
                + "client-cert.pem and client-key.pem in the tls-creds directory (scripts/make-client-cert.sh "
                + "makes them) and add its fingerprint to the server's trusted clients"
        }
    }

    /// The transport closed or failed under us.
    public mutating func transportClosed(_ message: String, into queue: inout ActionQueue) {
        close(CloseReason(.transport, message), into: &queue)
    }

    /// The host is going away: release everything, close.
    public mutating func shutdown(into queue: inout ActionQueue) {
        close(CloseReason(.shutdown, "shut down"), into: &queue)
    }

    /// The host changed the screen rectangle: a server that knows us hears
    /// of it at once (DINF), and pointer motion is ignored until it answers
    /// (CIAK); before the handshake, the answer to its QINF will carry it.
    public mutating func screenChanged(_ screen: ScreenGeometry, into queue: inout ActionQueue) {
        configuration.screen = screen
        pointer.screen = screen
        switch state {
        case .handshaking, .connected, .active:
            settleSync(into: &queue)
            sendInfo(into: &queue)
            awaitingInfoAck = true
        case .awaitingHello, .closed:
            return
        }
    }

    /// The guest's keyboard LEDs, used to align the lock keys on enter.
    public mutating func setGuestLeds(_ leds: LockLeds) {
        guestLeds = leds
    }

    /// Whether the guest has an absolute pointer device.
    public mutating func setAbsolutePointer(_ absolute: Bool) {
        pointer.absolute = absolute
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
            queue.send(.grabClipboard(id: id, seq: seq))
            if case .connected = state {
                // Not on this screen: the server takes the data at once.
                outgoingClipboard.sendOwned(seq: seq, into: &queue)
            }
        case .tooLarge(let limit):
            queue.append(.trace("guest clipboard \(id) not shared: \(text.count) bytes, limit \(limit)"))
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
                protocolError(error, into: &queue)
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
                close(CloseReason(.protocolError,
                    "the server did not greet as a Barrier, Input Leap or Deskflow server"), into: &queue)
            case .unsupportedVersion(let major, let minor):
                close(CloseReason(.version,
                    "the server speaks protocol \(major).\(minor); this client needs 1.6 or newer "
                    + "(Barrier 2.x, Input Leap, Deskflow)"), into: &queue)
            }
            return
        }
        queue.send(.helloBack(hello.name, screenName: configuration.screenName))
        keepalive = Keepalive(now: now)
        state = .handshaking(hello.name)
    }

    private mutating func received(_ message: ServerMessage, name: Hello.Name, now: UInt64,
                                   into queue: inout ActionQueue) {
        // Motion may share a sync with the motion after it, but nothing else
        // comes between motion and its sync: the host sees every input
        // batch closed before any other action.
        if !message.isMotion { settleSync(into: &queue) }
        // Key presses waiting to learn whether the server is a macOS one go
        // to the guest before anything else does.
        if keyboard.hasWaiting && !message.isKeyPressOrRelease {
            keyboard.flushWaiting(into: &events)
            flushInput(into: &queue)
        }
        switch message {
        case .queryInfo:
            sendInfo(into: &queue)
        case .infoAck:
            awaitingInfoAck = false
        case .noOp, .fileTransfer, .dragInfo, .screenSaver:
            return
        case .resetOptions:
            keepalive.reset()
            keyboard.modifierMap.reset()
            outgoingClipboard.sharing = true
            incomingClipboard.limit = configuration.clipboardLimit
            outgoingClipboard.limit = configuration.clipboardLimit
        case .setOptions(let options):
            apply(options)
            if case .handshaking = state { state = .connected(name) }
        case .keepAlive:
            keepalive.received(now: now)
            queue.send(.keepAlive)
        case .enter(let x, let y, let seq, let mask):
            switch state {
            case .handshaking, .connected, .active:
                state = .active(name, seq: seq)
                outgoingClipboard.lastSeq = seq
                keyboard.enter(mask: mask, guestLeds: guestLeds, into: &events)
                pointer.enter(x: x, y: y, into: &events)
                flushInput(into: &queue)
            case .awaitingHello, .closed:
                return
            }
        case .leave:
            guard case .active(_, let seq) = state else { return }
            releaseHeld(into: &queue)
            state = .connected(name)
            outgoingClipboard.sendOwned(seq: seq, into: &queue)
        case .grabClipboard(let id, _):
            outgoingClipboard.lost(id: id)
        case .clipboard(let id, _, let mark, let data):
            switch incomingClipboard.receive(id: id, mark: mark, data: data) {
            case .completed(let id, let data)?:
                if let text = MarshalledClipboard.text(in: data) {
                    queue.append(.clipboard(id: id, text: text))
                } else {
                    queue.append(.trace("dropped server clipboard \(id): not a marshalled clipboard"))
                }
            case .dropped(let id, .tooLarge(let announced, let limit))?:
                queue.append(.trace("dropped server clipboard \(id): \(announced) bytes, limit \(limit)"))
            case .dropped(let id, .corrupt)?:
                queue.append(.trace("dropped server clipboard \(id): stream corrupt"))
            case nil:
                return
            }
        case .close:
            close(CloseReason(.bye,
                "the server closed the connection (it is shutting down, or its configuration "
                + "no longer has screen \"\(configuration.displayName)\")"), into: &queue)
        case .incompatible(let major, let minor):
            close(CloseReason(.version,
                "the server speaks protocol \(major).\(minor) and refused this client's 1.6 (EICV)"),
                into: &queue)
        case .busy:
            close(CloseReason(.busy,
                "a screen named \"\(configuration.displayName)\" is already connected to the server "
                + "(EBSY): give this VM another name"), into: &queue)
        case .unknownName:
            close(CloseReason(.unknownName,
                "the server does not know a screen named \"\(configuration.displayName)\" (EUNK): "
                + "add it to the server's screens and links, or set name= to a screen it has"), into: &queue)
        case .bad:
            close(CloseReason(.bad, "the server says this client broke the protocol (EBAD)"), into: &queue)
        case .unknown(let code):
            unknownMessages &+= 1
            queue.append(.trace("skipped unknown message \(code.text)"))
        case .keyDown, .keyRepeat, .keyUp, .mouseDown, .mouseUp, .mouseMove, .mouseRelativeMove, .mouseWheel:
            // Input counts only while the pointer is on this screen, and
            // motion only in the rectangle the server has acknowledged.
            guard case .active = state else { return }
            if awaitingInfoAck && message.isMotion { return }
            inject(message)
            flushInput(into: &queue)
        }
    }

    /// DINF: the screen rectangle, the pointer at its centre.
    private func sendInfo(into queue: inout ActionQueue) {
        let screen = configuration.screen
        queue.send(.info(
            x: screen.x, y: screen.y, width: screen.width, height: screen.height,
            mouseX: screen.x &+ screen.width / 2, mouseY: screen.y &+ screen.height / 2))
    }

    private mutating func inject(_ message: ServerMessage) {
        switch message {
        case .keyDown(let id, let mask, let button):
            keyboard.keyDown(id: id, mask: mask, button: button, into: &events)
        case .keyRepeat(let id, let mask, let count, let button):
            keyboard.keyRepeat(id: id, mask: mask, count: count, button: button, into: &events)
        case .keyUp(let id, let mask, let button):
            keyboard.keyUp(id: id, mask: mask, button: button, into: &events)
        case .mouseDown(let button):
            pointer.buttonDown(button, into: &events)
        case .mouseUp(let button):
            pointer.buttonUp(button, into: &events)
        case .mouseMove(let x, let y):
            pointer.moveAbsolute(x: x, y: y, into: &events)
        case .mouseRelativeMove(let dx, let dy):
            pointer.moveRelative(dx: dx, dy: dy, into: &events)
        case .mouseWheel(let dx, let dy):
            pointer.wheel(dx: dx, dy: dy, into: &events)
        case .queryInfo, .infoAck, .resetOptions, .setOptions, .keepAlive, .noOp, .enter, .leave,
             .grabClipboard, .screenSaver, .close, .clipboard, .fileTransfer, .dragInfo,
             .incompatible, .busy, .unknownName, .bad, .unknown:
            return
        }
    }

    private mutating func apply(_ options: [ServerOption]) {
        // The server sends all of the screen's options in each DSOP.
        keyboard.modifierMap.reset()
        for option in options {
            if keyboard.modifierMap.apply(option.id, value: option.value) { continue }
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

    /// Queues the events of one message, closed by a sync.
    ///
    /// Pointer motion alone is the exception: consecutive motion messages of
    /// one read share one sync, queued when something else comes or at the
    /// end of the read (settleSync). The guest sees the same thing (an
    /// absolute pointer keeps the last position of a batch, a relative one
    /// the sum of the deltas), at a fraction of the cost for a busy stream.
    /// Buttons and keys keep a sync of their own, before and after: a press
    /// and its release in one batch would be lost, and a press must come at
    /// the position that preceded it, not at a later one.
    private mutating func flushInput(into queue: inout ActionQueue) {
        guard !events.isEmpty else { return }
        var motionOnly = true
        for event in events where !event.isMotion {
            motionOnly = false
            break
        }
        if !motionOnly { settleSync(into: &queue) }
        for event in events {
            queue.append(input: event)
        }
        if motionOnly {
            syncOwed = true
        } else if events.last != .sync {
            // (A wheel click already ends with its own sync.)
            queue.append(input: .sync)
        }
        events.removeAll(keepingCapacity: true)
    }

    /// Queues the sync that motion of this read still waits for.
    private mutating func settleSync(into queue: inout ActionQueue) {
        guard syncOwed else { return }
        syncOwed = false
        queue.append(input: .sync)
    }

    private mutating func releaseHeld(into queue: inout ActionQueue) {
        keyboard.releaseAll(into: &events)
        pointer.releaseAll(into: &events)
        flushInput(into: &queue)
    }

    private mutating func protocolError(_ error: MessageDecodeError, into queue: inout ActionQueue) {
        switch error {
        case .truncated(let code, let length):
            close(CloseReason(.protocolError,
                "protocol error: \(code.text) message truncated (\(length) bytes)"), into: &queue)
        case .invalid(let code):
            close(CloseReason(.protocolError, "protocol error: invalid \(code.text) message"), into: &queue)
        }
    }

    private mutating func close(_ reason: CloseReason, into queue: inout ActionQueue) {
        guard !isClosed else { return }
        releaseHeld(into: &queue)
        framer.reset()
        incomingClipboard.reset()
        state = .closed(reason)
    }
}

extension InputEvent {
    /// Pointer motion: what may share a sync with the motion after it.
    var isMotion: Bool {
        switch self {
        case .moveAbsolute, .moveRelative: true
        case .key, .button, .sync: false
        }
    }
}
