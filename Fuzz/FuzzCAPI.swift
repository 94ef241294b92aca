// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target over the C API (include/barrierclient.h): the @_cdecl
// exports of Sources/BarrierClientC are compiled in with the core (module
// name BarrierCore, so their `import BarrierCore` is ignored) and called
// directly, as QEMU would call them, with configurations and arguments taken
// from the input, valid or not. The checks trap only in this fuzzer.
//
// Input layout (see Fuzz/make-corpus.py):
//   byte 0      config shape: bits 0-1 size field (exact, 0, one less, larger),
//               bit 2 name NULL, bit 3 config pointer NULL, bit 4 out NULL,
//               bit 5 msg NULL, bit 6 drain after every call, bit 7 prepend
//               a handshake to the first feed
//   byte 1      name length (0-255; 0xff means 256, one too many)
//   bytes 2-7   x, y, width, height, keycodes, reconnect: indexes into tables
//   byte 8      clipboard_max: index into a table
//   name bytes  (name length of them, or fewer if the input ends)
//   then ops:   one byte each, some followed by arguments (see `run`)
import CBarrierABI

private let origins: [Int32] = [0, -1, 1920, -32768, 32767, -32769, 32768, .min, .max, 100, -1920, 1080]
private let sizes: [Int32] = [1920, 1080, 1, 32767, 0, -1, 32768, .max, .min, 2, 800, 600]
private let delays: [UInt32] = [1000, 0, 1, 30_000, 30_001, .max, 500, 2]
private let clipboardMaxes: [UInt32] = [1 << 20, 0, 1, 16, 65_536, 16 << 20, (16 << 20) + 1, .max]
private let steps: [UInt64] = [0, 1, 50, 1_000, 2_999, 3_000, 9_000, 10_000, 10_001, 30_000, 60_000,
                               1 << 32, 1 << 62, .max / 2, .max, 100]
private let hugeClipboard = UnsafeMutablePointer<UInt8>.allocate(capacity: (16 << 20) + 1)
private let fakeHandle: OpaquePointer = {
    let p = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16)
    p.initializeMemory(as: UInt8.self, repeating: 0x5a, count: 64)
    return OpaquePointer(p)
}()

private let handshake: [UInt8] =
    serverHandshake
    + frame(Array("CINN".utf8) + [0, 0, 2, 0x1c, 0, 0, 0, 1, 0, 0])

/// A C string from the library: non-NULL, NUL-terminated within `max` bytes.
private func checkCString(_ p: UnsafePointer<CChar>?, _ what: String, max: Int = 512) {
    guard let p else { fatalError("invariant: \(what) is NULL") }
    var n = 0
    while p[n] != 0 {
        n += 1
        check(n < max, "\(what) not NUL-terminated within \(max) bytes")
    }
}

private struct Reader {
    let bytes: [UInt8]
    var offset: Int
    var atEnd: Bool { offset >= bytes.count }
    mutating func u8() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }
    mutating func u32() -> UInt32 {
        UInt32(u8()) << 24 | UInt32(u8()) << 16 | UInt32(u8()) << 8 | UInt32(u8())
    }
    mutating func slice(_ n: Int) -> [UInt8] {
        let end = min(bytes.count, offset + max(0, n))
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}

private struct Host {
    let s: OpaquePointer?
    let clipboardMax: Int
    var keys: Set<UInt32> = []
    var buttons: Set<UInt32> = []
    var lastState: Int32 = 5
    var transportOpen = false
    /// Whether the VM runs (bc_session_set_running): while it is stopped no
    /// input comes, so what the guest holds may outlive a leave or a close;
    /// the resume brings it in line.
    var running = true
    /// 0: bc_session_next_action; else bc_session_next_actions with this capacity.
    var batch = 0

    mutating func drain() {
        var taken = [bc_action](repeating: bc_action(), count: max(batch, 1))
        var count = 0
        var drained = false
        while !drained {
            let rc = taken.withUnsafeMutableBufferPointer { buffer in
                batch == 0 ? bc_session_next_action(s, buffer.baseAddress)
                    : bc_session_next_actions(s, buffer.baseAddress, batch)
            }
            check(rc >= 0 && rc <= max(batch, 1), "next_action(s) returned \(rc)")
            if rc == 0 && batch == 0 {
                let a = taken[0]
                check(a.kind == 0 && a.data == nil && a.len == 0, "empty next_action left a non-zero action")
            }
            // Every action's data is checked after the whole batch was taken.
            for a in taken.prefix(Int(max(0, rc))) { take(a, count: &count) }
            drained = rc == 0 || (batch > 0 && rc < batch)
            if batch > 0 && rc > 0 && rc < batch {
                // a short batch means the queue is empty
                var extra = bc_action()
                check(bc_session_next_actions(s, &extra, 1) == 0, "short batch but the queue was not empty")
            }
        }
        let state = bc_session_state(s)
        check(state == lastState, "bc_session_state \(state) but last BC_ACTION_STATE \(lastState)")
        if state != 4 && running { check(keys.isEmpty && buttons.isEmpty, "state \(state) with keys held") }
    }

    private mutating func take(_ a: bc_action, count: inout Int) {
        do {  // (the body of the old one-at-a-time loop)
            count += 1
            check(count < 1_000_000, "the action queue does not drain")
            check(a.len == 0 || a.data != nil, "kind \(a.kind): len \(a.len) with data NULL")
            if let data = a.data {
                // Touch every byte (ASan checks the span) and the terminator.
                var sum: UInt8 = 0
                for k in 0..<a.len { sum &+= data[k] }
                _ = sum
                check(data[a.len] == 0, "kind \(a.kind): data not NUL-terminated")
            }
            switch a.kind {
            case 1:  // SEND
                check(a.len >= 8 && a.data != nil, "send of \(a.len) bytes")
                // whole frames, end to end: the bytes are the right ones, not
                // just readable (a batch's data survives the buffer growing)
                if let data = a.data {
                    var at = 0
                    while a.len - at >= 4 {
                        let length = Int(data[at]) << 24 | Int(data[at + 1]) << 16
                            | Int(data[at + 2]) << 8 | Int(data[at + 3])
                        check(length >= 4 && at + 4 + length <= a.len, "send: a frame of \(length) bytes at \(at)")
                        at += 4 + length
                    }
                    check(at == a.len, "send: \(a.len - at) bytes after the last frame")
                }
            case 2:  // KEY
                check(a.code != 0 && a.code <= 0x2ff && (a.down == 0 || a.down == 1), "key \(a.code) \(a.down)")
                if a.down == 1 { keys.insert(a.code) } else { keys.remove(a.code) }
            case 3:  // BUTTON
                check(a.code <= 8 && (a.down == 0 || a.down == 1), "button \(a.code) \(a.down)")
                if a.down == 1 { buttons.insert(a.code) } else { buttons.remove(a.code) }
            case 4:
                check((0...0x7fff).contains(a.x) && (0...0x7fff).contains(a.y), "abs move \(a.x),\(a.y)")
            case 5, 6, 7:
                break
            case 8:  // CONNECT: each is closed by exactly one DISCONNECT
                check(!transportOpen, "connect while the previous transport is open")
                transportOpen = true
            case 9:  // DISCONNECT
                check((1...9).contains(a.code), "disconnect reason \(a.code)")
                check(a.data != nil, "disconnect without a message")
                check(!running || keys.isEmpty && buttons.isEmpty, "disconnect with keys \(keys.sorted()) held")
                check(transportOpen, "disconnect without an open transport")
                transportOpen = false
                checkCString(bc_reason_name(a.code), "reason name")
            case 10:  // STATE
                check(a.code <= 5, "state \(a.code)")
                if a.code != 4 && running { check(keys.isEmpty && buttons.isEmpty, "state \(a.code) with keys held") }
                lastState = Int32(a.code)
            case 11, 13:  // REPORT, TRACE
                check(a.data != nil, "kind \(a.kind) without text")
            case 12:  // CLIPBOARD
                check(a.code < 2 && a.len <= clipboardMax, "clipboard \(a.code) of \(a.len) bytes")
            default:
                fatalError("invariant: action kind \(a.kind)")
            }
        }
    }
}

private func expect(_ rc: Int32, _ allowed: Set<Int32>, _ what: String) {
    check(allowed.contains(rc), "\(what) returned \(rc), expected one of \(allowed.sorted())")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCAPI(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var r = Reader(bytes: Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size)), offset: 0)
    let shape = r.u8()
    let nameByte = r.u8()
    var c = bc_config()
    switch shape & 3 {
    case 0: c.size = UInt32(MemoryLayout<bc_config>.size)
    case 1: c.size = 0
    case 2: c.size = UInt32(MemoryLayout<bc_config>.size - 1)
    default: c.size = UInt32(MemoryLayout<bc_config>.size + 64)
    }
    c.x = origins[Int(r.u8()) % origins.count]
    c.y = origins[Int(r.u8()) % origins.count]
    c.width = sizes[Int(r.u8()) % sizes.count]
    c.height = sizes[Int(r.u8()) % sizes.count]
    let kc = r.u8()
    c.keycodes = kc < 0xf0 ? UInt32(kc % 7) : UInt32.max - UInt32(kc & 0xf)
    c.reconnect_ms = delays[Int(r.u8()) % delays.count]
    c.clipboard_max = clipboardMaxes[Int(r.u8()) % clipboardMaxes.count]
    let nameLength = nameByte == 0xff ? 256 : Int(nameByte)
    var name = r.slice(nameLength)
    if name.count < nameLength { name += [UInt8](repeating: 0x56, count: nameLength - name.count) }

    var handle: OpaquePointer? = OpaquePointer(bitPattern: 0x10)  // must be overwritten
    var message: UnsafePointer<CChar>? = UnsafePointer(bitPattern: 0x10)
    let rc: Int32 = name.withUnsafeBufferPointer { nb in
        c.name = shape & 4 != 0 ? nil : UnsafeRawPointer(nb.baseAddress)?.assumingMemoryBound(to: CChar.self)
        c.name_len = nb.count
        return withUnsafePointer(to: &c) { cp in
            withUnsafeMutablePointer(to: &handle) { hp in
                withUnsafeMutablePointer(to: &message) { mp in
                    bc_session_new(shape & 8 != 0 ? nil : cp, shape & 16 != 0 ? nil : hp,
                                   shape & 32 != 0 ? nil : mp)
                }
            }
        }
    }
    expect(rc, [0, -1, -3], "bc_session_new")
    if shape & 32 == 0 {
        if rc == -3 { checkCString(message, "bc_session_new message") }
        if rc == 0 { check(message == nil, "message set on success") }
    }
    if shape & 16 == 0 && shape & 8 == 0 {
        check((rc == 0) == (handle != nil), "bc_session_new rc \(rc) with handle \(String(describing: handle))")
    }
    if rc != 0 {
        // Every call on a NULL or foreign handle is refused.
        for h in [nil, fakeHandle] as [OpaquePointer?] {
            expect(bc_session_start(h, 0), [-1], "start(bad handle)")
            expect(bc_session_feed(h, nil, 0, 0), [-1], "feed(bad handle)")
            expect(bc_session_tick(h, 0), [-1], "tick(bad handle)")
            expect(bc_session_state(h), [-1], "state(bad handle)")
            var a = bc_action()
            expect(bc_session_next_action(h, &a), [-1], "next_action(bad handle)")
            expect(bc_session_next_actions(h, &a, 1), [-1], "next_actions(bad handle)")
            bc_session_free(h)
        }
        return 0
    }
    let s = handle
    var host = Host(s: s, clipboardMax: Int(c.clipboard_max))
    host.batch = [0, 1, 3, 16][Int(nameByte >> 6)]
    let drainAlways = shape & 64 != 0
    var now: UInt64 = 1_000_000
    var greeted = shape & 128 == 0

    while !r.atEnd {
        let op = r.u8()
        switch op % 20 {
        case 0, 1, 2, 3:  // feed
            var bytes = r.slice(Int(r.u8()) * (op >= 0x80 ? 8 : 1))
            if !greeted { bytes = handshake + bytes; greeted = true }
            expect(bytes.withUnsafeBufferPointer { bc_session_feed(s, $0.baseAddress, $0.count, now) },
                   [0, -2], "feed")
        case 4:  // feed with odd pointer/length pairs
            switch r.u8() % 4 {
            case 0: expect(bc_session_feed(s, nil, 0, now), [0, -2], "feed(NULL, 0)")
            case 1: expect(bc_session_feed(s, nil, Int(r.u8()) + 1, now), [-1], "feed(NULL, n)")
            case 2: expect(bc_session_feed(s, hugeClipboard, -1, now), [-1], "feed(p, SIZE_MAX)")
            default: expect(bc_session_feed(s, hugeClipboard, 0, now), [0, -2], "feed(p, 0)")
            }
        case 5, 6:
            now = now.saturatingAdd(steps[Int(r.u8()) % steps.count])
            expect(bc_session_tick(s, now), [0], "tick")
        case 7: expect(bc_session_start(s, now), [0, -2], "start")
        case 8:
            if op >= 0x80 {  // a TLS host: the handshake starts, then (maybe) completes
                expect(bc_session_tls_started(s, now), [0, -2], "tls_started")
                if op & 0x40 != 0 { break }
            }
            expect(bc_session_connected(s, now), [0, -2], "connected")
        case 9:
            let m = r.u8()
            switch m % 4 {
            case 0: expect(bc_session_disconnected(s, now, nil, 0), [0, -2], "disconnected(NULL)")
            case 1: expect(bc_session_disconnected(s, now, nil, 5), [-1], "disconnected(NULL, 5)")
            case 2:
                let text = r.slice(Int(m >> 2) * 40)
                expect(text.withUnsafeBufferPointer {
                    $0.withMemoryRebound(to: CChar.self) { bc_session_disconnected(s, now, $0.baseAddress, $0.count) }
                }, [0, -2], "disconnected(text)")
            default:
                expect(bc_session_disconnected(s, now, "x", -1), [-1], "disconnected(SIZE_MAX)")
            }
        case 10: expect(bc_session_shutdown(s, now), [0], "shutdown")
        case 11:
            let m = r.u8()
            expect(bc_session_set_leds(s, m < 0x80 ? UInt32(m & 7) : r.u32()), [0], "set_leds")
        case 12: expect(bc_session_set_absolute(s, Int32(bitPattern: r.u32())), [0], "set_absolute")
        case 13:
            let m = r.u8()
            let id: UInt32 = m & 0x80 != 0 ? r.u32() : UInt32(m & 1)
            switch m >> 1 & 7 {
            case 0: expect(bc_session_set_clipboard(s, id, nil, 0), id < 2 ? [0] : [-1], "set_clipboard(NULL, 0)")
            case 1: expect(bc_session_set_clipboard(s, id, nil, 3), [-1], "set_clipboard(NULL, 3)")
            case 2: expect(bc_session_set_clipboard(s, id, hugeClipboard, (16 << 20) + 1),
                           id < 2 ? [-4] : [-1], "set_clipboard(16 MiB + 1)")
            case 3: expect(bc_session_set_clipboard(s, id, hugeClipboard, -1), [-1], "set_clipboard(SIZE_MAX)")
            case 4:
                // Up to 1 MiB only 1 time in 16: every byte of a text is a coverage
                // callback in the line-ending scan, which otherwise takes most of the time.
                let k = r.u8()
                expect(bc_session_set_clipboard(s, id, hugeClipboard, k & 0xf0 == 0xf0 ? Int(k) << 12 : Int(k) << 4),
                       id < 2 ? [0] : [-1], "set_clipboard(big)")
            default:
                let text = r.slice(Int(r.u8()))
                expect(text.withUnsafeBufferPointer { bc_session_set_clipboard(s, id, $0.baseAddress, $0.count) },
                       id < 2 ? [0] : [-1], "set_clipboard(text)")
            }
        case 14: host.drain()
        case 15:
            expect(bc_session_next_action(s, nil), [-1], "next_action(NULL)")
            expect(bc_session_next_actions(s, nil, 4), [-1], "next_actions(NULL)")
            var one = bc_action()
            expect(bc_session_next_actions(s, &one, 0), [-1], "next_actions(capacity 0)")
            let st = bc_session_state(s)
            check((0...5).contains(st), "state \(st)")
        case 16:
            let v = r.u32()
            checkCString(bc_strerror(Int32(bitPattern: v)), "strerror")
            checkCString(bc_state_name(v), "state name")
            checkCString(bc_reason_name(v), "reason name")
            check(bc_abi_version() == UInt32(BC_ABI_VERSION), "abi version")
        case 17:
            expect(bc_session_feed(fakeHandle, nil, 0, now), [-1], "feed(foreign handle)")
            expect(bc_session_shutdown(nil, now), [-1], "shutdown(NULL)")
            bc_session_free(fakeHandle)
            bc_session_free(nil)
        case 18:
            // Bytes of a handshake in one go (a reconnect's greeting).
            expect(handshake.withUnsafeBufferPointer { bc_session_feed(s, $0.baseAddress, $0.count, now) },
                   [0, -2], "feed(handshake)")
        default:
            if op == 239 {
                // The VM stops or runs again; what is queued is taken first,
                // as the host does it within the same main-loop turn.
                host.drain()
                expect(bc_session_set_running(s, host.running ? 0 : 1), [0], "set_running")
                host.running.toggle()
            } else if op == 219 {
                var message: UnsafePointer<CChar>?
                let rc = bc_session_set_screen(s, Int32(bitPattern: r.u32()) >> Int32(r.u8() & 31),
                                               Int32(bitPattern: r.u32()) >> Int32(r.u8() & 31),
                                               Int32(bitPattern: r.u32()) >> Int32(r.u8() & 31),
                                               Int32(bitPattern: r.u32()) >> Int32(r.u8() & 31), &message)
                expect(rc, [0, -3], "set_screen")
                check((rc == -3) == (message != nil), "set_screen \(rc) with message \(String(describing: message))")
                if let message { checkCString(message, "set_screen message") }
            } else {
                now = now.saturatingAdd(UInt64(r.u8()) * 10)
            }
        }
        if drainAlways { host.drain() }
    }
    host.drain()
    if !host.running {
        expect(bc_session_set_running(s, 1), [0], "set_running")
        host.running = true
        host.drain()
    }
    expect(bc_session_shutdown(s, now), [0], "shutdown")
    host.drain()
    check(bc_session_state(s) == 5, "not stopped after shutdown")
    check(!host.transportOpen, "transport still open after shutdown")
    bc_session_free(s)
    return 0
}
