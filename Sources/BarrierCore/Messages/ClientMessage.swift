// SPDX-License-Identifier: GPL-2.0-or-later
/// A message this client sends. It never sends anything else: the server
/// drops a client for any unexpected code (protocol reference §2.1).
public enum ClientMessage: Equatable, Sendable {
    /// The answer to the hello: same protocol name, our version, our name.
    case helloBack(Hello.Name, screenName: [UInt8])
    /// DINF: our screen rectangle and the pointer position.
    case info(x: Int16, y: Int16, width: Int16, height: Int16, mouseX: Int16, mouseY: Int16)
    /// CALV: the echo of the server's keepalive.
    case keepAlive
    /// CCLP: the guest took clipboard `id`; `seq` is the last CINN's.
    case grabClipboard(id: UInt8, seq: UInt32)
    /// DCLP 1.6: one start, chunk or end of clipboard `id`.
    case clipboard(id: UInt8, seq: UInt32, mark: ClipboardMark, data: [UInt8])
}

extension ClientMessage {
    /// Appends the framed message to `w`.
    func encode(into w: inout WireWriter) {
        switch self {
        case .helloBack(let name, let screenName):
            w.beginRaw()
            w.raw(name.bytes.utf8)
            w.u16(Hello.clientMajor)
            w.u16(Hello.clientMinor)
            w.string(screenName)
        case .info(let x, let y, let width, let height, let mouseX, let mouseY):
            w.begin(.info)
            w.i16(x)
            w.i16(y)
            w.i16(width)
            w.i16(height)
            w.i16(0)  // the obsolete warp-zone size
            w.i16(mouseX)
            w.i16(mouseY)
        case .keepAlive:
            w.begin(.keepAlive)
        case .grabClipboard(let id, let seq):
            w.begin(.grabClipboard)
            w.u8(id)
            w.u32(seq)
        case .clipboard(let id, let seq, let mark, let data):
            w.begin(.clipboard)
            w.u8(id)
            w.u32(seq)
            w.u8(mark.rawValue)
            w.string(data)
        }
        w.end()
    }

    /// The framed bytes of this message alone.
    public var encoded: [UInt8] {
        var w = WireWriter()
        encode(into: &w)
        return w.bytes
    }
}
