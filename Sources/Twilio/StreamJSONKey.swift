import Foundation

/// Any JSON key, so decoding can be written by field name and errors carry real paths.
struct StreamJSONKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(_ string: String) {
        stringValue = string
    }

    init?(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }

    /// `media.payload`, `start.tracks[0]`: how the error messages name a field.
    static func path(_ path: [any CodingKey]) -> String {
        var out = ""
        for key in path {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return out.isEmpty ? "<root>" : out
    }
}

extension KeyedDecodingContainer where K == StreamJSONKey {
    func string(_ key: String) throws -> String {
        try decode(String.self, forKey: StreamJSONKey(key))
    }

    func object(_ key: String) throws -> KeyedDecodingContainer<StreamJSONKey> {
        try nestedContainer(keyedBy: StreamJSONKey.self, forKey: StreamJSONKey(key))
    }

    /// Twilio sends counters as strings (`"sequenceNumber": "1"`) and format fields as numbers
    /// (`"sampleRate": 8000`). Both spellings are accepted for every integer so neither a
    /// documentation slip nor a future change on Twilio's side breaks decoding.
    ///
    /// Every integer of the protocol is a count or milliseconds since the stream began, so it
    /// must lie in ``MediaStreamMessage/integerRange``: a peer's `"timestamp": "9223372036854775000"`
    /// is refused here rather than overflow the arithmetic done on it later.
    func integer(_ key: String) throws -> Int {
        let codingKey = StreamJSONKey(key)
        let field = StreamJSONKey.path(codingPath + [codingKey])
        guard contains(codingKey), !((try? decodeNil(forKey: codingKey)) ?? false) else {
            throw MediaStreamCodecError.missingField(field)
        }
        let value: Int
        if let text = try? decode(String.self, forKey: codingKey) {
            guard let number = Int(text) else { throw MediaStreamCodecError.invalidNumber(field: field, value: text) }
            value = number
        } else if let number = try? decode(Int.self, forKey: codingKey) {
            value = number
        } else {
            throw MediaStreamCodecError.wrongType(field: field, expected: "an integer or a string of digits")
        }
        guard MediaStreamMessage.integerRange.contains(value) else {
            throw MediaStreamCodecError.outOfRange(field: field, value: value)
        }
        return value
    }

    /// Strict base64 (padding required), as Twilio sends it.
    func base64(_ key: String) throws -> [UInt8] {
        let text = try string(key)
        guard let data = Data(base64Encoded: text) else {
            throw MediaStreamCodecError.invalidBase64(field: StreamJSONKey.path(codingPath + [StreamJSONKey(key)]))
        }
        return [UInt8](data)
    }
}
