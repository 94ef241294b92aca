// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

/// One physical key and the button a Windows / macOS server sends for it
/// (keymaps.csv: "AT set1 keycode" with E0 -> +0x100; "OS-X Keycode" + 1).
struct PhysicalKey: Sendable, CustomTestStringConvertible {
    let evdev: UInt16
    let windows: UInt16?
    let macos: UInt16?
    init(_ evdev: UInt16, windows: UInt16?, macos: UInt16?) {
        self.evdev = evdev; self.windows = windows; self.macos = macos
    }
    var testDescription: String { "evdev \(evdev)" }
}

private typealias E = EvdevKey

/// Letters, digits, arrows, navigation, F1-F12, keypad, both sides of every
/// modifier, AltGr (right Alt), Menu (compose) and the common editing keys.
private let physicalKeys: [PhysicalKey] = [
        .init(E.KEY_A, windows: 0x01E, macos: 0x01),
        .init(E.KEY_B, windows: 0x030, macos: 0x0C),
        .init(E.KEY_C, windows: 0x02E, macos: 0x09),
        .init(E.KEY_D, windows: 0x020, macos: 0x03),
        .init(E.KEY_E, windows: 0x012, macos: 0x0F),
        .init(E.KEY_F, windows: 0x021, macos: 0x04),
        .init(E.KEY_G, windows: 0x022, macos: 0x06),
        .init(E.KEY_H, windows: 0x023, macos: 0x05),
        .init(E.KEY_I, windows: 0x017, macos: 0x23),
        .init(E.KEY_J, windows: 0x024, macos: 0x27),
        .init(E.KEY_K, windows: 0x025, macos: 0x29),
        .init(E.KEY_L, windows: 0x026, macos: 0x26),
        .init(E.KEY_M, windows: 0x032, macos: 0x2F),
        .init(E.KEY_N, windows: 0x031, macos: 0x2E),
        .init(E.KEY_O, windows: 0x018, macos: 0x20),
        .init(E.KEY_P, windows: 0x019, macos: 0x24),
        .init(E.KEY_Q, windows: 0x010, macos: 0x0D),
        .init(E.KEY_R, windows: 0x013, macos: 0x10),
        .init(E.KEY_S, windows: 0x01F, macos: 0x02),
        .init(E.KEY_T, windows: 0x014, macos: 0x12),
        .init(E.KEY_U, windows: 0x016, macos: 0x21),
        .init(E.KEY_V, windows: 0x02F, macos: 0x0A),
        .init(E.KEY_W, windows: 0x011, macos: 0x0E),
        .init(E.KEY_X, windows: 0x02D, macos: 0x08),
        .init(E.KEY_Y, windows: 0x015, macos: 0x11),
        .init(E.KEY_Z, windows: 0x02C, macos: 0x07),
        .init(E.KEY_1, windows: 0x002, macos: 0x13),
        .init(E.KEY_2, windows: 0x003, macos: 0x14),
        .init(E.KEY_3, windows: 0x004, macos: 0x15),
        .init(E.KEY_4, windows: 0x005, macos: 0x16),
        .init(E.KEY_5, windows: 0x006, macos: 0x18),
        .init(E.KEY_6, windows: 0x007, macos: 0x17),
        .init(E.KEY_7, windows: 0x008, macos: 0x1B),
        .init(E.KEY_8, windows: 0x009, macos: 0x1D),
        .init(E.KEY_9, windows: 0x00A, macos: 0x1A),
        .init(E.KEY_0, windows: 0x00B, macos: 0x1E),
        .init(E.KEY_LEFT, windows: 0x14B, macos: 0x7C),
        .init(E.KEY_RIGHT, windows: 0x14D, macos: 0x7D),
        .init(E.KEY_UP, windows: 0x148, macos: 0x7F),
        .init(E.KEY_DOWN, windows: 0x150, macos: 0x7E),
        .init(E.KEY_HOME, windows: 0x147, macos: 0x74),
        .init(E.KEY_END, windows: 0x14F, macos: 0x78),
        .init(E.KEY_PAGEUP, windows: 0x149, macos: 0x75),
        .init(E.KEY_PAGEDOWN, windows: 0x151, macos: 0x7A),
        .init(E.KEY_INSERT, windows: 0x152, macos: 0x73),   // kVK_Help, see below
        .init(E.KEY_DELETE, windows: 0x153, macos: 0x76),
        .init(E.KEY_F1, windows: 0x03B, macos: 0x7B),
        .init(E.KEY_F2, windows: 0x03C, macos: 0x79),
        .init(E.KEY_F3, windows: 0x03D, macos: 0x64),
        .init(E.KEY_F4, windows: 0x03E, macos: 0x77),
        .init(E.KEY_F5, windows: 0x03F, macos: 0x61),
        .init(E.KEY_F6, windows: 0x040, macos: 0x62),
        .init(E.KEY_F7, windows: 0x041, macos: 0x63),
        .init(E.KEY_F8, windows: 0x042, macos: 0x65),
        .init(E.KEY_F9, windows: 0x043, macos: 0x66),
        .init(E.KEY_F10, windows: 0x044, macos: 0x6E),
        .init(E.KEY_F11, windows: 0x057, macos: 0x68),
        .init(E.KEY_F12, windows: 0x058, macos: 0x70),
        .init(E.KEY_KP0, windows: 0x052, macos: 0x53),
        .init(E.KEY_KP1, windows: 0x04F, macos: 0x54),
        .init(E.KEY_KP2, windows: 0x050, macos: 0x55),
        .init(E.KEY_KP3, windows: 0x051, macos: 0x56),
        .init(E.KEY_KP4, windows: 0x04B, macos: 0x57),
        .init(E.KEY_KP5, windows: 0x04C, macos: 0x58),
        .init(E.KEY_KP6, windows: 0x04D, macos: 0x59),
        .init(E.KEY_KP7, windows: 0x047, macos: 0x5A),
        .init(E.KEY_KP8, windows: 0x048, macos: 0x5C),
        .init(E.KEY_KP9, windows: 0x049, macos: 0x5D),
        .init(E.KEY_KPDOT, windows: 0x053, macos: 0x42),
        .init(E.KEY_KPENTER, windows: 0x11C, macos: 0x4D),
        .init(E.KEY_KPPLUS, windows: 0x04E, macos: 0x46),
        .init(E.KEY_KPMINUS, windows: 0x04A, macos: 0x4F),
        .init(E.KEY_KPASTERISK, windows: 0x037, macos: 0x44),
        .init(E.KEY_KPSLASH, windows: 0x135, macos: 0x4C),
        .init(E.KEY_LEFTSHIFT, windows: 0x02A, macos: 0x39),
        .init(E.KEY_RIGHTSHIFT, windows: 0x036, macos: 0x3D),
        .init(E.KEY_LEFTCTRL, windows: 0x01D, macos: 0x3C),
        .init(E.KEY_RIGHTCTRL, windows: 0x11D, macos: 0x3F),
        .init(E.KEY_LEFTALT, windows: 0x038, macos: 0x3B),
        .init(E.KEY_RIGHTALT, windows: 0x138, macos: 0x3E),
        .init(E.KEY_LEFTMETA, windows: 0x15B, macos: 0x38),
        .init(E.KEY_RIGHTMETA, windows: 0x15C, macos: 0x37),
        .init(E.KEY_COMPOSE, windows: 0x15D, macos: 0x6F),
        .init(E.KEY_ESC, windows: 0x001, macos: 0x36),
        .init(E.KEY_TAB, windows: 0x00F, macos: 0x31),
        .init(E.KEY_ENTER, windows: 0x01C, macos: 0x25),
        .init(E.KEY_BACKSPACE, windows: 0x00E, macos: 0x34),
        .init(E.KEY_SPACE, windows: 0x039, macos: 0x32),
        .init(E.KEY_CAPSLOCK, windows: 0x03A, macos: 0x3A),
]

@Suite struct KeyTableTests {
    @Test(arguments: physicalKeys)
    func windowsServerButtonIsTheKeyPressed(_ key: PhysicalKey) throws {
        let button = try #require(key.windows)
        #expect(KeyMapper.key(id: 0, serverKey: button, platform: .windows) == key.evdev)
    }

    @Test(arguments: physicalKeys.filter { $0.macos != nil })
    func macosServerButtonIsTheKeyPressed(_ key: PhysicalKey) throws {
        let button = try #require(key.macos)
        #expect(KeyMapper.key(id: 0, serverKey: button, platform: .macos) == key.evdev)
    }

    @Test(arguments: physicalKeys)
    func x11ServerButtonIsEvdevPlusEight(_ key: PhysicalKey) {
        #expect(KeyMapper.key(id: 0, serverKey: key.evdev + 8, platform: .x11) == key.evdev)
    }

    @Test func windowsNumLockCarriesTheExtendedFlagAndPauseDoesNot() {
        #expect(KeyMapper.key(id: KeyID.pause, serverKey: 0x045, platform: .windows) == E.KEY_PAUSE)
        #expect(KeyMapper.key(id: 0xEF7F, serverKey: 0x145, platform: .windows) == E.KEY_NUMLOCK)
        #expect(KeyMapper.key(id: 0xEF7F, serverKey: 0x045, platform: .windows) == E.KEY_NUMLOCK)
    }

    @Test func macosHelpIsInsertAsTheServerCallsIt() {
        // Mac keyboards have Help (kVK_Help 0x72) where PC keyboards have Insert.
        #expect(KeyMapper.key(id: KeyID.insert, serverKey: 0x73, platform: .macos) == E.KEY_INSERT)
        #expect(KeyMapper.key(id: 0, serverKey: 0x73, platform: .macos) == E.KEY_INSERT)
    }

    @Test func windowsPrintScreenIsTheExtendedSysRqCode() {
        #expect(KeyMapper.key(id: 0xEF61, serverKey: 0x137, platform: .windows) == E.KEY_SYSRQ)
    }

    @Test func ctrlAltPauseBecomesCtrlAltDelete() {
        // An X11 server sends KeyID Delete with the Pause key's button.
        #expect(KeyMapper.key(id: KeyID.delete, serverKey: E.KEY_PAUSE + 8, platform: .x11)
                == E.KEY_DELETE)
        #expect(KeyMapper.key(id: KeyID.pause, serverKey: E.KEY_PAUSE + 8, platform: .x11)
                == E.KEY_PAUSE)
    }

    @Test func codesOutsideEveryTableAreNotKeys() {
        #expect(KeyMapper.physicalKey(serverKey: 0, id: 0, on: .x11) == nil)
        #expect(KeyMapper.physicalKey(serverKey: 7, id: 0, on: .x11) == nil)
        #expect(KeyMapper.physicalKey(serverKey: 256, id: 0, on: .x11) == nil)
        #expect(KeyMapper.physicalKey(serverKey: 0, id: 0, on: .macos) == nil)
        #expect(KeyMapper.physicalKey(serverKey: 0x81, id: 0, on: .macos) == nil)
        #expect(KeyMapper.physicalKey(serverKey: 0x200, id: 0, on: .windows) == nil)
        #expect(KeyMapper.physicalKey(serverKey: 0x09E, id: 0, on: .windows) == nil)
        #expect(KeyMapper.physicalKey(serverKey: 0xFFFF, id: 0, on: .windows) == nil)
    }

    @Test func generatedTablesHaveTheirFixedSizes() {
        #expect(KeyTables.x11.count == 256)
        #expect(KeyTables.windowsQnum.count == 256)
        #expect(KeyTables.macos.count == 128)
        #expect(KeyTables.ascii.count == 128)
    }
}
