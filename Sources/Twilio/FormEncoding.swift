import Foundation

/// `application/x-www-form-urlencoded`, as Twilio sends and takes it: pairs in order, a name
/// repeated once per value (StatusCallbackEvent), `+` for a space on the way in.
///
/// Hand-written over UTF-8 bytes: every callback is decoded once by the webhooks and encoded
/// once by its sender, thousands a second, and Foundation's percent coding (a `CharacterSet`
/// per call) cost more than the rest of a callback's handling together.
public enum FormEncoding {
    public static func encode(_ pairs: [(String, String)]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(pairs.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 2 } * 2)
        for (index, (name, value)) in pairs.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: "&")) }
            appendEncoded(name, to: &bytes)
            bytes.append(UInt8(ascii: "="))
            appendEncoded(value, to: &bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func decode(_ body: String) -> [(String, String)] {
        var pairs: [(String, String)] = []
        for pair in body.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                pairs.append((decodeComponent(pair[..<equals]), decodeComponent(pair[pair.index(after: equals)...])))
            } else {
                pairs.append((decodeComponent(pair[...]), ""))
            }
        }
        return pairs
    }

    /// Everything but RFC 3986's unreserved characters escaped: safe in a query and a form.
    public static func percentEncode(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count * 3)
        appendEncoded(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    static let hexDigits = Array("0123456789ABCDEF".utf8)

    static func appendEncoded(_ text: String, to bytes: inout [UInt8]) {
        for byte in text.utf8 {
            if isUnreserved(byte) {
                bytes.append(byte)
            } else {
                bytes += [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            }
        }
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `+` is a space and `%XX` a byte; a `%` not followed by two hex digits is kept as it is,
    /// as is a byte sequence that is not UTF-8 (repaired, never dropped).
    static func decodeComponent(_ component: Substring.UTF8View.SubSequence) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(component.count)
        var index = component.startIndex
        while index < component.endIndex {
            let byte = component[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"),
                let high = component.index(index, offsetBy: 1, limitedBy: component.endIndex), high < component.endIndex,
                let low = component.index(index, offsetBy: 2, limitedBy: component.endIndex), low < component.endIndex,
                let h = hexValue(component[high]), let l = hexValue(component[low])
            {
                bytes.append(h << 4 | l)
                index = low
            } else {
                bytes.append(byte)
            }
            index = component.index(after: index)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
