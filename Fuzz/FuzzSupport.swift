// SPDX-License-Identifier: GPL-2.0-or-later
// Shared by both fuzz targets (compiled into each, with the core sources).

/// A frame as a server sends it: u32 big-endian length, then the payload.
func frame(_ payload: [UInt8]) -> [UInt8] {
    let n = UInt32(payload.count)
    return [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + payload
}

/// What a server sends up to a finished handshake: hello through DSOP.
let serverHandshake: [UInt8] =
    frame(Array("Barrier".utf8) + [0, 1, 0, 6]) + frame(Array("QINF".utf8)) + frame(Array("CIAK".utf8))
    + frame(Array("CROP".utf8)) + frame(Array("DSOP".utf8) + [0, 0, 0, 0])

/// An invariant of the fuzzed code: a violation is a crash libFuzzer keeps.
func check(_ condition: Bool, _ what: @autoclosure () -> String) {
    if !condition { fatalError("invariant: \(what())") }
}
