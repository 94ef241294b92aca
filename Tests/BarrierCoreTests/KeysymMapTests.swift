// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

private typealias E = EvdevKey

/// KeyID -> key when there is no usable button (protocol 1.0, button 0,
/// unknown code, mode off, auto detection not yet sure).
@Suite struct KeysymMapTests {
    @Test(arguments: [
        (0xEF08, E.KEY_BACKSPACE), (0xEF09, E.KEY_TAB), (0xEF0D, E.KEY_ENTER),
        (0xEF1B, E.KEY_ESC), (0xEFFF, E.KEY_DELETE), (0xEF63, E.KEY_INSERT),
        (0xEF50, E.KEY_HOME), (0xEF51, E.KEY_LEFT), (0xEF52, E.KEY_UP), (0xEF53, E.KEY_RIGHT),
        (0xEF54, E.KEY_DOWN), (0xEF55, E.KEY_PAGEUP), (0xEF56, E.KEY_PAGEDOWN), (0xEF57, E.KEY_END),
        (0xEF8D, E.KEY_KPENTER), (0xEFAB, E.KEY_KPPLUS), (0xEFAD, E.KEY_KPMINUS),
        (0xEFAA, E.KEY_KPASTERISK), (0xEFAF, E.KEY_KPSLASH), (0xEFAE, E.KEY_KPDOT),
        (0xEFB0, E.KEY_KP0), (0xEFB5, E.KEY_KP5), (0xEFB9, E.KEY_KP9),
        (0xEF9C, E.KEY_KP1), (0xEF9F, E.KEY_KPDOT), (0xEF95, E.KEY_KP7),
        (0xEFBE, E.KEY_F1), (0xEFC7, E.KEY_F10), (0xEFC8, E.KEY_F11), (0xEFC9, E.KEY_F12),
        (0xEFCA, E.KEY_F13), (0xEFD5, E.KEY_F24),
        (0xEFE1, E.KEY_LEFTSHIFT), (0xEFE2, E.KEY_RIGHTSHIFT), (0xEFE3, E.KEY_LEFTCTRL),
        (0xEFE4, E.KEY_RIGHTCTRL), (0xEFE9, E.KEY_LEFTALT), (0xEFEA, E.KEY_RIGHTALT),
        (0xEFEB, E.KEY_LEFTMETA), (0xEFEC, E.KEY_RIGHTMETA), (0xEFE7, E.KEY_LEFTMETA),
        (0xEFE5, E.KEY_CAPSLOCK), (0xEF7F, E.KEY_NUMLOCK), (0xEF14, E.KEY_SCROLLLOCK),
        (0xEF67, E.KEY_COMPOSE), (0xEF61, E.KEY_SYSRQ), (0xEF13, E.KEY_PAUSE),
        (0xEF7E, E.KEY_RIGHTALT), (0xEE20, E.KEY_TAB),
        (0xE0AD, E.KEY_MUTE), (0xE0AE, E.KEY_VOLUMEDOWN), (0xE0AF, E.KEY_VOLUMEUP),
        (0xE0B0, E.KEY_NEXTSONG), (0xE0B1, E.KEY_PREVIOUSSONG), (0xE0B2, E.KEY_STOPCD),
        (0xE0B3, E.KEY_PLAYPAUSE), (0xE05F, E.KEY_SLEEP), (0xE001, E.KEY_EJECTCD),
        (0xE0A6, E.KEY_BACK), (0xE0A7, E.KEY_FORWARD), (0xE0A8, E.KEY_REFRESH),
        (0xE0A9, E.KEY_STOP), (0xE0AA, E.KEY_SEARCH), (0xE0AB, E.KEY_BOOKMARKS),
        (0xE0AC, E.KEY_HOMEPAGE),
    ] as [(UInt16, UInt16)])
    func specialKeys(id: UInt16, key: UInt16) {
        #expect(KeysymMap.key(for: id) == key)
    }

    @Test func charactersAreTheirUSKeyShiftedOrNot() {
        let expected: [(Character, UInt16)] = [
            ("a", E.KEY_A), ("A", E.KEY_A), ("z", E.KEY_Z), ("Z", E.KEY_Z), ("q", E.KEY_Q),
            ("m", E.KEY_M), ("1", E.KEY_1), ("!", E.KEY_1), ("0", E.KEY_0), (")", E.KEY_0),
            ("@", E.KEY_2), ("#", E.KEY_3), ("$", E.KEY_4), ("%", E.KEY_5), ("^", E.KEY_6),
            ("&", E.KEY_7), ("*", E.KEY_8), ("(", E.KEY_9), (" ", E.KEY_SPACE),
            ("-", E.KEY_MINUS), ("_", E.KEY_MINUS), ("=", E.KEY_EQUAL), ("+", E.KEY_EQUAL),
            ("[", E.KEY_LEFTBRACE), ("{", E.KEY_LEFTBRACE), ("]", E.KEY_RIGHTBRACE),
            ("}", E.KEY_RIGHTBRACE), ("\\", E.KEY_BACKSLASH), ("|", E.KEY_BACKSLASH),
            (";", E.KEY_SEMICOLON), (":", E.KEY_SEMICOLON), ("'", E.KEY_APOSTROPHE),
            ("\"", E.KEY_APOSTROPHE), ("`", E.KEY_GRAVE), ("~", E.KEY_GRAVE),
            (",", E.KEY_COMMA), ("<", E.KEY_COMMA), (".", E.KEY_DOT), (">", E.KEY_DOT),
            ("/", E.KEY_SLASH), ("?", E.KEY_SLASH),
        ]
        for (character, key) in expected {
            let id = UInt16(character.asciiValue ?? 0)
            #expect(KeysymMap.key(for: id) == key, "\(character)")
        }
    }

    @Test func everyPrintableASCIICharacterHasAKey() {
        for id in UInt16(0x20)...0x7E {
            #expect(KeysymMap.key(for: id) != nil, "\(id)")
        }
    }

    @Test(arguments: [
        0x0000, 0x001B, 0x007F, 0x00E9, 0x0301, 0x0430, 0x20AC, 0xE000, 0xE0FF,
        0xEE06, 0xEE07, 0xEF00, 0xEFED, 0xFE11, 0xFFFF,
    ] as [UInt16])
    func symbolsWithoutAnUnambiguousKeyAreDropped(id: UInt16) {
        #expect(KeysymMap.key(for: id) == nil)
    }
}
