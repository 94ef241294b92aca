// SPDX-License-Identifier: GPL-2.0-or-later

/// Everything the server's input messages do to the guest: the keyboard and
/// the pointer, what they hold, and the rule for when a batch of events is
/// closed with a sync. The connection hands it every message first
/// (`prepare`), the input messages through one entry point (`handle`), and
/// the screen's entries and exits; Keyboard and Pointer write straight into
/// the host's queue.
///
/// The sync rule: every message's events are one batch, closed by a sync.
/// Pointer motion alone is the exception: consecutive motion messages of one
/// read share one sync, queued when something else comes or at the end of
/// the read (`settle`). The guest sees the same thing (an absolute pointer
/// keeps the last position of a batch, a relative one the sum of the deltas),
/// at a fraction of the cost for a busy stream. Keys and buttons keep a sync
/// of their own, before and after: a press and its release in one batch
/// would be lost, and a press must come at the position that preceded it.
/// A wheel click brings its own syncs (appendClick), and so does a key press
/// that waited for its release (Keyboard).
struct GuestInput: Sendable {
    private(set) var keyboard: Keyboard
    private(set) var pointer: Pointer
    /// The guest's keyboard LEDs, for the lock keys on enter.
    var guestLeds: LockLeds = []
    /// Pointer motion queued during this read still needs its sync.
    private var syncOwed = false

    init(keycodes: KeycodeMode, detector: PlatformDetector, screen: ScreenGeometry) {
        keyboard = Keyboard(mode: keycodes, detector: detector)
        pointer = Pointer(screen: screen)
    }

    /// Whether the guest has an absolute pointer device.
    var absolute: Bool {
        get { pointer.absolute }
        set { pointer.absolute = newValue }
    }

    /// The rectangle DMMV coordinates live in.
    var screen: ScreenGeometry {
        get { pointer.screen }
        set { pointer.screen = newValue }
    }

    /// The server's modifier remapping for this screen (DSOP).
    var modifierMap: ModifierMap {
        get { keyboard.modifierMap }
        set { keyboard.modifierMap = newValue }
    }

    /// What the guest holds down.
    var held: HeldInput {
        HeldInput(keys: keyboard.heldCodes, buttons: pointer.heldButtons, position: pointer.absolutePosition)
    }

    /// Before any message is handled: motion's owed sync goes before what is
    /// not motion, and key presses waiting to learn whether the server is a
    /// macOS one go before anything but a key press or release.
    mutating func prepare(for message: ServerMessage, into queue: inout ActionQueue) {
        if !message.isMotion { settle(into: &queue) }
        if keyboard.hasWaiting && !message.isKeyPressOrRelease {
            batch(into: &queue) { input, queue in input.keyboard.flushWaiting(into: &queue) }
        }
    }

    /// DKDN, DKRP, DKUP, DMDN, DMUP, DMMV, DMRM, DMWM, while the pointer is
    /// on this screen; other messages do nothing here.
    mutating func handle(_ message: ServerMessage, into queue: inout ActionQueue) {
        let mark = queue.inputMark
        switch message {
        case .keyDown(let id, let mask, let key):
            keyboard.keyDown(id: id, mask: mask, serverKey: key, into: &queue)
        case .keyRepeat(let id, let mask, let count, let key):
            keyboard.keyRepeat(id: id, mask: mask, count: count, serverKey: key, into: &queue)
        case .keyUp(let id, _, let key):
            keyboard.keyUp(id: id, serverKey: key, into: &queue)
        case .mouseDown(let button):
            pointer.buttonDown(button, into: &queue)
        case .mouseUp(let button):
            pointer.buttonUp(button, into: &queue)
        case .mouseMove(let x, let y):
            pointer.moveAbsolute(x: x, y: y, into: &queue)
        case .mouseRelativeMove(let dx, let dy):
            pointer.moveRelative(dx: dx, dy: dy, into: &queue)
        case .mouseWheel(let dx, let dy):
            pointer.wheel(dx: dx, dy: dy, into: &queue)
        default:
            return
        }
        guard queue.inputMark != mark else { return }
        if message.isMotion {
            syncOwed = true
        } else {
            closeBatch(into: &queue)
        }
    }

    /// CINN: the pointer enters at x,y with the server's lock state `mask`.
    mutating func enter(x: Int16, y: Int16, mask: UInt16, into queue: inout ActionQueue) {
        settle(into: &queue)
        batch(into: &queue) { input, queue in
            input.keyboard.enter(mask: mask, guestLeds: input.guestLeds, into: &queue)
            input.pointer.enter(x: x, y: y, into: &queue)
        }
    }

    /// COUT, a close: nothing stays held.
    mutating func releaseAll(into queue: inout ActionQueue) {
        settle(into: &queue)
        batch(into: &queue) { input, queue in
            input.keyboard.releaseAll(into: &queue)
            input.pointer.releaseAll(into: &queue)
        }
    }

    /// Queues the sync that motion of this read still waits for.
    mutating func settle(into queue: inout ActionQueue) {
        guard syncOwed else { return }
        syncOwed = false
        queue.append(input: .sync)
    }

    /// Runs `body`, and closes what it queued with a sync.
    private mutating func batch(into queue: inout ActionQueue,
                                _ body: (inout GuestInput, inout ActionQueue) -> Void) {
        let mark = queue.inputMark
        body(&self, &queue)
        if queue.inputMark != mark { closeBatch(into: &queue) }
    }

    private func closeBatch(into queue: inout ActionQueue) {
        if queue.lastInput != .sync { queue.append(input: .sync) }
    }
}
