// SPDX-License-Identifier: GPL-2.0-or-later
/// A message from the server, decoded into typed values (protocol reference
/// §2). Every message after the hello; the hello is `Hello`.
public enum ServerMessage: Equatable, Sendable {
    /// QINF: the server asks for our screen shape (answer DINF).
    case queryInfo
    /// CIAK: the server read our DINF.
    case infoAck
    /// CROP: options back to their defaults.
    case resetOptions
    /// DSOP: options as (id, value) pairs.
    case setOptions([ServerOption])
    /// CALV: keepalive; echo it.
    case keepAlive
    /// CNOP.
    case noOp
    /// CINN: the pointer enters this screen at x,y; `seq` numbers the entry.
    case enter(x: Int16, y: Int16, seq: UInt32, mask: UInt16)
    /// COUT: the pointer leaves this screen.
    case leave
    /// CCLP: another screen owns clipboard `id` now.
    case grabClipboard(id: UInt8, seq: UInt32)
    /// CSEC: the server's screensaver started or stopped.
    case screenSaver(on: Bool)
    /// CBYE: the server is closing this client.
    case close
    /// DKDN; button 0 when the protocol 1.0 form has none.
    case keyDown(id: UInt16, mask: UInt16, button: UInt16)
    /// DKRP.
    case keyRepeat(id: UInt16, mask: UInt16, count: UInt16, button: UInt16)
    /// DKUP.
    case keyUp(id: UInt16, mask: UInt16, button: UInt16)
    /// DMDN / DMUP: Barrier button ids (1 left, 2 middle, 3 right, 4-5 extra).
    case mouseDown(UInt8)
    case mouseUp(UInt8)
    /// DMMV: absolute, in the DINF rectangle.
    case mouseMove(x: Int16, y: Int16)
    /// DMRM.
    case mouseRelativeMove(dx: Int16, dy: Int16)
    /// DMWM; dx is 0 in the pre-1.3 form. +120 per notch, y > 0 = up.
    case mouseWheel(dx: Int16, dy: Int16)
    /// DCLP (1.6 streaming form): one start, chunk or end of clipboard `id`.
    case clipboard(id: UInt8, seq: UInt32, mark: ClipboardMark, data: [UInt8])
    /// DFTR / DDRG: drag-and-drop file transfer, parsed and ignored.
    case fileTransfer
    case dragInfo
    /// EICV: the server speaks major.minor and refuses ours.
    case incompatible(major: UInt16, minor: UInt16)
    /// EBSY: a screen with our name is already connected.
    case busy
    /// EUNK: our name is not in the server's configuration.
    case unknownName
    /// EBAD: the server says we broke the protocol.
    case bad
    /// A code this client does not know: skipped.
    case unknown(MessageCode)
}

/// One DSOP option. Values are signed in Barrier (OptionValue is SInt32).
public struct ServerOption: Equatable, Sendable {
    public var id: OptionID
    public var value: Int32
    public init(id: OptionID, value: Int32) {
        self.id = id
        self.value = value
    }
}

/// The mark of a DCLP 1.6 stream message.
public enum ClipboardMark: UInt8, Equatable, Sendable {
    case start = 1
    case chunk = 2
    case end = 3
}

/// Why a known message could not be decoded.
public enum MessageDecodeError: Error, Equatable, Sendable {
    /// Shorter than its fields (code, payload length).
    case truncated(MessageCode, Int)
    /// A field holds a value the protocol does not allow.
    case invalid(MessageCode)
}

extension ServerMessage {
    /// Pointer motion (DMMV, DMRM): consecutive motion may share one sync.
    var isMotion: Bool {
        switch self {
        case .mouseMove, .mouseRelativeMove: true
        default: false
        }
    }

    /// DKDN, DKUP: what a key press waiting for its release may wait through
    /// (Keyboard); anything else makes it go to the guest first.
    var isKeyPressOrRelease: Bool {
        switch self {
        case .keyDown, .keyUp: true
        default: false
        }
    }

    /// Decodes one frame's payload. Trailing bytes after the known fields are
    /// ignored (Deskflow appends a language string to DKRP).
    public static func decode(_ payload: UnsafeRawBufferPointer) throws(MessageDecodeError) -> ServerMessage {
        var r = WireReader(payload)
        guard let raw = r.u32() else { throw .truncated(MessageCode(rawValue: 0), payload.count) }
        let code = MessageCode(rawValue: raw)
        let truncated = MessageDecodeError.truncated(code, payload.count)

        switch code {
        case .keyDown, .keyUp:
            guard let id = r.u16(), let mask = r.u16() else { throw truncated }
            let button = r.u16() ?? 0  // absent in the protocol 1.0 form
            return code == .keyDown
                ? .keyDown(id: id, mask: mask, button: button)
                : .keyUp(id: id, mask: mask, button: button)
        case .keyRepeat:
            guard let id = r.u16(), let mask = r.u16(), let count = r.u16() else { throw truncated }
            return .keyRepeat(id: id, mask: mask, count: count, button: r.u16() ?? 0)
        case .mouseMove, .mouseRelativeMove:
            guard let x = r.i16(), let y = r.i16() else { throw truncated }
            return code == .mouseMove ? .mouseMove(x: x, y: y) : .mouseRelativeMove(dx: x, dy: y)
        case .mouseDown, .mouseUp:
            guard let button = r.u8() else { throw truncated }
            return code == .mouseDown ? .mouseDown(button) : .mouseUp(button)
        case .mouseWheel:
            guard let first = r.i16() else { throw truncated }
            // 1.3+: x then y; before 1.3 only y.
            if let second = r.i16() { return .mouseWheel(dx: first, dy: second) }
            return .mouseWheel(dx: 0, dy: first)
        case .keepAlive: return .keepAlive
        case .noOp: return .noOp
        case .queryInfo: return .queryInfo
        case .infoAck: return .infoAck
        case .resetOptions: return .resetOptions
        case .setOptions:
            guard let count = r.u32() else { throw truncated }
            // Pairs only, and no more than the frame can actually hold.
            guard count % 2 == 0, count <= UInt32(ProtocolLimits.maxList) else { throw .invalid(code) }
            let pairs = Int(truncatingIfNeeded: count / 2)
            guard r.remaining / 8 >= pairs else { throw truncated }
            var options: [ServerOption] = []
            options.reserveCapacity(pairs)
            for _ in 0..<pairs {
                guard let id = r.u32(), let value = r.u32() else { throw truncated }
                options.append(ServerOption(id: OptionID(rawValue: id), value: Int32(bitPattern: value)))
            }
            return .setOptions(options)
        case .enter:
            guard let x = r.i16(), let y = r.i16(), let seq = r.u32(), let mask = r.u16() else { throw truncated }
            return .enter(x: x, y: y, seq: seq, mask: mask)
        case .leave: return .leave
        case .grabClipboard:
            guard let id = r.u8(), let seq = r.u32() else { throw truncated }
            return .grabClipboard(id: id, seq: seq)
        case .screenSaver:
            guard let on = r.u8() else { throw truncated }
            return .screenSaver(on: on != 0)
        case .close: return .close
        case .clipboard:
            guard let id = r.u8(), let seq = r.u32(), let rawMark = r.u8() else { throw truncated }
            guard let mark = ClipboardMark(rawValue: rawMark) else { throw .invalid(code) }
            guard let data = r.string(limit: ProtocolLimits.maxFrame) else { throw truncated }
            return .clipboard(id: id, seq: seq, mark: mark, data: [UInt8](data))
        case .fileTransfer: return .fileTransfer
        case .dragInfo: return .dragInfo
        case .incompatible:
            guard let major = r.u16(), let minor = r.u16() else { throw truncated }
            return .incompatible(major: major, minor: minor)
        case .busy: return .busy
        case .unknownName: return .unknownName
        case .bad: return .bad
        default:
            return .unknown(code)
        }
    }
}
