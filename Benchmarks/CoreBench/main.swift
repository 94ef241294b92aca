// SPDX-License-Identifier: GPL-2.0-or-later
// Core micro-benchmark (not a test): messages per second through the framer
// and decoder, and through the whole session (decode, key and pointer
// translation, actions), for a mixed stream like a busy user's: moves, keys,
// wheel, buttons, keepalives. Run: swift run -c release core-bench
import BarrierCore

/// Frames messages as a server does (the core's writer is internal).
struct Frames {
    var bytes: [UInt8] = []
    private var start = 0
    mutating func begin(_ code: String) { start = bytes.count; u32(0); bytes += Array(code.utf8) }
    mutating func end() {
        let n = UInt32(bytes.count - start - 4)
        for k in 0..<4 { bytes[start + k] = UInt8(truncatingIfNeeded: n >> (24 - 8 * UInt32(k))) }
    }
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes += [UInt8(v >> 8), UInt8(v & 0xff)] }
    mutating func i16(_ v: Int16) { u16(UInt16(bitPattern: v)) }
    mutating func u32(_ v: UInt32) { for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32(k)))) } }
}

/// A stream of `count` mixed messages, framed.
func mixedStream(count: Int) -> [UInt8] {
    var w = Frames()
    var i = 0
    while i < count {
        switch i % 10 {
        case 0, 1, 2, 3, 4:
            w.begin("DMMV"); w.i16(Int16(i % 1920)); w.i16(Int16(i % 1080))
        case 5:
            w.begin("DKDN"); w.u16(0x61); w.u16(0); w.u16(38)
        case 6:
            w.begin("DKUP"); w.u16(0x61); w.u16(0); w.u16(38)
        case 7:
            w.begin("DMWM"); w.i16(0); w.i16(120)
        case 8:
            w.begin("DMDN"); w.u8(1)
        default:
            w.begin("DMUP"); w.u8(1)
        }
        w.end()
        i += 1
    }
    return w.bytes
}

func measure(_ label: String, messages: Int, rounds: Int, _ body: () -> Int) {
    let clock = ContinuousClock()
    var best = Duration.seconds(1_000)
    var check = 0
    for _ in 0..<rounds {
        let elapsed = clock.measure { check &+= body() }
        best = min(best, elapsed)
    }
    let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
    let rate = Double(messages) / seconds
    let millions = Double(Int(rate / 1e5)) / 10
    print("\(label): \(millions) M messages/s (best of \(rounds), check \(check))")
}

let count = 1_000_000
let stream = mixedStream(count: count)
let chunk = 64 * 1024  // what the QEMU shim reads at a time

measure("framer + decoder", messages: count, rounds: 7) {
    var framer = Framer()
    var decoded = 0
    stream.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let end = min(offset + chunk, raw.count)
            _ = framer.feed(UnsafeRawBufferPointer(rebasing: raw[offset..<end])) { frame in
                if (try? ServerMessage.decode(frame)) != nil { decoded &+= 1 }
                return true
            }
            offset = end
        }
    }
    return decoded
}

let configuration = try! SessionConfiguration(
    screenName: Array("VM-1".utf8), x: 0, y: 0, width: 1920, height: 1080,
    keycodes: 1, reconnectDelay: 1_000, clipboardLimit: 1 << 20)
var handshake = Frames()
handshake.begin("Barrier"); handshake.u16(1); handshake.u16(6); handshake.end()
handshake.begin("DSOP"); handshake.u32(0); handshake.end()
handshake.begin("CINN"); handshake.i16(0); handshake.i16(0); handshake.u32(1); handshake.u16(0)
handshake.end()

measure("session (decode, translate, actions)", messages: count, rounds: 7) {
    var supervisor = Supervisor(configuration: configuration)
    try? supervisor.start(now: 0)
    try? supervisor.connected(now: 0)
    handshake.bytes.withUnsafeBytes { try? supervisor.received($0, now: 0) }
    while supervisor.nextAction() != nil {}
    var actions = 0
    stream.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let end = min(offset + chunk, raw.count)
            try? supervisor.received(UnsafeRawBufferPointer(rebasing: raw[offset..<end]), now: 1)
            while supervisor.nextAction() != nil { actions &+= 1 }
            offset = end
        }
    }
    return actions
}
