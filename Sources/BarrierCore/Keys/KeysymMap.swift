// SPDX-License-Identifier: GPL-2.0-or-later
/// The keysym fallback: a KeyID (the symbol the server's layout produced)
/// to the evdev code of the key that produces it on a US keyboard. Used when
/// the message has no usable physical button. The server sends modifier keys
/// itself, so a shifted character maps to its base key ('!' -> KEY_1,
/// 'Z' -> KEY_Z). Anything without an unambiguous key is nil (dropped).
enum KeysymMap {
    static func key(for id: UInt16) -> UInt16? {
        switch id {
        case 0x0020...0x007E:
            return KeyMapper.lookup(KeyTables.ascii, Int(id))
        case 0xE000...0xE0FF:
            return barrierExtendedKey(id)
        case 0xEE00...0xEFFF:
            // 0xE100...0xEFFF = X keysym - 0x1000 (protocol §3.1); no overflow here.
            return xKeysymKey(UInt32(id) &+ 0x1000)
        default:
            return nil
        }
    }

    /// Barrier's own 0xE0xx keys (barrier/key_types.h kKeyEject...kKeyLaunchpad).
    private static func barrierExtendedKey(_ id: UInt16) -> UInt16? {
        typealias K = EvdevKey
        switch id {
        case 0xE001: return K.KEY_EJECTCD           // Eject
        case 0xE05F: return K.KEY_SLEEP             // Sleep
        case 0xE0A6: return K.KEY_BACK              // WWWBack
        case 0xE0A7: return K.KEY_FORWARD           // WWWForward
        case 0xE0A8: return K.KEY_REFRESH           // WWWRefresh
        case 0xE0A9: return K.KEY_STOP              // WWWStop
        case 0xE0AA: return K.KEY_SEARCH            // WWWSearch
        case 0xE0AB: return K.KEY_BOOKMARKS         // WWWFavorites
        case 0xE0AC: return K.KEY_HOMEPAGE          // WWWHome
        case 0xE0AD: return K.KEY_MUTE              // AudioMute
        case 0xE0AE: return K.KEY_VOLUMEDOWN        // AudioDown
        case 0xE0AF: return K.KEY_VOLUMEUP          // AudioUp
        case 0xE0B0: return K.KEY_NEXTSONG          // AudioNext
        case 0xE0B1: return K.KEY_PREVIOUSSONG      // AudioPrev
        case 0xE0B2: return K.KEY_STOPCD            // AudioStop
        case 0xE0B3: return K.KEY_PLAYPAUSE         // AudioPlay
        case 0xE0B4: return K.KEY_MAIL              // AppMail
        case 0xE0B5: return K.KEY_MEDIA             // AppMedia
        case 0xE0B6: return K.KEY_COMPUTER          // AppUser1 (VK_LAUNCH_APP1, XF86MyComputer)
        case 0xE0B7: return K.KEY_CALC              // AppUser2 (VK_LAUNCH_APP2, XF86Calculator)
        case 0xE0B8: return K.KEY_BRIGHTNESSDOWN    // BrightnessDown
        case 0xE0B9: return K.KEY_BRIGHTNESSUP      // BrightnessUp
        case 0xE0BA: return K.KEY_KBDILLUMDOWN      // KbdBrightnessDown
        case 0xE0BB: return K.KEY_KBDILLUMUP        // KbdBrightnessUp
        case 0xE0C0: return K.KEY_SCALE             // MissionControl (Linux hid-apple: KEY_SCALE)
        case 0xE0C1: return K.KEY_DASHBOARD         // Launchpad (Linux hid-apple: KEY_DASHBOARD)
        default: return nil
        }
    }

    /// X keysyms 0xFE00...0xFFFF (function, cursor, keypad, modifier keys).
    private static func xKeysymKey(_ keysym: UInt32) -> UInt16? {
        typealias K = EvdevKey
        switch keysym {
        case 0xFE03: return K.KEY_RIGHTALT          // ISO_Level3_Shift
        case 0xFE20: return K.KEY_TAB               // ISO_Left_Tab (Shift+Tab)
        case 0xFF08: return K.KEY_BACKSPACE
        case 0xFF09: return K.KEY_TAB
        case 0xFF0A: return K.KEY_LINEFEED
        case 0xFF0D: return K.KEY_ENTER             // Return
        case 0xFF13: return K.KEY_PAUSE
        case 0xFF14: return K.KEY_SCROLLLOCK
        case 0xFF15: return K.KEY_SYSRQ             // Sys_Req
        case 0xFF1B: return K.KEY_ESC
        case 0xFF22: return K.KEY_MUHENKAN
        case 0xFF23: return K.KEY_HENKAN
        case 0xFF25: return K.KEY_HIRAGANA
        case 0xFF26: return K.KEY_KATAKANA
        case 0xFF27: return K.KEY_KATAKANAHIRAGANA
        case 0xFF2A: return K.KEY_ZENKAKUHANKAKU
        case 0xFF50: return K.KEY_HOME
        case 0xFF51: return K.KEY_LEFT
        case 0xFF52: return K.KEY_UP
        case 0xFF53: return K.KEY_RIGHT
        case 0xFF54: return K.KEY_DOWN
        case 0xFF55: return K.KEY_PAGEUP            // Prior
        case 0xFF56: return K.KEY_PAGEDOWN          // Next
        case 0xFF57: return K.KEY_END
        case 0xFF60: return K.KEY_SELECT
        case 0xFF61: return K.KEY_SYSRQ             // Print (Linux's Print Screen key)
        case 0xFF63: return K.KEY_INSERT
        case 0xFF65: return K.KEY_UNDO
        case 0xFF66: return K.KEY_REDO
        case 0xFF67: return K.KEY_COMPOSE           // Menu (the context-menu key)
        case 0xFF68: return K.KEY_FIND
        case 0xFF69: return K.KEY_CANCEL
        case 0xFF6A: return K.KEY_HELP
        case 0xFF7E: return K.KEY_RIGHTALT          // Mode_switch = Barrier's AltGr
        case 0xFF7F: return K.KEY_NUMLOCK
        case 0xFF8D: return K.KEY_KPENTER
        case 0xFF95: return K.KEY_KP7               // KP_Home
        case 0xFF96: return K.KEY_KP4               // KP_Left
        case 0xFF97: return K.KEY_KP8               // KP_Up
        case 0xFF98: return K.KEY_KP6               // KP_Right
        case 0xFF99: return K.KEY_KP2               // KP_Down
        case 0xFF9A: return K.KEY_KP9               // KP_Prior
        case 0xFF9B: return K.KEY_KP3               // KP_Next
        case 0xFF9C: return K.KEY_KP1               // KP_End
        case 0xFF9D: return K.KEY_KP5               // KP_Begin
        case 0xFF9E: return K.KEY_KP0               // KP_Insert
        case 0xFF9F: return K.KEY_KPDOT             // KP_Delete
        case 0xFFAA: return K.KEY_KPASTERISK        // KP_Multiply
        case 0xFFAB: return K.KEY_KPPLUS            // KP_Add
        case 0xFFAC: return K.KEY_KPCOMMA           // KP_Separator
        case 0xFFAD: return K.KEY_KPMINUS           // KP_Subtract
        case 0xFFAE: return K.KEY_KPDOT             // KP_Decimal
        case 0xFFAF: return K.KEY_KPSLASH           // KP_Divide
        case 0xFFB0: return K.KEY_KP0
        case 0xFFB1: return K.KEY_KP1
        case 0xFFB2: return K.KEY_KP2
        case 0xFFB3: return K.KEY_KP3
        case 0xFFB4: return K.KEY_KP4
        case 0xFFB5: return K.KEY_KP5
        case 0xFFB6: return K.KEY_KP6
        case 0xFFB7: return K.KEY_KP7
        case 0xFFB8: return K.KEY_KP8
        case 0xFFB9: return K.KEY_KP9
        case 0xFFBD: return K.KEY_KPEQUAL
        case 0xFFBE...0xFFC7:                        // F1...F10 are contiguous in evdev
            return K.KEY_F1 &+ UInt16(truncatingIfNeeded: keysym &- 0xFFBE)
        case 0xFFC8: return K.KEY_F11
        case 0xFFC9: return K.KEY_F12
        case 0xFFCA...0xFFD5:                        // F13...F24 are contiguous in evdev
            return K.KEY_F13 &+ UInt16(truncatingIfNeeded: keysym &- 0xFFCA)
        case 0xFFE1: return K.KEY_LEFTSHIFT
        case 0xFFE2: return K.KEY_RIGHTSHIFT
        case 0xFFE3: return K.KEY_LEFTCTRL
        case 0xFFE4: return K.KEY_RIGHTCTRL
        case 0xFFE5: return K.KEY_CAPSLOCK
        case 0xFFE7: return K.KEY_LEFTMETA          // Meta_L
        case 0xFFE8: return K.KEY_RIGHTMETA         // Meta_R
        case 0xFFE9: return K.KEY_LEFTALT
        case 0xFFEA: return K.KEY_RIGHTALT
        case 0xFFEB: return K.KEY_LEFTMETA          // Super_L
        case 0xFFEC: return K.KEY_RIGHTMETA         // Super_R
        case 0xFFFF: return K.KEY_DELETE
        default: return nil
        }
    }
}
