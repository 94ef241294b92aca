// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

/// Any key message, however odd, goes through without a trap, injects at most
/// what it should, and leaves nothing held after releaseAll.
@Suite struct KeyHostileTests {
    /// KeyIDs from every range of §3.1 plus the edges.
    static let ids: [UInt16] = [
        0x0000, 0x0001, 0x0020, 0x0041, 0x007E, 0x007F, 0x00FF, 0x0300, 0x0430, 0x20AC,
        0xDFFF, 0xE000, 0xE0AD, 0xE0FF, 0xE100, 0xEE20, 0xEF08, 0xEF13, 0xEFFF, 0xF000, 0xFE11,
        0xFFFF,
    ]
    static let masks: [UInt16] = [0x0000, 0x0001, 0x1000, 0x2000, 0x7FFF, 0xFFFF]

    @Test(arguments: KeycodeMode.allCases)
    func everyButtonWithSampledKeyIDsAndMasks(mode: KeycodeMode) {
        var keyboard = Keyboard(mode: mode)
        var events: [InputEvent] = []
        for button in UInt16(0)...0xFFFF {
            let id = Self.ids[Int(button) % Self.ids.count]
            let mask = Self.masks[Int(button) % Self.masks.count]
            events.removeAll(keepingCapacity: true)
            keyboard.keyDown(id: id, mask: mask, serverKey: button, into: &events)
            keyboard.keyRepeat(id: id, mask: mask, count: button, serverKey: button, into: &events)
            keyboard.keyUp(id: id, serverKey: button, into: &events)
            #expect(events.count <= 2 + Int(Keyboard.maxRepeatsPerMessage))
        }
        var releases: [InputEvent] = []
        keyboard.releaseAll(into: &releases)
        // Every press above was released by its own key-up.
        #expect(releases.isEmpty)
    }

    @Test(arguments: KeycodeMode.allCases)
    func everyKeyIDWithoutAButton(mode: KeycodeMode) {
        var keyboard = Keyboard(mode: mode)
        var events: [InputEvent] = []
        for id in UInt16(0)...0xFFFF {
            keyboard.keyDown(id: id, mask: 0, serverKey: 0, into: &events)
            keyboard.keyUp(id: id, serverKey: 0, into: &events)
        }
        let downs = events.filter { if case .key(_, true) = $0 { true } else { false } }
        #expect(downs.count * 2 == events.count)
        #expect(keyboard.releaseAllEvents().isEmpty)
    }

    @Test(arguments: KeycodeMode.allCases)
    func randomTriplesNeverTrap(mode: KeycodeMode) {
        var generator = SplitMix(seed: 0xBA55_1E5)
        var keyboard = Keyboard(mode: mode)
        var events: [InputEvent] = []
        for _ in 0..<200_000 {
            let word = generator.next()
            let id = UInt16(truncatingIfNeeded: word)
            let mask = UInt16(truncatingIfNeeded: word >> 16)
            let button = UInt16(truncatingIfNeeded: word >> 32)
            let count = UInt16(truncatingIfNeeded: word >> 48)
            events.removeAll(keepingCapacity: true)
            switch word % 5 {
            case 0, 1: keyboard.keyDown(id: id, mask: mask, serverKey: button, into: &events)
            case 2:
                keyboard.keyRepeat(id: id, mask: mask, count: count, serverKey: button, into: &events)
            case 3: keyboard.keyUp(id: id, serverKey: button, into: &events)
            default: keyboard.enter(mask: mask, guestLeds: LockLeds(rawValue: UInt32(count)),
                                    into: &events)
            }
            #expect(events.count <= Int(Keyboard.maxRepeatsPerMessage) + 4)
        }
        _ = keyboard.releaseAllEvents()
        #expect(keyboard.releaseAllEvents().isEmpty)
    }
}
