// SPDX-License-Identifier: GPL-2.0-or-later
/// Decides which guest key a server key message means: the server's physical
/// key first (its `serverKey`, read with the generated table of its platform),
/// the KeyID through the keysym fallback otherwise. Total over every input.
enum KeyMapper {
    /// The guest key for a DKDN/DKRP, or nil to inject nothing.
    /// `platform` is nil when the keycode set is unknown (mode off, or auto
    /// detection not yet sure): then only the KeyID is used.
    static func key(id: UInt16, serverKey: UInt16, platform: ServerPlatform?) -> UInt16? {
        guard let platform, let physical = physicalKey(serverKey: serverKey, id: id, on: platform) else {
            return KeysymMap.key(for: id)
        }
        // Ctrl+Alt+Pause is the server's Ctrl+Alt+Del emulation: it sends KeyID
        // Delete with the Pause key's key code (X11; protocol §2.6). Give the
        // guest the Ctrl+Alt+Del the user asked for.
        if physical == EvdevKey.KEY_PAUSE && id == KeyID.delete {
            return EvdevKey.KEY_DELETE
        }
        return physical
    }

    /// The evdev code of the physical key `serverKey` of a server on `platform`,
    /// or nil if that platform has no such key code.
    static func physicalKey(serverKey: UInt16, id: UInt16, on platform: ServerPlatform) -> UInt16? {
        switch platform {
        case .x11:
            return lookup(KeyTables.x11, Int(serverKey))
        case .windows:
            return windowsKey(serverKey: serverKey, id: id)
        case .macos:
            // kVK code + 1; key code 0 is "no key" (media keys arrive that way).
            guard serverKey != 0 else { return nil }
            // Mac keyboards have Help where PC keyboards have Insert, and the
            // server's key table says so (kKeyInsert = kVK_Help, Barrier
            // platform/OSXKeyState.cpp): the guest gets Insert, not KEY_HELP.
            if serverKey == macosHelpKey { return EvdevKey.KEY_INSERT }
            return lookup(KeyTables.macos, Int(serverKey &- 1))
        }
    }

    /// kVK_Help (0x72) + 1.
    private static let macosHelpKey: UInt16 = 0x73

    /// A Windows key code is the set-1 make code plus 0x100 for the E0 prefix
    /// (lParam bits 16-24, so never above 0x1FF; make codes stay below 0x80).
    private static func windowsKey(serverKey: UInt16, id: UInt16) -> UInt16? {
        guard serverKey <= 0x1FF, serverKey & 0x80 == 0 else { return nil }
        // Windows reports NumLock with the extended flag (0x145) and Pause
        // without it (0x045, the same make code as NumLock on the wire).
        // Unverified on real hardware (protocol §4); the KeyID breaks the tie.
        if serverKey == 0x145 { return EvdevKey.KEY_NUMLOCK }
        if serverKey == 0x045 && id == KeyID.pause { return EvdevKey.KEY_PAUSE }
        let qnum = (serverKey & 0x7F) | (serverKey & 0x100 != 0 ? 0x80 : 0)
        return lookup(KeyTables.windowsQnum, Int(qnum))
    }

    /// Bounds-checked table read; 0 in a table means "no key".
    static func lookup(_ table: [UInt16], _ index: Int) -> UInt16? {
        guard table.indices.contains(index) else { return nil }
        let code = table[index]
        return code == 0 ? nil : code
    }
}
