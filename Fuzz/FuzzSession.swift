// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target over the whole core: framer, decoder, session, supervisor,
// key and pointer translation. Built by scripts/fuzz.sh with the core sources
// compiled in (no import); the checks below trap only in this fuzzer.
//
// Input layout (see Fuzz/make-corpus.py, which writes inputs in this form):
//   byte 0  config: bits 0-2 keycodes mode (% 5), bits 3-5 clipboard limit
//           (index into `limits`), bit 6 reconnect delay 0 (never retry),
//           bit 7 start near the end of time (saturating time arithmetic)
//   byte 1  flags:  bit 0 prepend a handshake (hello QINF CIAK CROP DSOP),
//           bit 1 also CINN (enter), bit 2 relative pointer, bit 3 the host
//           does NOT auto-connect (the script must call connected itself),
//           bits 4-6 guest LEDs, bit 7 the host never auto-ticks
//   byte 2  n: the number of script bytes that follow
//   n bytes the script (one op per byte, some take an argument byte)
//   rest    the server's bytes, consumed in order by the feed ops; when the
//           script ends, whatever is left is fed in 4 KiB chunks.

private let limits: [UInt64] = [0, 1, 16, 100, 1024, 65_536, 1 << 20, 16 << 20]
private let steps: [UInt64] = [0, 1, 5, 50, 500, 999, 1_000, 2_999, 3_000, 3_001, 8_999, 9_000,
                               9_001, 10_000, 10_001, 29_999, 30_000, 60_000, 1 << 20, 1 << 32,
                               1 << 40, 1 << 62, .max / 2, .max, 7, 100, 250, 1_500, 2_000, 4_000,
                               6_000, 12_000]
private let evdevMax: UInt16 = 0x2ff  // KEY_MAX

private let handshake: [UInt8] =
    serverHandshake
private let enter: [UInt8] = frame(Array("CINN".utf8) + [0, 0, 2, 0x1c, 0, 0, 0, 1, 0x10, 0])

private struct Harness {
    var supervisor: Supervisor
    let limit: Int
    var now: UInt64
    let autoConnect: Bool
    let autoTick: Bool

    /// Guest keys and buttons pressed and not yet released (as injected).
    var keys: Set<UInt16> = []
    var buttons: Set<UInt8> = []
    /// An input batch is open (events since the last sync).
    var unsynced = false
    var shownState: ConnectionState = .stopped
    var armed: UInt64?
    var armedInThisCall: UInt64?
    var connectPending = false
    var transportOpen = false
    /// Bytes fed to the current connection, and guest clipboard sizes given.
    var fedSinceConnect = 0
    var guestHeld: [Int] = [0, 0]

    mutating func drain() {
        var count = 0
        armedInThisCall = nil
        // As the C API takes them: input first without an Action, the rest after.
        while let action = supervisor.nextInput().map(Action.input) ?? supervisor.nextAction() {
            count += 1
            check(count < 1_000_000, "action queue does not drain")
            if case .input(let event) = action {
                switch event {
                case .key(let code, let down):
                    check(code != 0 && code <= evdevMax, "key code \(code) outside evdev")
                    if down {
                        keys.insert(code)
                    } else {
                        // Only a lock key tapped on enter while the server held it is released twice.
                        check(keys.remove(code) != nil || code == 58 || code == 69, "release of key \(code) not pressed")
                    }
                    unsynced = true
                case .button(let button, let down):
                    if down {
                        check(!buttons.contains(button.rawValue), "second press of button \(button)")
                        buttons.insert(button.rawValue)
                    } else {
                        check(buttons.remove(button.rawValue) != nil, "release of button \(button) not pressed")
                    }
                    unsynced = true
                case .moveAbsolute(let x, let y):
                    check((0...InputEvent.absoluteMax).contains(x) && (0...InputEvent.absoluteMax).contains(y),
                          "absolute move \(x),\(y) outside 0...0x7fff")
                    unsynced = true
                case .moveRelative:
                    unsynced = true
                case .sync:
                    // A wheel click ends in its own sync, so a batch may end in two.
                    unsynced = false
                }
                continue
            }
            check(!unsynced, "input batch not closed by a sync before \(action)")
            switch action {
            case .send(let range):
                let bytes = supervisor.queue.bytes(range)
                check(!range.isEmpty && bytes.count == range.count, "send range \(range) outside the outbox")
                checkFrames(bytes)
            case .input:
                break
            case .armTimer(let at):
                armed = at
                armedInThisCall = at
            case .connect:
                // Each CONNECT is closed by exactly one DISCONNECT: the host
                // frees its socket there, twice would be a double close.
                check(!transportOpen, "connect while the previous transport is open")
                transportOpen = true
                connectPending = true
            case .disconnect(let reason):
                check(keys.isEmpty && buttons.isEmpty,
                      "disconnect (\(reason.kind)) with keys \(keys.sorted()) buttons \(buttons.sorted()) held")
                // The message may be empty: a failed connect passes the host's own (possibly empty) text.
                check(reason.message.utf8.count < 4096, "disconnect message of \(reason.message.utf8.count) bytes")
                check(transportOpen, "disconnect without an open transport")
                transportOpen = false
                connectPending = false
            case .state(let state):
                check(state != shownState, "state \(state) announced twice")
                if state != .active {
                    check(keys.isEmpty && buttons.isEmpty,
                          "state \(state) with keys \(keys.sorted()) buttons \(buttons.sorted()) held")
                }
                shownState = state
            case .report(let text):
                check(text.utf8.count < 4096, "report of \(text.utf8.count) bytes")
            case .trace(let text):
                check(!text.isEmpty && text.utf8.count < 4096, "trace of \(text.utf8.count) bytes")
            case .askKeySpace:
                // pacing is off here (its releases come after the DISCONNECT,
                // which the checks above forbid): KeyPacerTests specify it
                check(false, "a question about the keyboard's room without pacing")
            case .clipboard(let id, let text):
                check(id < 2, "clipboard id \(id)")
                check(text.count <= limit, "clipboard of \(text.count) bytes over the limit \(limit)")
            }
        }
        check(supervisor.queue.isEmpty, "queue not empty after draining")
        check(!unsynced, "input batch not closed by a sync at the end of a call")
        let state = supervisor.state
        check(state == shownState, "state \(state) but last announced \(shownState)")
        if state != .active {
            check(keys.isEmpty && buttons.isEmpty,
                  "in state \(state) with keys \(keys.sorted()) buttons \(buttons.sorted()) held")
        }
        let buffered = supervisor.bufferedCount
        switch state {
        case .handshaking, .connected, .active:
            let bound = ProtocolLimits.maxFrame + 4 + 2 * limit + guestHeld[0] + guestHeld[1]
            check(buffered <= bound, "buffered \(buffered) over the bound \(bound)")
            check(buffered <= fedSinceConnect + guestHeld[0] + guestHeld[1],
                  "buffered \(buffered) but only \(fedSinceConnect) bytes fed")
        case .disconnected, .connecting, .stopped:
            check(buffered == 0, "buffered \(buffered) without a connection")
        }
    }

    /// Every send is whole client frames of sane sizes.
    func checkFrames(_ bytes: ArraySlice<UInt8>) {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            check(bytes.endIndex - i >= 4, "send ends inside a length field")
            let n = Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            check(n >= 4 && n <= ProtocolLimits.maxFrame, "client frame of length \(n)")
            check(bytes.endIndex - i - 4 >= n, "send ends inside a frame")
            i += 4 + n
        }
    }

    /// What the host does after every call: connect when asked, tick when the
    /// armed timer is due. A timer re-armed at or before `now` by the tick it
    /// caused would spin the host's main loop.
    mutating func host() {
        if autoConnect && connectPending {
            connectPending = false
            connect()
        }
        guard autoTick else { return }
        var rounds = 0
        while let at = armed, at <= now {
            rounds += 1
            check(rounds < 8, "timer spin: armed at \(at) <= now \(now) after \(rounds) ticks")
            armed = nil
            call { $0.tick(now: $1) }
            if autoConnect && connectPending {
                connectPending = false
                connect()
            }
        }
    }

    mutating func connect() {
        var ok = false
        call { s, now in ok = (try? s.connected(now: now)) != nil }
        if ok {
            fedSinceConnect = 0
            guestHeld = [0, 0]
        }
    }

    mutating func call(_ body: (inout Supervisor, UInt64) -> Void) {
        body(&supervisor, now)
        drain()
    }

    mutating func feed(_ bytes: ArraySlice<UInt8>) {
        if supervisor.state != .disconnected && supervisor.state != .stopped && supervisor.state != .connecting {
            fedSinceConnect += bytes.count
        }
        bytes.withUnsafeBytes { raw in call { try? $0.received(raw, now: $1) } }
    }

    /// Time stops 2^40 ms short of UInt64.max: at .max itself every deadline
    /// saturates to `now` and the host's timer would legitimately fire forever
    /// (584 million years of uptime); the C API target covers .max itself.
    static let endOfTime = UInt64.max - (1 << 40)

    mutating func advance(_ step: UInt64) {
        now = min(now.saturatingAdd(step), Self.endOfTime)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSession(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    guard input.count >= 3 else { return 0 }
    let config = input[0], flags = input[1]
    let scriptEnd = min(input.count, 3 + Int(input[2]))
    let script = input[3..<scriptEnd]
    var server: [UInt8] = []
    if flags & 1 != 0 { server += handshake }
    if flags & 2 != 0 { server += enter }
    server += input[scriptEnd...]

    let limit = limits[Int(config >> 3 & 7)]
    guard let configuration = try? SessionConfiguration(
        screenName: Array("VM-1".utf8), x: 0, y: 0, width: 1920, height: 1080,
        keycodes: UInt32(config & 7) % 5, reconnectDelay: config & 0x40 != 0 ? 0 : 1_000,
        clipboardLimit: limit)
    else { fatalError("invariant: a valid configuration was refused") }

    var h = Harness(supervisor: Supervisor(configuration: configuration), limit: Int(limit),
                    now: config & 0x80 != 0 ? Harness.endOfTime - 100_000 : 1_000_000,
                    autoConnect: flags & 8 == 0, autoTick: flags & 0x80 == 0)
    h.supervisor.setAbsolutePointer(flags & 4 == 0)
    h.supervisor.setGuestLeds(LockLeds(rawValue: UInt32(flags >> 4 & 7)))
    h.call { try? $0.start(now: $1) }
    h.host()

    var offset = 0  // into `server`
    func take(_ n: Int) -> ArraySlice<UInt8> {
        let end = min(server.count, offset + n)
        defer { offset = end }
        return server[offset..<end]
    }

    var i = script.startIndex
    func arg() -> UInt8 {
        guard i < script.endIndex else { return 0 }
        defer { i += 1 }
        return script[i]
    }
    while i < script.endIndex {
        let op = script[i]
        i += 1
        switch op {
        case 0x00..<0x80:
            h.feed(take(op == 0x7f ? 4096 : Int(op)))
        case 0x80..<0xa0:
            h.advance(steps[Int(op & 0x1f)])
            h.call { $0.tick(now: $1) }
        case 0xa0..<0xa8:
            h.supervisor.setGuestLeds(LockLeds(rawValue: UInt32(op & 7)))
            h.drain()
        case 0xa8..<0xb0:
            // Guest clipboard: id 0-3 (2 and 3 are invalid), size from a table.
            // Texts over 256 bytes only 1 time in 32: every byte of one is a
            // coverage callback in the line-ending scan, which otherwise
            // takes most of the fuzzer's time and finds nothing new.
            let id = op & 3
            let a = arg()
            let sizes = [0, 1, 10, 1000, Int(limit), Int(limit) + 1, 40_000, 70_000]
            let n = min(sizes[Int(a & 7)], a & 0xf8 == 0xf8 ? 70_000 : 256)
            let text = [UInt8](repeating: 0x61 &+ op, count: n)
            if id < 2, n <= Int(limit), h.supervisor.state == .active || h.supervisor.state == .connected {
                h.guestHeld[Int(id)] = max(h.guestHeld[Int(id)], n)
            }
            h.call { s, _ in s.guestClipboardChanged(id: id, text: text) }
        case 0xb0:
            let message = String(decoding: take(Int(arg() & 0x3f)), as: UTF8.self)
            h.call { try? $0.disconnected(now: $1, message: message) }
        case 0xb1:
            h.call { try? $0.start(now: $1) }
        case 0xb2:
            // The transport is up; with TLS, the handshake starts first and may
            // stall (no connect: the handshake timeout is the script's to reach).
            let a = arg()
            if a & 1 != 0 {
                h.call { try? $0.tlsHandshakeStarted(now: $1) }
            }
            if a & 2 == 0 {
                h.connectPending = false
                h.connect()
            }
        case 0xb3:
            h.call { $0.shutdown(now: $1) }
            check(h.keys.isEmpty && h.buttons.isEmpty, "keys or buttons held after shutdown")
            check(h.supervisor.state == .stopped, "not stopped after shutdown")
        case 0xb4, 0xb5:
            h.supervisor.setAbsolutePointer(op == 0xb4)
            h.drain()
        case 0xb6:
            // A new connection's greeting, from the harness (reconnects).
            var bytes = handshake
            if arg() & 1 != 0 { bytes += enter }
            h.feed(bytes[...])
        case 0xb7:
            h.advance(UInt64(arg()) * 100)
        case 0xb8..<0xc0:
            h.feed(take(Int(op & 7) * 256 + Int(arg())))
        default:  // 0xc0...0xff
            h.feed(take((Int(op & 0x3f) + 1) * 64))
        }
        h.host()
    }
    while offset < server.count {
        h.feed(take(4096))
        h.host()
    }
    h.call { $0.shutdown(now: $1) }
    check(h.keys.isEmpty && h.buttons.isEmpty, "keys or buttons held after the final shutdown")
    check(h.supervisor.state == .stopped, "not stopped after the final shutdown")
    check(!h.transportOpen, "transport still open after the final shutdown")
    return 0
}
