// SPDX-License-Identifier: GPL-2.0-or-later
/// The server's first frame: a 7-byte protocol name with no length prefix,
/// then u16 major, u16 minor.
public struct Hello: Equatable, Sendable {
    public enum Name: Equatable, Sendable {
        case barrier
        case synergy

        /// The 7 bytes on the wire; the client answers with the same ones.
        var bytes: StaticString {
            switch self {
            case .barrier: "Barrier"
            case .synergy: "Synergy"
            }
        }
    }

    public var name: Name
    public var major: UInt16
    public var minor: UInt16

    /// The version this client speaks: the only one Barrier 2.4, Input Leap
    /// and Deskflow all accept (protocol reference §1.4).
    public static let clientMajor: UInt16 = 1
    public static let clientMinor: UInt16 = 6

    public enum DecodeError: Error, Equatable, Sendable {
        /// Not a hello at all (not "Barrier"/"Synergy", or the wrong size).
        case notAHello
        /// A hello of a version we cannot speak.
        case unsupportedVersion(major: UInt16, minor: UInt16)
    }

    public init(name: Name, major: UInt16, minor: UInt16) {
        self.name = name
        self.major = major
        self.minor = minor
    }

    /// Decodes the hello frame; trailing bytes are tolerated like everywhere.
    public static func decode(_ payload: UnsafeRawBufferPointer) throws(DecodeError) -> Hello {
        var r = WireReader(payload)
        guard let tag = r.bytes(7), let major = r.u16(), let minor = r.u16() else {
            throw .notAHello
        }
        let name: Name
        if tag.elementsEqual(Name.barrier.bytes.utf8) {
            name = .barrier
        } else if tag.elementsEqual(Name.synergy.bytes.utf8) {
            name = .synergy
        } else {
            throw .notAHello
        }
        // Major 1 and minor >= 6: older servers use message forms we do not
        // speak (pre-1.6 clipboard), newer ones (Deskflow 1.8) downgrade to us.
        guard major == clientMajor, minor >= clientMinor else {
            throw .unsupportedVersion(major: major, minor: minor)
        }
        return Hello(name: name, major: major, minor: minor)
    }
}

extension StaticString {
    var utf8: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: utf8Start, count: utf8CodeUnitCount)
    }
}
