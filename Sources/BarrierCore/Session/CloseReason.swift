// SPDX-License-Identifier: GPL-2.0-or-later
/// Why a connection ended, with one line that tells the user what to do.
/// Kinds are the C ABI's bc_reason. (Not Equatable here: comparing Strings
/// would pull Unicode normalization tables into the Embedded library; the
/// tests add the conformance.)
public struct CloseReason: Sendable {
    public enum Kind: UInt8, Equatable, Sendable {
        case transport = 1
        case protocolError = 2
        case timeout = 3
        case unknownName = 4
        case busy = 5
        case version = 6
        case bad = 7
        case bye = 8
        case shutdown = 9
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
