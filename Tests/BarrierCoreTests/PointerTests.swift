// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

private let fullHD = ScreenGeometry(x: 0, y: 0, width: 1920, height: 1080)

/// QEMU's qemu_input_scale_axis for an axis of `size` pixels at offset `v`.
private func qemuScaled(_ v: Int32, size: Int32) -> Int32 {
    v * InputEvent.absoluteMax / (size - 1)
}

/// One wheel click as QEMU needs it: a sync between press and release.
private func click(_ button: MouseButton) -> [InputEvent] {
    [.button(button, down: true), .sync, .button(button, down: false), .sync]
}

@Suite struct PointerButtonTests {
    var pointer = Pointer(screen: fullHD)
    var events: [InputEvent] = []

    @Test(arguments: [(6, MouseButton.wheelLeft), (7, .wheelRight)] as [(UInt8, MouseButton)])
    mutating func deskflowTiltButtonsAreOneWheelClickOnPress(id: UInt8, button: MouseButton) {
        pointer.buttonDown(id, into: &events)
        #expect(events == click(button))
        events = []
        // never held: a DMWM click of the same direction meanwhile is a click of its own
        pointer.wheel(dx: button == .wheelRight ? 120 : -120, dy: 0, into: &events)
        pointer.buttonUp(id, into: &events)
        pointer.releaseAll(into: &events)
        #expect(events == click(button))
    }

    @Test(arguments: [(1, MouseButton.left), (2, .middle), (3, .right), (4, .side), (5, .extra)]
          as [(UInt8, MouseButton)])
    mutating func barrierButtonsOneToFive(id: UInt8, button: MouseButton) {
        pointer.buttonDown(id, into: &events)
        pointer.buttonUp(id, into: &events)
        #expect(events == [.button(button, down: true), .button(button, down: false)])
    }

    @Test mutating func otherButtonsAreIgnored() {
        for id in [UInt8(0)] + Array(8...255) {
            pointer.buttonDown(id, into: &events)
            pointer.buttonUp(id, into: &events)
        }
        #expect(events.isEmpty)
    }

    @Test mutating func aReleaseOfAButtonNotHeldInjectsNothing() {
        pointer.buttonUp(1, into: &events)
        pointer.buttonDown(1, into: &events)
        pointer.buttonUp(1, into: &events)
        pointer.buttonUp(1, into: &events)
        #expect(events == [.button(.left, down: true), .button(.left, down: false)])
    }

    @Test mutating func aSecondPressOfAHeldButtonInjectsNothing() {
        pointer.buttonDown(3, into: &events)
        pointer.buttonDown(3, into: &events)
        #expect(events == [.button(.right, down: true)])
    }

    @Test mutating func releaseAllReleasesHeldButtonsLastPressedFirst() {
        pointer.buttonDown(1, into: &events)
        pointer.buttonDown(3, into: &events)
        pointer.buttonDown(2, into: &events)
        pointer.buttonUp(3, into: &events)
        events.removeAll()
        pointer.releaseAll(into: &events)
        #expect(events == [.button(.middle, down: false), .button(.left, down: false)])
        events.removeAll()
        pointer.releaseAll(into: &events)
        pointer.buttonUp(1, into: &events)
        #expect(events.isEmpty)
    }
}

@Suite struct PointerMotionTests {
    var events: [InputEvent] = []

    @Test mutating func absoluteMovesScaleLikeQEMU() {
        var pointer = Pointer(screen: fullHD)
        pointer.moveAbsolute(x: 0, y: 0, into: &events)
        pointer.moveAbsolute(x: 1919, y: 1079, into: &events)
        pointer.moveAbsolute(x: 960, y: 540, into: &events)
        #expect(events == [
            .moveAbsolute(x: 0, y: 0),
            .moveAbsolute(x: 0x7fff, y: 0x7fff),
            .moveAbsolute(x: qemuScaled(960, size: 1920), y: qemuScaled(540, size: 1080)),
        ])
    }

    @Test mutating func absoluteMovesWithAnOriginAreClampedIntoTheRectangle() {
        // A screen whose DINF rectangle starts at (100, -50), 800 x 600.
        var pointer = Pointer(screen: ScreenGeometry(x: 100, y: -50, width: 800, height: 600))
        pointer.moveAbsolute(x: 100, y: -50, into: &events)
        pointer.moveAbsolute(x: 899, y: 549, into: &events)
        pointer.moveAbsolute(x: 500, y: 250, into: &events)
        pointer.moveAbsolute(x: -32768, y: 32767, into: &events)
        pointer.moveAbsolute(x: 32767, y: -32768, into: &events)
        #expect(events == [
            .moveAbsolute(x: 0, y: 0),
            .moveAbsolute(x: 0x7fff, y: 0x7fff),
            .moveAbsolute(x: qemuScaled(400, size: 800), y: qemuScaled(300, size: 600)),
            .moveAbsolute(x: 0, y: 0x7fff),
            .moveAbsolute(x: 0x7fff, y: 0),
        ])
    }

    @Test mutating func degenerateScreensDoNotTrap() {
        for geometry in [
            ScreenGeometry(x: 0, y: 0, width: 1, height: 1),
            ScreenGeometry(x: 5, y: 5, width: 0, height: -3),
            ScreenGeometry(x: .min, y: .max, width: .min, height: .max),
            ScreenGeometry(x: .max, y: .min, width: .max, height: .max),
        ] {
            var pointer = Pointer(screen: geometry)
            for (x, y) in [(Int16.min, Int16.min), (0, 0), (.max, .max), (-1, 1)] {
                events.removeAll()
                pointer.enter(x: x, y: y, into: &events)
                pointer.moveAbsolute(x: x, y: y, into: &events)
                for event in events {
                    guard case .moveAbsolute(let ax, let ay) = event else {
                        Issue.record("unexpected \(event)")
                        continue
                    }
                    #expect((0...InputEvent.absoluteMax).contains(ax))
                    #expect((0...InputEvent.absoluteMax).contains(ay))
                }
            }
        }
        var onePixel = Pointer(screen: ScreenGeometry(x: 0, y: 0, width: 1, height: 1))
        events.removeAll()
        onePixel.moveAbsolute(x: 0, y: 0, into: &events)
        #expect(events == [.moveAbsolute(x: 0, y: 0)])
    }

    @Test mutating func enterIsAnAbsoluteMoveToTheEntryPoint() {
        var pointer = Pointer(screen: fullHD)
        pointer.enter(x: 0, y: 540, into: &events)
        #expect(events == [.moveAbsolute(x: 0, y: qemuScaled(540, size: 1080))])
    }

    @Test mutating func relativeMovesPassThrough() {
        var pointer = Pointer(screen: fullHD)
        pointer.moveRelative(dx: 10, dy: 5, into: &events)
        pointer.moveRelative(dx: -3, dy: -2, into: &events)
        pointer.moveRelative(dx: .min, dy: .max, into: &events)
        #expect(events == [.moveRelative(dx: 10, dy: 5), .moveRelative(dx: -3, dy: -2),
                           .moveRelative(dx: -32768, dy: 32767)])
    }

    @Test mutating func withoutAnAbsoluteDeviceMovesBecomeDeltasFromTheEntryPoint() {
        var pointer = Pointer(screen: fullHD)
        pointer.absolute = false
        pointer.enter(x: 0, y: 540, into: &events)
        #expect(events.isEmpty)
        pointer.moveAbsolute(x: 10, y: 530, into: &events)
        pointer.moveAbsolute(x: 25, y: 530, into: &events)
        pointer.moveAbsolute(x: 25, y: 530, into: &events)   // no motion: nothing
        pointer.moveAbsolute(x: 5000, y: -5000, into: &events)  // clamped to (1919, 0)
        #expect(events == [.moveRelative(dx: 10, dy: -10), .moveRelative(dx: 15, dy: 0),
                           .moveRelative(dx: 1894, dy: -530)])
    }

    @Test mutating func withoutAnAbsoluteDeviceTheFirstMoveBeforeEnterOnlySetsTheOrigin() {
        var pointer = Pointer(screen: fullHD)
        pointer.absolute = false
        pointer.moveAbsolute(x: 100, y: 100, into: &events)
        pointer.moveAbsolute(x: 90, y: 120, into: &events)
        #expect(events == [.moveRelative(dx: -10, dy: 20)])
    }
}

@Suite struct WheelTests {
    var pointer = Pointer(screen: fullHD)
    var events: [InputEvent] = []

    @Test mutating func threeFortiesMakeExactlyOneClickUp() {
        pointer.wheel(dx: 0, dy: 40, into: &events)
        pointer.wheel(dx: 0, dy: 40, into: &events)
        #expect(events.isEmpty)
        pointer.wheel(dx: 0, dy: 40, into: &events)
        #expect(events == click(.wheelUp))
    }

    @Test mutating func aDeltaOfThreeSixtyIsThreeClicks() {
        pointer.wheel(dx: 0, dy: 360, into: &events)
        #expect(events == click(.wheelUp) + click(.wheelUp) + click(.wheelUp))
    }

    @Test mutating func negativeVerticalScrollsDown() {
        pointer.wheel(dx: 0, dy: -120, into: &events)
        #expect(events == click(.wheelDown))
    }

    @Test mutating func horizontalScrollsBothWays() {
        pointer.wheel(dx: 120, dy: 0, into: &events)
        pointer.wheel(dx: -120, dy: 0, into: &events)
        #expect(events == click(.wheelRight) + click(.wheelLeft))
    }

    @Test mutating func theRemainderIsKeptAcrossMessages() {
        pointer.wheel(dx: 0, dy: 200, into: &events)   // one click, 80 kept
        #expect(events == click(.wheelUp))
        events.removeAll()
        pointer.wheel(dx: 0, dy: 40, into: &events)    // 80 + 40
        #expect(events == click(.wheelUp))
        events.removeAll()
        pointer.wheel(dx: -100, dy: 0, into: &events)
        pointer.wheel(dx: -20, dy: 0, into: &events)
        #expect(events == click(.wheelLeft))
    }

    @Test mutating func oppositeDeltasCancel() {
        pointer.wheel(dx: 0, dy: 100, into: &events)
        pointer.wheel(dx: 0, dy: -100, into: &events)
        pointer.wheel(dx: 0, dy: 100, into: &events)
        #expect(events.isEmpty)
    }

    @Test mutating func bothAxesInOneMessageAreBothScrolled() {
        // A macOS trackpad's diagonal scroll: vertical first, then horizontal.
        pointer.wheel(dx: -120, dy: 240, into: &events)
        #expect(events == click(.wheelUp) + click(.wheelUp) + click(.wheelLeft))
        events.removeAll()
        pointer.wheel(dx: 0, dy: 0, into: &events)
        #expect(events.isEmpty)
    }

    @Test mutating func extremeDeltasDoNotTrap() {
        for _ in 0..<4 {
            pointer.wheel(dx: .min, dy: .max, into: &events)
            pointer.wheel(dx: .max, dy: .min, into: &events)
        }
        // 32767 = 273 * 120 + 7, so the remainders add up to more clicks on the way.
        #expect(events.count % 4 == 0)
        #expect(events.count >= 4 * 8 * 273)
    }

    @Test mutating func enteringAgainForgetsPartialNotches() {
        pointer.wheel(dx: 0, dy: 100, into: &events)
        pointer.enter(x: 0, y: 0, into: &events)
        events.removeAll()
        pointer.wheel(dx: 0, dy: 40, into: &events)
        #expect(events.isEmpty)
    }
}
