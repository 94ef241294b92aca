// SPDX-License-Identifier: GPL-2.0-or-later
// The C API of libbarrierclient.so (include/barrierclient.h): every function
// is total over its arguments' values. NULL, bad values and out-of-order calls
// return a BC_E* code; no Swift error or trap crosses into the host.
import BarrierCore
import CBarrierABI

private let abiVersion: UInt32 = 1

@_cdecl("bc_abi_version")
public func bc_abi_version() -> UInt32 {
    abiVersion
}

@_cdecl("bc_abi_check")
public func bc_abi_check(_ builtFor: UInt32) -> UnsafePointer<CChar>? {
    guard builtFor != abiVersion else { return nil }
    let message: StaticString = """
        libbarrierclient.so is not the version this QEMU was built with (another ABI): \
        install the library that came with it, or rebuild QEMU against this one
        """
    return message.cString
}

@_cdecl("bc_strerror")
public func bc_strerror(_ error: Int32) -> UnsafePointer<CChar>? {
    let text: StaticString
    switch error {
    case 0: text = "success"
    case -1: text = "invalid argument"
    case -2: text = "not valid in the session's current state"
    case -3: text = "invalid configuration"
    case -4: text = "out of buffer space"
    default: text = "unknown error"
    }
    return text.cString
}

@_cdecl("bc_state_name")
public func bc_state_name(_ state: UInt32) -> UnsafePointer<CChar>? {
    guard let state = UInt8(exactly: state).flatMap(ConnectionState.init(rawValue:)) else {
        return StaticString("unknown").cString
    }
    return state.name.cString
}

@_cdecl("bc_reason_name")
public func bc_reason_name(_ reason: UInt32) -> UnsafePointer<CChar>? {
    guard let kind = UInt8(exactly: reason).flatMap(CloseReason.Kind.init(rawValue:)) else {
        return reason == 0 ? StaticString("none").cString : StaticString("unknown").cString
    }
    return kind.name.cString
}

@_cdecl("bc_session_new")
public func bc_session_new(
    _ config: UnsafePointer<bc_config>?,
    _ out: UnsafeMutablePointer<OpaquePointer?>?,
    _ message: UnsafeMutablePointer<UnsafePointer<CChar>?>?
) -> Int32 {
    message?.pointee = nil
    guard let config, let out else { return BC_EINVAL.code }
    out.pointee = nil
    // A host built against an older header passes a shorter bc_config: the
    // fields it does not know stay zero (NULL: not checked).
    var c = bc_config()
    let firstGrown = withUnsafeMutablePointer(to: &c) { base in
        withUnsafeMutablePointer(to: &base.pointee.server) { UnsafeRawPointer($0) - UnsafeRawPointer(base) }
    }
    let given = Int(config.pointee.size)
    guard given >= firstGrown else {
        message?.pointee = StaticString("bc_config.size is smaller than any bc_config").cString
        return BC_EINVAL.code
    }
    withUnsafeMutableBytes(of: &c) { copy in
        copy.baseAddress?.copyMemory(from: UnsafeRawPointer(config), byteCount: min(given, copy.count))
    }
    guard c.name != nil || c.name_len == 0 else { return BC_EINVAL.code }
    // size_t arrives as Int: a length of 2^63 or more is negative here
    guard (0...ProtocolLimits.maxScreenName).contains(c.name_len) else {
        message?.pointee = SessionConfiguration.Error.nameLength.message.cString
        return BC_ECONFIG.code
    }
    let name = c.name.map { Array(UnsafeRawBufferPointer(start: $0, count: c.name_len)) } ?? []
    let server = bytes(c.server, c.server_len)
    let port = bytes(c.port, c.port_len)
    let fingerprint = bytes(c.tls_fingerprint, c.tls_fingerprint_len)
    var configuration: SessionConfiguration
    do {
        configuration = try SessionConfiguration(
            screenName: name,
            x: Int64(c.x), y: Int64(c.y), width: Int64(c.width), height: Int64(c.height),
            keycodes: c.keycodes, reconnectDelay: UInt64(c.reconnect_ms),
            clipboardLimit: UInt64(c.clipboard_max),
            server: server, port: port, tls: c.tls != BC_TLS_CREDS_NONE.code, fingerprint: fingerprint,
            tlsCredentialsUsable: c.tls != BC_TLS_CREDS_UNUSABLE.code)
    } catch {
        message?.pointee = error.message.cString
        return BC_ECONFIG.code
    }
    configuration.pacesKeys = c.pace_keys != 0
    if c.clipboard_off != 0 { configuration.clipboardLimit = 0 }
    out.pointee = SessionHandle.make(ExportedSession(Supervisor(configuration: configuration)))
    return BC_OK.code
}

/// A host's string as bytes (at most 4 KiB: a configuration value), or nil.
private func bytes(_ text: UnsafePointer<CChar>?, _ length: Int) -> [UInt8]? {
    guard let text else { return nil }
    return Array(UnsafeRawBufferPointer(start: text, count: min(max(length, 0), 4096)))
}

@_cdecl("bc_session_free")
public func bc_session_free(_ handle: OpaquePointer?) {
    SessionHandle.destroy(handle)
}

@_cdecl("bc_session_start")
public func bc_session_start(_ handle: OpaquePointer?, _ now: UInt64) -> Int32 {
    withSession(handle) { s throws(Supervisor.CallError) in try s.supervisor.start(now: now) }
}

@_cdecl("bc_session_connected")
public func bc_session_connected(_ handle: OpaquePointer?, _ now: UInt64) -> Int32 {
    withSession(handle) { s throws(Supervisor.CallError) in try s.supervisor.connected(now: now) }
}

@_cdecl("bc_session_tls_started")
public func bc_session_tls_started(_ handle: OpaquePointer?, _ now: UInt64) -> Int32 {
    withSession(handle) { s throws(Supervisor.CallError) in try s.supervisor.tlsHandshakeStarted(now: now) }
}

@_cdecl("bc_session_connected_tls")
public func bc_session_connected_tls(
    _ handle: OpaquePointer?, _ now: UInt64, _ clientFingerprint: UnsafePointer<UInt8>?
) -> Int32 {
    let client = clientFingerprint.flatMap {
        Fingerprint(bytes: Array(UnsafeBufferPointer(start: $0, count: Fingerprint.byteCount)))
    }
    return withSession(handle) { s throws(Supervisor.CallError) in
        try s.supervisor.connected(now: now, transport: .tls(clientCertificate: client))
    }
}

@_cdecl("bc_session_tls_done")
public func bc_session_tls_done(
    _ handle: OpaquePointer?, _ now: UInt64, _ outcome: UInt32, _ serverFingerprint: UnsafePointer<UInt8>?,
    _ clientFingerprint: UnsafePointer<UInt8>?, _ detail: UnsafePointer<CChar>?, _ length: Int
) -> Int32 {
    guard let outcome = TLSHandshakeOutcome(rawValue: outcome), length >= 0, detail != nil || length == 0 else {
        return BC_EINVAL.code
    }
    let server = serverFingerprint.flatMap {
        Fingerprint(bytes: Array(UnsafeBufferPointer(start: $0, count: Fingerprint.byteCount)))
    }
    let client = clientFingerprint.flatMap {
        Fingerprint(bytes: Array(UnsafeBufferPointer(start: $0, count: Fingerprint.byteCount)))
    }
    let text = String(decoding: UnsafeRawBufferPointer(start: detail, count: detail == nil ? 0 : min(length, 1024)),
                      as: UTF8.self)
    return withSession(handle) { s throws(Supervisor.CallError) in
        try s.supervisor.tlsHandshakeEnded(now: now, outcome: outcome, server: server, client: client, detail: text)
    }
}

@_cdecl("bc_session_feed")
public func bc_session_feed(
    _ handle: OpaquePointer?, _ data: UnsafePointer<UInt8>?, _ length: Int, _ now: UInt64
) -> Int32 {
    guard length >= 0, data != nil || length == 0 else { return BC_EINVAL.code }
    let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : length)
    return withSession(handle) { s throws(Supervisor.CallError) in try s.supervisor.received(bytes, now: now) }
}

@_cdecl("bc_session_tick")
public func bc_session_tick(_ handle: OpaquePointer?, _ now: UInt64) -> Int32 {
    withSession(handle) { s in s.supervisor.tick(now: now) }
}

@_cdecl("bc_session_disconnected")
public func bc_session_disconnected(
    _ handle: OpaquePointer?, _ now: UInt64, _ message: UnsafePointer<CChar>?, _ length: Int
) -> Int32 {
    guard length >= 0, message != nil || length == 0 else { return BC_EINVAL.code }
    let text = message.map {
        String(decoding: UnsafeRawBufferPointer(start: $0, count: min(length, 1024)), as: UTF8.self)
    }
    return withSession(handle) { s throws(Supervisor.CallError) in
        try s.supervisor.disconnected(now: now, message: text)
    }
}

@_cdecl("bc_session_key_space")
public func bc_session_key_space(_ handle: OpaquePointer?, _ now: UInt64, _ space: Int32) -> Int32 {
    withSession(handle) { s in s.supervisor.keySpace(Int(space), now: now) }
}

@_cdecl("bc_session_shutdown")
public func bc_session_shutdown(_ handle: OpaquePointer?, _ now: UInt64) -> Int32 {
    withSession(handle) { s in s.supervisor.shutdown(now: now) }
}

@_cdecl("bc_session_set_leds")
public func bc_session_set_leds(_ handle: OpaquePointer?, _ leds: UInt32) -> Int32 {
    withSession(handle) { s in s.supervisor.setGuestLeds(LockLeds(rawValue: leds)) }
}

@_cdecl("bc_session_set_absolute")
public func bc_session_set_absolute(_ handle: OpaquePointer?, _ absolute: Int32) -> Int32 {
    withSession(handle) { s in s.supervisor.setAbsolutePointer(absolute != 0) }
}

@_cdecl("bc_session_set_screen")
public func bc_session_set_screen(
    _ handle: OpaquePointer?, _ x: Int32, _ y: Int32, _ width: Int32, _ height: Int32,
    _ message: UnsafeMutablePointer<UnsafePointer<CChar>?>?
) -> Int32 {
    message?.pointee = nil
    let screen: ScreenGeometry
    do {
        screen = try ScreenGeometry(validating: Int64(x), Int64(y), Int64(width), Int64(height))
    } catch {
        message?.pointee = error.message.cString
        return SessionHandle.with(handle) { _ in BC_ECONFIG.code } ?? BC_EINVAL.code
    }
    return withSession(handle) { s in s.supervisor.setScreen(screen) }
}

@_cdecl("bc_session_set_running")
public func bc_session_set_running(_ handle: OpaquePointer?, _ running: Int32) -> Int32 {
    withSession(handle) { s in s.supervisor.setGuestRunning(running != 0) }
}

@_cdecl("bc_session_set_clipboard")
public func bc_session_set_clipboard(
    _ handle: OpaquePointer?, _ id: UInt32, _ text: UnsafePointer<UInt8>?, _ length: Int
) -> Int32 {
    guard length >= 0, text != nil || length == 0, id < 2 else { return BC_EINVAL.code }
    guard length <= ProtocolLimits.maxClipboard else { return BC_ENOMEM.code }
    let bytes = Array(UnsafeBufferPointer(start: text, count: text == nil ? 0 : length))
    return withSession(handle) { s in
        s.supervisor.guestClipboardChanged(id: UInt8(truncatingIfNeeded: id), text: bytes)
    }
}

@_cdecl("bc_session_next_action")
public func bc_session_next_action(_ handle: OpaquePointer?, _ out: UnsafeMutablePointer<bc_action>?) -> Int32 {
    guard let out else { return BC_EINVAL.code }
    return SessionHandle.with(handle) { $0.nextAction(into: out) } ?? BC_EINVAL.code
}

@_cdecl("bc_session_next_actions")
public func bc_session_next_actions(
    _ handle: OpaquePointer?, _ out: UnsafeMutablePointer<bc_action>?, _ capacity: Int
) -> Int32 {
    guard let out, capacity > 0 else { return BC_EINVAL.code }
    // (n is returned as an int: a larger capacity could never be reported)
    let capacity = min(capacity, Int(Int32.max))
    return SessionHandle.with(handle) { $0.nextActions(into: out, capacity: capacity) } ?? BC_EINVAL.code
}

@_cdecl("bc_session_state")
public func bc_session_state(_ handle: OpaquePointer?) -> Int32 {
    SessionHandle.with(handle) { Int32($0.supervisor.state.rawValue) } ?? BC_EINVAL.code
}

@_cdecl("bc_session_keycodes")
public func bc_session_keycodes(_ handle: OpaquePointer?) -> Int32 {
    SessionHandle.with(handle) { Int32($0.supervisor.keycodesInUse.rawValue) } ?? BC_EINVAL.code
}

/// Runs `body` on the session behind `handle`, mapping failures to codes.
private func withSession(
    _ handle: OpaquePointer?, _ body: (ExportedSession) throws(Supervisor.CallError) -> Void
) -> Int32 {
    SessionHandle.with(handle) { (session: ExportedSession) -> Int32 in
        do throws(Supervisor.CallError) {
            try body(session)
        } catch {
            return BC_ESTATE.code
        }
        return BC_OK.code
    } ?? BC_EINVAL.code
}

extension StaticString {
    var cString: UnsafePointer<CChar> {
        UnsafeRawPointer(utf8Start).assumingMemoryBound(to: CChar.self)
    }
}

extension CloseReason.Kind {
    var name: StaticString {
        switch self {
        case .transport: "transport"
        case .protocolError: "protocol"
        case .timeout: "timeout"
        case .unknownName: "unknown-name"
        case .busy: "busy"
        case .version: "version"
        case .bad: "bad"
        case .bye: "bye"
        case .shutdown: "shutdown"
        }
    }
}

extension Int {
    /// A BC_E* constant (an anonymous C enum, imported as Int) as returned.
    var code: Int32 { Int32(truncatingIfNeeded: self) }
}

@_cdecl("bc_fingerprint_parse")
public func bc_fingerprint_parse(
    _ text: UnsafePointer<CChar>?, _ length: Int, _ out: UnsafeMutablePointer<UInt8>?
) -> Int32 {
    guard let out, length >= 0, text != nil || length == 0, length <= 4096 else { return BC_EINVAL.code }
    let bytes = UnsafeRawBufferPointer(start: text, count: text == nil ? 0 : length)
    do {
        let fingerprint = try Fingerprint(parsing: bytes)
        for (i, b) in fingerprint.bytes.enumerated() { out[i] = b }
        return BC_OK.code
    } catch {
        return BC_EINVAL.code
    }
}

@_cdecl("bc_fingerprint_format")
public func bc_fingerprint_format(
    _ input: UnsafePointer<UInt8>?, _ out: UnsafeMutablePointer<CChar>?
) -> Int32 {
    guard let input, let out,
          let fingerprint = Fingerprint(bytes: Array(UnsafeBufferPointer(start: input, count: Fingerprint.byteCount)))
    else { return BC_EINVAL.code }
    let text = fingerprint.text
    for (i, c) in text.enumerated() { out[i] = CChar(bitPattern: c) }
    out[text.count] = 0
    return Int32(text.count)
}
