// SPDX-License-Identifier: GPL-2.0-or-later
/// The keys the client has pressed in the guest and not yet released, in
/// press order, each with what the server called it, so that a release or
/// repeat finds the key the press chose even when its KeyID differs.
struct HeldKeys: Sendable {
    struct Entry: Equatable, Sendable {
        /// The server's physical key code (0 = none, protocol 1.0 form).
        var serverKey: UInt16
        /// The KeyID of the press.
        var id: UInt16
        /// The guest key that was pressed.
        var code: UInt16
    }

    /// A server can press at most this many keys at once; further presses are
    /// dropped so hostile traffic cannot grow memory. (A keyboard has ~110.)
    static let capacity = 128

    private(set) var entries: [Entry] = []

    /// The held key a message refers to: by key code when it has one (the KeyID
    /// of a release may differ from the press: 'Z' down / 'z' up, macOS sends
    /// 0), otherwise by KeyID. With `orSameKey` (releases and repeats), a
    /// key-code-less message whose KeyID matches no press falls back to the
    /// press of the same key, which pairs 'Z' with 'z' in the protocol 1.0
    /// form too. Presses do not use it: '!' while '1' is held is a new press.
    func index(serverKey: UInt16, id: UInt16, orSameKey: Bool) -> Int? {
        if serverKey != 0 {
            return entries.lastIndex { $0.serverKey == serverKey }
        }
        if let byID = entries.lastIndex(where: { $0.serverKey == 0 && $0.id == id }) {
            return byID
        }
        guard orSameKey, let code = KeysymMap.key(for: id) else { return nil }
        return entries.lastIndex { $0.serverKey == 0 && $0.code == code }
    }

    /// Records a press; false when full (the press must then be dropped).
    mutating func insert(_ entry: Entry) -> Bool {
        guard entries.count < Self.capacity else { return false }
        entries.append(entry)
        return true
    }

    /// Forgets the entry at `index` and returns it, or nil for a bad index.
    mutating func remove(at index: Int) -> Entry? {
        guard entries.indices.contains(index) else { return nil }
        return entries.remove(at: index)
    }

    /// The entry at `index`, or nil for a bad index.
    func entry(at index: Int) -> Entry? {
        entries.indices.contains(index) ? entries[index] : nil
    }

    /// The guest keys held, in press order, each once.
    var codes: [UInt16] {
        var codes: [UInt16] = []
        for entry in entries where !codes.contains(entry.code) { codes.append(entry.code) }
        return codes
    }

    /// Whether some held entry pressed guest key `code`.
    func holds(code: UInt16) -> Bool {
        entries.contains { $0.code == code }
    }

    /// Forgets everything and returns the entries in press order.
    mutating func removeAll() -> [Entry] {
        let all = entries
        entries.removeAll()
        return all
    }
}
