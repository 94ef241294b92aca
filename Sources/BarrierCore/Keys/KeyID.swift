// SPDX-License-Identifier: GPL-2.0-or-later

/// Barrier KeyIDs (protocol §3.1) that the key code has to recognise by value.
/// 0xE100...0xEFFF are X keysyms minus 0x1000; 0x0020...0x007E are ASCII.
enum KeyID {
    static let none: UInt16 = 0x0000
    static let returnKey: UInt16 = 0xEF0D
    static let pause: UInt16 = 0xEF13
    static let insert: UInt16 = 0xEF63
    static let shiftL: UInt16 = 0xEFE1
    static let delete: UInt16 = 0xEFFF
}
