import Foundation
import Redaction

/// A dialable phone number in E.164 form, such as `+14155550134`.
///
/// The only ways to get one are `normalize(_:)` and `init?(e164:)`, so every value has
/// passed the North American Numbering Plan rules (for `+1`) or the E.164 length rules
/// (for any other country code). Its `description` is the masked form: interpolating a
/// number into a log line never prints it whole.
public struct PhoneNumber: Sendable, Hashable {
    /// `+`, the country code and the national number, digits only.
    public let e164: String

    private init(unchecked e164: String) { self.e164 = e164 }

    /// A number read back from storage; nil unless `e164` is already in normalized form.
    public init?(e164: String) {
        guard let number = Self.normalize(e164).number, number.e164 == e164 else { return nil }
        self = number
    }

    /// True for `+1` numbers: the United States, Canada and the other NANP countries.
    public var isNorthAmerican: Bool { e164.hasPrefix("+1") }

    /// The three-digit NANP area code (`"415"`), nil for numbers outside North America.
    public var areaCode: String? {
        guard isNorthAmerican else { return nil }
        return String(e164.dropFirst(2).prefix(3))
    }

    /// The number with its middle hidden, for logs (`+1415*****34`): see ``PhoneNumberRedaction``.
    public var masked: String { PhoneNumberRedaction.masked(e164) }
}

/// The outcome of `PhoneNumber.normalize(_:)`: a number, or the reason an operator sees.
public enum PhoneNumberNormalization: Sendable, Hashable {
    case valid(PhoneNumber)
    /// `reason` is short and safe to log: it carries no more of the number than `masked` does.
    case invalid(reason: String)

    public var number: PhoneNumber? {
        if case .valid(let number) = self { return number }
        return nil
    }

    public var invalidReason: String? {
        if case .invalid(let reason) = self { return reason }
        return nil
    }
}

extension PhoneNumber {
    /// `text` with every number masked as ``masked`` masks one (``PhoneNumberRedaction``).
    public static func redacting(_ text: String) -> String { PhoneNumberRedaction.redacting(text) }
}

extension PhoneNumber: CustomStringConvertible, CustomDebugStringConvertible {
    // Both are masked: string interpolation and `String(reflecting:)` end up in logs too.
    public var description: String { masked }
    public var debugDescription: String { "PhoneNumber(\(masked))" }
}

extension PhoneNumber {
    /// Parses a number as a CRM user typed it.
    ///
    /// Without a leading `+`, only North American numbers are accepted (10 digits, or 11
    /// starting with 1): the campaigns are American, and a foreign number without its
    /// country code is a guess we must not dial. With a leading `+`, `+1` still gets the
    /// NANP rules and any other country code is kept as it is, if it has 8 to 15 digits.
    /// Spaces, dots, dashes, slashes and parentheses are ignored; a trailing extension
    /// (`x123`, `ext. 12`, `#12`) is dropped, since the dialer cannot reach one; letters
    /// (vanity numbers such as 1-800-FLOWERS) are refused rather than translated.
    public static func normalize(_ raw: String) -> PhoneNumberNormalization {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return .invalid(reason: "empty") }
        let characters = withoutExtension(Array(trimmed))

        var digits: [UInt8] = []
        var hasPlus = false
        var index = 0
        while index < characters.count {
            let character = characters[index]
            index += 1
            if let ascii = character.asciiValue, ascii >= 0x30, ascii <= 0x39 {
                digits.append(ascii - 0x30)
            } else if character == "+" {
                // "+" may follow punctuation, as in "(+44) 20 ...", but never a digit.
                guard digits.isEmpty, !hasPlus else { return .invalid(reason: "'+' is only allowed before the number") }
                hasPlus = true
            } else if hasPlus, !digits.isEmpty, character == "(",
                index + 1 < characters.count, characters[index] == "0", characters[index + 1] == ")"
            {
                // "+44 (0)20 ..." marks a trunk 0 that is dialed only from inside the country.
                index += 2
            } else if character.isWhitespace || separators.contains(character) {
                continue
            } else if character.isLetter {
                return .invalid(reason: "contains letters")
            } else {
                return .invalid(reason: "unexpected character '\(character)'")
            }
        }

        guard let first = digits.first else { return .invalid(reason: "no digits") }
        if hasPlus {
            if first == 1 {
                if digits.count < 11 { return .invalid(reason: "too few digits") }
                if digits.count > 11 { return .invalid(reason: "too many digits") }
                return northAmerican(digits.dropFirst())
            }
            if first == 0 { return .invalid(reason: "country code cannot start with 0") }
            if digits.count < 8 { return .invalid(reason: "too few digits") }
            if digits.count > 15 { return .invalid(reason: "too many digits") }
            return .valid(PhoneNumber(unchecked: "+" + digitString(digits[...])))
        }
        switch digits.count {
        case ..<10: return .invalid(reason: "too few digits")
        case 10: return northAmerican(digits[...])
        case 11 where first == 1: return northAmerican(digits.dropFirst())
        default:
            // A leading 1 says the user meant a North American number and typed too much.
            if first == 1 { return .invalid(reason: "too many digits") }
            return .invalid(reason: "not a North American number and no leading +")
        }
    }

    /// The number to dial for a contact with both a mobile and a landline field.
    ///
    /// The preferred field wins if it holds a valid number, else the other field does.
    /// With neither field filled in the reason is "no phone number"; with only invalid
    /// numbers it is the reason for the preferred field's number (or the only one present).
    public static func preferred(
        mobile: String?,
        phone: String?,
        preferMobile: Bool = true
    ) -> (number: PhoneNumber?, invalidReason: String?) {
        let present = (preferMobile ? [mobile, phone] : [phone, mobile])
            .compactMap { $0 }
            .filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        guard !present.isEmpty else { return (nil, "no phone number") }
        var firstReason: String?
        for raw in present {
            switch normalize(raw) {
            case .valid(let number): return (number, nil)
            case .invalid(let reason): firstReason = firstReason ?? reason
            }
        }
        return (nil, firstReason)
    }
}

extension PhoneNumber {
    /// Punctuation people put in numbers, including the Unicode dashes word processors
    /// substitute for "-".
    private static let separators: Set<Character> = [
        "-", ".", "(", ")", "/", "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{2212}",
    ]

    /// Longest first, so "ext" is not mistaken for an "e" followed by an "x" marker.
    private static let extensionMarkers: [[UInt8]] = ["extension", "ext", "x", "#"].map { Array($0.utf8) }

    /// `characters` without a trailing extension: a marker after at least one digit,
    /// then optional ".", ":" or spaces, then only digits to the end.
    private static func withoutExtension(_ characters: [Character]) -> [Character] {
        let ascii: [UInt8?] = characters.map { character in
            guard let value = character.asciiValue else { return nil }
            return (0x41...0x5A).contains(value) ? value + 0x20 : value
        }
        func isDigit(_ index: Int) -> Bool { ascii[index].map { (0x30...0x39).contains($0) } ?? false }

        var sawDigit = false
        for start in characters.indices {
            if isDigit(start) {
                sawDigit = true
                continue
            }
            guard sawDigit else { continue }
            for marker in extensionMarkers where start + marker.count <= characters.count {
                guard (0..<marker.count).allSatisfy({ ascii[start + $0] == marker[$0] }) else { continue }
                var index = start + marker.count
                while index < characters.count,
                    ascii[index] == UInt8(ascii: ".") || ascii[index] == UInt8(ascii: ":") || characters[index].isWhitespace
                {
                    index += 1
                }
                let digitsStart = index
                while index < characters.count, isDigit(index) { index += 1 }
                let digitsEnd = index
                while index < characters.count, characters[index].isWhitespace { index += 1 }
                if index == characters.count, digitsEnd > digitsStart { return Array(characters[..<start]) }
            }
        }
        return characters
    }

    /// Checks the ten national digits of a `+1` number.
    ///
    /// An invalid area code is named in the reason (`masked` shows it anyway); an invalid
    /// exchange is described by its first digit only, so that a logged reason next to a
    /// masked number never adds up to the whole number.
    private static func northAmerican(_ national: ArraySlice<UInt8>) -> PhoneNumberNormalization {
        let digits = Array(national)
        let areaCode = digitString(digits[0..<3])
        if digits[0] < 2 || (digits[1] == 1 && digits[2] == 1) {
            return .invalid(reason: "area code \(areaCode) invalid")
        }
        if digits[3] < 2 { return .invalid(reason: "exchange code cannot start with \(digits[3])") }
        if digits[4] == 1 && digits[5] == 1 {
            return .invalid(reason: "exchange code \(digitString(digits[3..<6])) invalid")
        }
        // 555-01XX is reserved for fiction, but stays valid: demos and tests dial it.
        return .valid(PhoneNumber(unchecked: "+1" + digitString(digits[...])))
    }

    private static func digitString(_ digits: ArraySlice<UInt8>) -> String {
        String(decoding: digits.map { $0 + 0x30 }, as: UTF8.self)
    }
}
