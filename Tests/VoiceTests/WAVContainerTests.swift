import Testing
import Voice

/// WAV files built byte by byte, as Google's and other services' are laid out.
enum WAVFixtures {
    static func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
    static func le16(_ value: Int) -> [UInt8] { (0..<2).map { UInt8((value >> (8 * $0)) & 0xFF) } }

    static func chunk(_ id: String, _ body: [UInt8], declaredSize: Int? = nil) -> [UInt8] {
        // RIFF pads an odd-sized chunk with one byte that its size does not count.
        Array(id.utf8) + le32(declaredSize ?? body.count) + body + (body.count.isMultiple(of: 2) ? [] : [0])
    }

    static func fmt(format: Int, channels: Int = 1, rate: Int, bits: Int) -> [UInt8] {
        let blockAlign = channels * bits / 8
        return chunk("fmt ", le16(format) + le16(channels) + le32(rate) + le32(rate * blockAlign) + le16(blockAlign) + le16(bits))
    }

    static func riff(_ chunks: [UInt8]) -> [UInt8] {
        Array("RIFF".utf8) + le32(4 + chunks.count) + Array("WAVE".utf8) + chunks
    }

    static func wav(format: Int, rate: Int, data: [UInt8]) -> [UInt8] {
        riff(fmt(format: format, rate: rate, bits: format == 1 ? 16 : 8) + chunk("data", data))
    }

    /// 8 kHz mono mu-law, optionally with a `LIST` chunk of odd length before the data.
    static func muLaw(_ samples: [UInt8], extraChunk: Bool = false, declaredDataSize: Int? = nil) -> [UInt8] {
        let list = extraChunk ? chunk("LIST", Array("INFOISFT\u{5}\0\0\0Lavf5".utf8)) : []
        return riff(fmt(format: 7, rate: 8000, bits: 8) + list + chunk("data", samples, declaredSize: declaredDataSize))
    }
}

@Suite struct WAVContainerTests {
    @Test func findsTheDataChunkPastOtherChunks() throws {
        let samples: [UInt8] = Array(0..<101)
        let wav = try WAVContainer(parsing: WAVFixtures.muLaw(samples, extraChunk: true))
        #expect(wav.samples == samples)
        #expect(wav.formatTag == WAVContainer.muLawFormat)
        #expect(wav.channels == 1 && wav.sampleRate == 8000 && wav.bitsPerSample == 8)
    }

    /// Streaming writers put 0 or 0xFFFFFFFF where the data's length goes.
    @Test(arguments: [0, 0xFFFF_FFFF])
    func anUnknownDataLengthMeansToTheEnd(declared: Int) throws {
        let samples: [UInt8] = [1, 2, 3, 4]
        #expect(try WAVContainer(parsing: WAVFixtures.muLaw(samples, declaredDataSize: declared)).samples == samples)
    }

    @Test func brokenFilesAreNamed() {
        #expect(throws: WAVError.notRIFFWAVE) { try WAVContainer(parsing: Array("RIFF....AVI ".utf8)) }
        #expect(throws: WAVError.missingData) {
            try WAVContainer(parsing: WAVFixtures.riff(WAVFixtures.fmt(format: 7, rate: 8000, bits: 8)))
        }
        #expect(throws: WAVError.missingFormat) { try WAVContainer(parsing: WAVFixtures.riff(WAVFixtures.chunk("data", [1, 2]))) }
        #expect(!WAVContainer.isWAV([0xFF, 0x7F]))
    }
}
