// SPDX-License-Identifier: GPL-2.0-or-later

/// The server's modifier remapping for this screen: `ctrl = super` style
/// lines in its screen section arrive as DSOP options MMFS, MMFC, MMFA, MMFG,
/// MMFM, MMFR (protocol §2.3), and Barrier's, Input Leap's and Deskflow's
/// clients apply them to the modifier keys they press (client/ServerProxy.cpp
/// translateKey). So does this one: a remapped modifier key presses the
/// target modifier's key on the same side, and a modifier mapped to none
/// presses nothing.
///
/// The mask of a key message is left as the server sent it: it only helps
/// read the symbol the server's own layout made (KeyLevels), which the
/// server's real modifiers decided.
struct ModifierMap: Equatable, Sendable {
    /// Barrier's modifier IDs (barrier/key_types.h kKeyModifierID*): the
    /// values of the options.
    enum Modifier: Int32, CaseIterable, Sendable {
        case none = 0
        case shift = 1
        case control = 2
        case alt = 3
        case meta = 4
        case superKey = 5
        case altGr = 6

        /// The option that remaps this modifier.
        var option: OptionID? {
            switch self {
            case .none: nil
            case .shift: .modifierForShift
            case .control: .modifierForControl
            case .alt: .modifierForAlt
            case .meta: .modifierForMeta
            case .superKey: .modifierForSuper
            case .altGr: .modifierForAltGr
            }
        }

        /// The guest key of this modifier on the left or right side.
        func key(right: Bool) -> UInt16? {
            switch self {
            case .none: nil
            case .shift: right ? EvdevKey.KEY_RIGHTSHIFT : EvdevKey.KEY_LEFTSHIFT
            case .control: right ? EvdevKey.KEY_RIGHTCTRL : EvdevKey.KEY_LEFTCTRL
            case .alt: right ? EvdevKey.KEY_RIGHTALT : EvdevKey.KEY_LEFTALT
            case .meta, .superKey: right ? EvdevKey.KEY_RIGHTMETA : EvdevKey.KEY_LEFTMETA
            case .altGr: EvdevKey.KEY_RIGHTALT
            }
        }
    }

    /// Where each modifier goes, indexed by its raw value.
    private var targets: [Modifier] = Modifier.allCases

    var isIdentity: Bool { targets == Modifier.allCases }

    /// Back to no remapping (CROP; a DSOP starts from it too, since the
    /// server sends all of the screen's options in each).
    mutating func reset() {
        targets = Modifier.allCases
    }

    /// Applies one DSOP option; false when it is not a modifier option. A
    /// value that names no modifier leaves the mapping as it is, where
    /// Barrier's client would read past its table.
    mutating func apply(_ option: OptionID, value: Int32) -> Bool {
        guard let source = Modifier.allCases.first(where: { $0.option == option }) else { return false }
        guard let target = Modifier(rawValue: value) else { return true }
        let index = Int(source.rawValue)
        if targets.indices.contains(index) { targets[index] = target }
        return true
    }

    /// The guest key a press of `id` gives instead of `code` (its physical
    /// key): `code` for every key that is not a remapped modifier, nil for a
    /// modifier mapped to none.
    func key(for id: UInt16, physical code: UInt16) -> UInt16? {
        guard !isIdentity, let (modifier, right) = Self.modifier(of: id) else { return code }
        let index = Int(modifier.rawValue)
        guard targets.indices.contains(index) else { return code }
        let target = targets[index]
        return target == modifier ? code : target.key(right: right)
    }

    /// The modifier a KeyID names, and whether it is the right-hand one.
    private static func modifier(of id: UInt16) -> (Modifier, right: Bool)? {
        switch id {
        case 0xEFE1: (.shift, false)
        case 0xEFE2: (.shift, true)
        case 0xEFE3: (.control, false)
        case 0xEFE4: (.control, true)
        case 0xEFE9: (.alt, false)
        case 0xEFEA: (.alt, true)
        case 0xEFE7: (.meta, false)
        case 0xEFE8: (.meta, true)
        case 0xEFEB: (.superKey, false)
        case 0xEFEC: (.superKey, true)
        case 0xEF7E: (.altGr, true)     // Mode_switch: Barrier's AltGr, one key, on the right
        default: nil
        }
    }
}
