// SPDX-License-Identifier: GPL-2.0-or-later
/// Barrier's marshalled clipboard (protocol reference §2.7.3):
/// u32 format count, then per format u32 id, u32 length, the bytes.
public enum MarshalledClipboard {
    /// Format 0: UTF-8 text with LF line endings.
    static let textFormat: UInt32 = 0

    /// The text format's bytes; empty when the clipboard holds no text (it
    /// is empty, or holds only HTML or a bitmap: the text it replaces is gone
    /// all the same); nil when `data` is not a marshalled clipboard.
    public static func text(in data: [UInt8]) -> [UInt8]? {
        data.withUnsafeBytes { raw -> [UInt8]? in
            var r = WireReader(raw)
            guard let count = r.u32() else { return nil }
            var remaining = count
            while remaining > 0 {
                remaining &-= 1
                guard let format = r.u32(), let length = r.u32(),
                      let bytes = r.bytes(Int(truncatingIfNeeded: length)), length <= UInt32(Int32.max)
                else { return nil }
                if format == textFormat { return [UInt8](bytes) }
            }
            return []
        }
    }

    /// A clipboard holding only `text`.
    public static func marshal(text: [UInt8]) -> [UInt8] {
        var w = WireWriter()
        w.u32(1)
        w.u32(textFormat)
        w.string(text)
        return w.bytes
    }

    /// `text` with Windows line endings (CR LF) turned into the LF that the
    /// text format requires (protocol reference §2.7.3).
    public static func unixLineEndings(_ text: [UInt8]) -> [UInt8] {
        guard text.contains(0x0D) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            let next = index &+ 1
            if byte == 0x0D, next < text.endIndex, text[next] == 0x0A {
                index = next
                continue
            }
            out.append(byte)
            index = next
        }
        return out
    }
}
