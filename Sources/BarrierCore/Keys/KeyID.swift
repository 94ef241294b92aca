/// Barrier KeyIDs (protocol §3.1) that the key code has to recognise by value.
/// 0xE100...0xEFFF are X keysyms minus 0x1000; 0x0020...0x007E are ASCII.
enum KeyID {
    static let none: UInt16 = 0x0000
    static let space: UInt16 = 0x0020
    static let backSpace: UInt16 = 0xEF08
    static let tab: UInt16 = 0xEF09
    static let returnKey: UInt16 = 0xEF0D
    static let pause: UInt16 = 0xEF13
    static let escape: UInt16 = 0xEF1B
    static let home: UInt16 = 0xEF50
    static let left: UInt16 = 0xEF51
    static let up: UInt16 = 0xEF52
    static let right: UInt16 = 0xEF53
    static let down: UInt16 = 0xEF54
    static let pageUp: UInt16 = 0xEF55
    static let pageDown: UInt16 = 0xEF56
    static let end: UInt16 = 0xEF57
    static let insert: UInt16 = 0xEF63
    static let kpEnter: UInt16 = 0xEF8D
    static let f1: UInt16 = 0xEFBE
    static let f12: UInt16 = 0xEFC9
    static let shiftL: UInt16 = 0xEFE1
    static let shiftR: UInt16 = 0xEFE2
    static let controlL: UInt16 = 0xEFE3
    static let controlR: UInt16 = 0xEFE4
    static let delete: UInt16 = 0xEFFF

    /// Keys that sit at the same physical place on every layout, so that a
    /// (KeyID, button) pair of one of them identifies the server's keycode set
    /// (protocol §4 table, extended with the other navigation and F keys).
    static func isLayoutIndependent(_ id: UInt16) -> Bool {
        switch id {
        case space, backSpace, tab, returnKey, escape, insert, delete, kpEnter,
             shiftL, shiftR, controlL, controlR:
            return true
        case home...end, f1...f12:
            return true
        default:
            return false
        }
    }
}
