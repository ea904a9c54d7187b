/// The audio inside a RIFF/WAVE file: what a service that wraps its output in a WAV header
/// (Google Text-to-Speech does, even for mu-law) really sent, since a header played as
/// mu-law is a click at the start of every utterance.
public struct WAVContainer: Sendable, Equatable {
    /// `fmt ` chunk: 1 is linear PCM, 6 A-law, 7 mu-law.
    public var formatTag: UInt16
    public var channels: UInt16
    public var sampleRate: UInt32
    public var bitsPerSample: UInt16
    /// The `data` chunk's bytes.
    public var samples: [UInt8]

    /// The `WAVE_FORMAT_MULAW` tag.
    public static let muLawFormat: UInt16 = 7

    /// Parses `bytes` chunk by chunk: `fmt ` and `data` wherever they are, any other chunk
    /// (`LIST`, `fact`, …) skipped by its size, odd sizes padded as RIFF requires. A `data`
    /// size larger than what is left (a header written before the length was known, often
    /// 0 or 0xFFFFFFFF) means "to the end".
    public init(parsing bytes: [UInt8]) throws(WAVError) {
        guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WAVE".utf8) else {
            throw .notRIFFWAVE
        }
        var format: (tag: UInt16, channels: UInt16, rate: UInt32, bits: UInt16)?
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = bytes[offset..<(offset + 4)]
            let size = Int(Self.uint32(bytes, at: offset + 4))
            let start = offset + 8
            if id.elementsEqual("fmt ".utf8) {
                guard size >= 16, start + 16 <= bytes.count else { throw .truncatedChunk("fmt ") }
                format = (
                    Self.uint16(bytes, at: start), Self.uint16(bytes, at: start + 2),
                    Self.uint32(bytes, at: start + 4), Self.uint16(bytes, at: start + 14)
                )
            } else if id.elementsEqual("data".utf8) {
                guard let format else { throw .missingFormat }
                let end = (size == 0 || start + size > bytes.count) ? bytes.count : start + size
                self.formatTag = format.tag
                self.channels = format.channels
                self.sampleRate = format.rate
                self.bitsPerSample = format.bits
                self.samples = Array(bytes[start..<end])
                return
            }
            // A chunk's data is padded to an even length.
            offset = start + size + (size & 1)
        }
        throw .missingData
    }

    /// Whether `bytes` start like a WAV file.
    public static func isWAV(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 12 && bytes[0..<4].elementsEqual("RIFF".utf8) && bytes[8..<12].elementsEqual("WAVE".utf8)
    }

    private static func uint16(_ bytes: [UInt8], at index: Int) -> UInt16 {
        UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8
    }

    private static func uint32(_ bytes: [UInt8], at index: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[index + $1]) << (8 * $1) }
    }
}

/// Why bytes are not a usable WAV file.
public enum WAVError: Error, Sendable, Equatable, CustomStringConvertible {
    case notRIFFWAVE
    case truncatedChunk(String)
    case missingFormat
    case missingData
    /// The audio is not what was asked for (e.g. linear PCM instead of 8 kHz mono mu-law).
    case unexpectedFormat(String)

    public var description: String {
        switch self {
        case .notRIFFWAVE: "not a RIFF/WAVE file"
        case .truncatedChunk(let id): "the \(id) chunk is cut short"
        case .missingFormat: "no fmt chunk before the data"
        case .missingData: "no data chunk"
        case .unexpectedFormat(let detail): "unexpected audio format: \(detail)"
        }
    }
}
