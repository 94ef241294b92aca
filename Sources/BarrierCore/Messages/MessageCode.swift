// SPDX-License-Identifier: GPL-2.0-or-later
/// A message's 4-character ASCII code, packed big-endian ("DKDN" = 0x444B444E)
/// so that dispatch is an integer switch.
public struct MessageCode: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// From a 4-character ASCII literal.
    init(_ text: StaticString) {
        var v: UInt32 = 0
        text.withUTF8Buffer { for b in $0.prefix(4) { v = v << 8 | UInt32(b) } }
        rawValue = v
    }

    // Server to client (protocol reference §2.1).
    static let queryInfo = MessageCode("QINF")
    static let infoAck = MessageCode("CIAK")
    static let resetOptions = MessageCode("CROP")
    static let setOptions = MessageCode("DSOP")
    static let keepAlive = MessageCode("CALV")
    static let noOp = MessageCode("CNOP")
    static let enter = MessageCode("CINN")
    static let leave = MessageCode("COUT")
    static let grabClipboard = MessageCode("CCLP")
    static let screenSaver = MessageCode("CSEC")
    static let close = MessageCode("CBYE")
    static let keyDown = MessageCode("DKDN")
    static let keyRepeat = MessageCode("DKRP")
    static let keyUp = MessageCode("DKUP")
    static let mouseDown = MessageCode("DMDN")
    static let mouseUp = MessageCode("DMUP")
    static let mouseMove = MessageCode("DMMV")
    static let mouseRelativeMove = MessageCode("DMRM")
    static let mouseWheel = MessageCode("DMWM")
    static let clipboard = MessageCode("DCLP")
    static let fileTransfer = MessageCode("DFTR")
    static let dragInfo = MessageCode("DDRG")
    static let incompatible = MessageCode("EICV")
    static let busy = MessageCode("EBSY")
    static let unknownName = MessageCode("EUNK")
    static let bad = MessageCode("EBAD")
    // Client to server only.
    static let info = MessageCode("DINF")

    /// The code as text, for messages to the user ("????" for non-ASCII).
    public var text: String {
        var chars: [UInt8] = []
        for shift in [24, 16, 8, 0] as [UInt32] {
            let b = UInt8(truncatingIfNeeded: rawValue >> shift)
            chars.append(b >= 0x20 && b < 0x7f ? b : UInt8(ascii: "?"))
        }
        return String(decoding: chars, as: UTF8.self)
    }
}
