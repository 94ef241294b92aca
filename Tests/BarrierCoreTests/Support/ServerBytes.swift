// SPDX-License-Identifier: GPL-2.0-or-later
@testable import BarrierCore

/// Builds what a server sends, frame by frame, from readable calls.
struct ServerBytes {
    private(set) var bytes: [UInt8] = []

    static func hello(_ name: String = "Barrier", major: UInt16 = 1, minor: UInt16 = 6) -> [UInt8] {
        var w = WireWriter()
        w.beginRaw()
        w.raw(Array(name.utf8))
        w.u16(major)
        w.u16(minor)
        w.end()
        return w.bytes
    }

    /// One frame: the 4-character code, then the fields `body` writes.
    static func message(_ code: String, _ body: (inout WireWriter) -> Void = { _ in }) -> [UInt8] {
        var w = WireWriter()
        w.beginRaw()
        w.raw(Array(code.utf8))
        body(&w)
        w.end()
        return w.bytes
    }

    /// A frame whose length field says `length`, followed by `payload`.
    static func raw(length: UInt32, payload: [UInt8] = []) -> [UInt8] {
        var w = WireWriter()
        w.u32(length)
        w.raw(payload)
        return w.bytes
    }

    static let queryInfo = message("QINF")
    static let infoAck = message("CIAK")
    static let resetOptions = message("CROP")
    static let keepAlive = message("CALV")
    static let leave = message("COUT")

    static func options(_ pairs: [(String, Int32)]) -> [UInt8] {
        message("DSOP") { w in
            w.u32(UInt32(pairs.count * 2))
            for (id, value) in pairs {
                w.raw(Array(id.utf8))
                w.u32(UInt32(bitPattern: value))
            }
        }
    }

    static func enter(x: Int16 = 0, y: Int16 = 540, seq: UInt32 = 1, mask: UInt16 = 0) -> [UInt8] {
        message("CINN") { $0.i16(x); $0.i16(y); $0.u32(seq); $0.u16(mask) }
    }

    static func keyDown(_ id: UInt16, mask: UInt16 = 0, button: UInt16) -> [UInt8] {
        message("DKDN") { $0.u16(id); $0.u16(mask); $0.u16(button) }
    }

    static func keyUp(_ id: UInt16, mask: UInt16 = 0, button: UInt16) -> [UInt8] {
        message("DKUP") { $0.u16(id); $0.u16(mask); $0.u16(button) }
    }

    static func mouseDown(_ button: UInt8) -> [UInt8] { message("DMDN") { $0.u8(button) } }
    static func mouseUp(_ button: UInt8) -> [UInt8] { message("DMUP") { $0.u8(button) } }
    static func mouseMove(x: Int16, y: Int16) -> [UInt8] { message("DMMV") { $0.i16(x); $0.i16(y) } }

    static func clipboard(id: UInt8, seq: UInt32 = 0, mark: UInt8, _ data: [UInt8]) -> [UInt8] {
        message("DCLP") { $0.u8(id); $0.u32(seq); $0.u8(mark); $0.string(data) }
    }

    /// The three-part DCLP 1.6 stream of `text` as clipboard `id`, in
    /// `chunk`-sized slices (Barrier: 32 KiB, Deskflow: 512 KiB).
    static func clipboardStream(id: UInt8, text: [UInt8], chunk: Int = 32 * 1024) -> [UInt8] {
        let data = MarshalledClipboard.marshal(text: text)
        var bytes = clipboard(id: id, mark: 1, Array(String(data.count).utf8))
        var offset = 0
        repeat {
            let end = min(offset + chunk, data.count)
            bytes += clipboard(id: id, mark: 2, Array(data[offset..<end]))
            offset = end
        } while offset < data.count
        return bytes + clipboard(id: id, mark: 3, [])
    }

    /// Hello through DSOP: what a server sends up to a finished handshake.
    static let handshake = hello() + queryInfo + infoAck + resetOptions + options([])
}

extension SessionConfiguration {
    static func test(name: String = "VM-1", clipboardLimit: UInt64 = 1 << 20,
                     reconnectDelay: UInt64 = 1_000) -> SessionConfiguration {
        // Valid by construction; a failure here is a broken test, not input.
        try! SessionConfiguration(
            screenName: Array(name.utf8), x: 0, y: 0, width: 1920, height: 1080,
            keycodes: 0, reconnectDelay: reconnectDelay, clipboardLimit: clipboardLimit)
    }
}

extension Connection {
    /// Feeds bytes and returns what came out.
    mutating func feed(_ bytes: [UInt8], now: UInt64 = 0) -> [Effect] {
        var queue = ActionQueue()
        _ = bytes.withUnsafeBytes { received($0, now: now, into: &queue) }
        return queue.drain()
    }

    mutating func tick(now: UInt64) -> [Effect] {
        var queue = ActionQueue()
        _ = tick(now: now, into: &queue)
        return queue.drain()
    }
}
