// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

private typealias E = EvdevKey

/// X11 buttons (evdev + 8) used below.
private enum X11Button {
    static let a: UInt16 = 38
    static let z: UInt16 = 52
    static let one: UInt16 = 10
    static let shiftL: UInt16 = 50
    static let returnKey: UInt16 = 36
}

private func down(_ code: UInt16) -> InputEvent { .key(code: code, down: true) }
private func up(_ code: UInt16) -> InputEvent { .key(code: code, down: false) }

@Suite struct KeyboardTests {
    var keyboard = Keyboard(mode: .x11)
    var events: [InputEvent] = []

    @Test mutating func aPressAndItsReleaseInjectTheKeyWithNoSync() {
        keyboard.keyDown(id: 0x61, mask: 0, serverKey: X11Button.a, into: &events)
        keyboard.keyUp(id: 0x61, serverKey: X11Button.a, into: &events)
        #expect(events == [down(E.KEY_A), up(E.KEY_A)])
    }

    @Test mutating func aReleaseFindsItsPressByButtonWhateverItsKeyID() {
        // 'Z' goes down with Shift held; Shift goes up first, so 'z' comes up.
        keyboard.keyDown(id: 0x5A, mask: 1, serverKey: X11Button.z, into: &events)
        keyboard.keyUp(id: 0x7A, serverKey: X11Button.z, into: &events)
        #expect(events == [down(E.KEY_Z), up(E.KEY_Z)])
    }

    @Test mutating func aMacosReleaseWithKeyIDZeroReleasesTheKey() {
        keyboard = Keyboard(mode: .macos)
        keyboard.keyDown(id: 0x61, mask: 0, serverKey: 0x01, into: &events)
        keyboard.keyUp(id: 0, serverKey: 0x01, into: &events)
        #expect(events == [down(E.KEY_A), up(E.KEY_A)])
    }

    @Test mutating func withoutButtonsAReleaseIsMatchedByKeyID() {
        keyboard.keyDown(id: KeyID.returnKey, mask: 0, serverKey: 0, into: &events)
        keyboard.keyDown(id: 0x61, mask: 0, serverKey: 0, into: &events)
        keyboard.keyUp(id: KeyID.returnKey, serverKey: 0, into: &events)
        #expect(events == [down(E.KEY_ENTER), down(E.KEY_A), up(E.KEY_ENTER)])
        #expect(keyboard.releaseAllEvents() == [up(E.KEY_A)])
    }

    @Test mutating func withoutButtonsZDownAndZUpStillPair() {
        keyboard.keyDown(id: 0x5A, mask: 1, serverKey: 0, into: &events)
        keyboard.keyUp(id: 0x7A, serverKey: 0, into: &events)
        #expect(events == [down(E.KEY_Z), up(E.KEY_Z)])
        #expect(keyboard.releaseAllEvents().isEmpty)
    }

    @Test mutating func aReleaseWithNoMatchingPressInjectsNothing() {
        keyboard.keyUp(id: 0x61, serverKey: X11Button.a, into: &events)
        keyboard.keyUp(id: 0x61, serverKey: 0, into: &events)
        keyboard.keyDown(id: 0x61, mask: 0, serverKey: X11Button.a, into: &events)
        keyboard.keyUp(id: 0x61, serverKey: X11Button.a, into: &events)
        keyboard.keyUp(id: 0x61, serverKey: X11Button.a, into: &events)
        #expect(events == [down(E.KEY_A), up(E.KEY_A)])
    }

    @Test mutating func anUnknownKeyIsDroppedBothWays() {
        keyboard = Keyboard(mode: .off)
        keyboard.keyDown(id: 0x20AC, mask: 0, serverKey: 26, into: &events)   // €
        keyboard.keyUp(id: 0x20AC, serverKey: 26, into: &events)
        #expect(events.isEmpty)
    }

    @Test mutating func repeatPressesTheHeldKeyCountTimesWithoutReleases() {
        keyboard.keyDown(id: 0x61, mask: 0, serverKey: X11Button.a, into: &events)
        keyboard.keyRepeat(id: 0x61, mask: 0, count: 3, serverKey: X11Button.a, into: &events)
        keyboard.keyUp(id: 0x61, serverKey: X11Button.a, into: &events)
        #expect(events == [down(E.KEY_A), down(E.KEY_A), down(E.KEY_A), down(E.KEY_A), up(E.KEY_A)])
    }

    @Test mutating func repeatOfCountZeroInjectsNothing() {
        keyboard.keyDown(id: 0x61, mask: 0, serverKey: X11Button.a, into: &events)
        keyboard.keyRepeat(id: 0x61, mask: 0, count: 0, serverKey: X11Button.a, into: &events)
        #expect(events == [down(E.KEY_A)])
    }

    @Test mutating func repeatCountIsCapped() {
        keyboard.keyDown(id: 0x61, mask: 0, serverKey: X11Button.a, into: &events)
        keyboard.keyRepeat(id: 0x61, mask: 0, count: 0xFFFF, serverKey: X11Button.a, into: &events)
        #expect(events.count == 1 + Int(Keyboard.maxRepeatsPerMessage))
        #expect(Keyboard.maxRepeatsPerMessage == 32)
    }

    @Test mutating func repeatOfAKeyNotHeldPressesAndHoldsIt() {
        keyboard.keyRepeat(id: 0x61, mask: 0, count: 2, serverKey: X11Button.a, into: &events)
        #expect(events == [down(E.KEY_A), down(E.KEY_A)])
        #expect(keyboard.releaseAllEvents() == [up(E.KEY_A)])
    }

    @Test mutating func repeatUsesTheKeyOfThePressEvenIfTheKeyIDChanged() {
        keyboard.keyDown(id: 0x5A, mask: 1, serverKey: X11Button.z, into: &events)
        keyboard.keyRepeat(id: 0x7A, mask: 0, count: 1, serverKey: X11Button.z, into: &events)
        #expect(events == [down(E.KEY_Z), down(E.KEY_Z)])
    }

    @Test mutating func releaseAllReleasesEveryHeldKeyLastPressedFirst() {
        keyboard.keyDown(id: KeyID.shiftL, mask: 0, serverKey: X11Button.shiftL, into: &events)
        keyboard.keyDown(id: 0x5A, mask: 1, serverKey: X11Button.z, into: &events)
        keyboard.keyDown(id: KeyID.returnKey, mask: 1, serverKey: X11Button.returnKey, into: &events)
        keyboard.keyUp(id: 0x7A, serverKey: X11Button.z, into: &events)
        events.removeAll()
        keyboard.releaseAll(into: &events)
        #expect(events == [up(E.KEY_ENTER), up(E.KEY_LEFTSHIFT)])
        events.removeAll()
        keyboard.releaseAll(into: &events)
        #expect(events.isEmpty)
        // After a leave, the server's late release of Shift injects nothing.
        keyboard.keyUp(id: KeyID.shiftL, serverKey: X11Button.shiftL, into: &events)
        #expect(events.isEmpty)
    }

    @Test mutating func aGuestKeyPressedTwiceGoesUpWithTheLastServerKey() {
        // Without buttons '1' and '!' are both KEY_1.
        keyboard = Keyboard(mode: .off)
        keyboard.keyDown(id: 0x31, mask: 0, serverKey: 0, into: &events)
        keyboard.keyDown(id: 0x21, mask: 1, serverKey: 0, into: &events)
        keyboard.keyUp(id: 0x31, serverKey: 0, into: &events)
        #expect(events == [down(E.KEY_1), down(E.KEY_1)])
        keyboard.keyUp(id: 0x21, serverKey: 0, into: &events)
        #expect(events == [down(E.KEY_1), down(E.KEY_1), up(E.KEY_1)])
    }

    @Test mutating func releaseAllReleasesASharedGuestKeyOnce() {
        keyboard = Keyboard(mode: .off)
        keyboard.keyDown(id: 0x31, mask: 0, serverKey: 0, into: &events)
        keyboard.keyDown(id: 0x21, mask: 1, serverKey: 0, into: &events)
        #expect(keyboard.releaseAllEvents() == [up(E.KEY_1)])
    }

    @Test mutating func aSecondPressOfAHeldButtonRepeatsIt() {
        keyboard.keyDown(id: 0x61, mask: 0, serverKey: X11Button.a, into: &events)
        keyboard.keyDown(id: 0x61, mask: 0, serverKey: X11Button.a, into: &events)
        keyboard.keyUp(id: 0x61, serverKey: X11Button.a, into: &events)
        #expect(events == [down(E.KEY_A), down(E.KEY_A), up(E.KEY_A)])
    }

    @Test mutating func heldKeysAreBounded() {
        keyboard = Keyboard(mode: .x11)
        for button in UInt16(0)...0xFFFF {
            keyboard.keyDown(id: 0x61, mask: 0, serverKey: button, into: &events)
        }
        #expect(events.count <= HeldKeys.capacity)
        #expect(keyboard.releaseAllEvents().count <= HeldKeys.capacity)
    }

    @Test mutating func modeOffIgnoresButtons() {
        keyboard = Keyboard(mode: .off)
        // KeyID 'q' with the X11 button of 'a' (an AZERTY server): the KeyID wins.
        keyboard.keyDown(id: 0x71, mask: 0, serverKey: X11Button.a, into: &events)
        #expect(events == [down(E.KEY_Q)])
    }

    @Test mutating func physicalKeysWinOverTheLayout() {
        // The same AZERTY press on an X11 server: the key at the 'a' position.
        keyboard.keyDown(id: 0x71, mask: 0, serverKey: X11Button.a, into: &events)
        #expect(events == [down(E.KEY_A)])
    }

    @Test mutating func macosMediaKeysComeWithoutAButtonAndUseTheKeyID() {
        keyboard = Keyboard(mode: .macos)
        keyboard.keyDown(id: 0xE0AD, mask: 0, serverKey: 0, into: &events)   // AudioMute
        keyboard.keyUp(id: 0xE0AD, serverKey: 0, into: &events)
        #expect(events == [down(E.KEY_MUTE), up(E.KEY_MUTE)])
    }

    @Test mutating func aButtonTheTableDoesNotKnowFallsBackToTheKeyID() {
        keyboard.keyDown(id: 0x61, mask: 0, serverKey: 3, into: &events)
        #expect(events == [down(E.KEY_A)])
    }
}

@Suite struct LockSyncTests {
    var keyboard = Keyboard(mode: .auto)
    var events: [InputEvent] = []

    @Test mutating func locksThatAgreeAreLeftAlone() {
        keyboard.enter(mask: 0, guestLeds: [], into: &events)
        keyboard.enter(mask: 0x3000, guestLeds: [.caps, .num], into: &events)
        #expect(events.isEmpty)
    }

    @Test mutating func capsLockIsTappedWhenTheGuestDiffers() {
        keyboard.enter(mask: 0x1000, guestLeds: [], into: &events)
        keyboard.enter(mask: 0, guestLeds: [.caps], into: &events)
        #expect(events == [down(E.KEY_CAPSLOCK), up(E.KEY_CAPSLOCK),
                           down(E.KEY_CAPSLOCK), up(E.KEY_CAPSLOCK)])
    }

    @Test mutating func numLockIsTappedWhenTheGuestDiffers() {
        keyboard.enter(mask: 0x2000, guestLeds: [.caps], into: &events)
        #expect(events == [down(E.KEY_CAPSLOCK), up(E.KEY_CAPSLOCK),
                           down(E.KEY_NUMLOCK), up(E.KEY_NUMLOCK)])
    }

    @Test mutating func scrollLockAndOtherModifiersAreNotTouched() {
        keyboard.enter(mask: 0x4000 | 0x00FF, guestLeds: [], into: &events)
        keyboard.enter(mask: 0, guestLeds: [.scroll], into: &events)
        #expect(events.isEmpty)
    }
}
