import Foundation
import Testing
import Voice

@Suite struct MuLawTests {
    /// Values of the G.711 mu-law expansion (ITU-T G.191 `ulaw_expand`, 16-bit output).
    @Test func decodesTheReferenceValues() {
        let reference: [UInt8: Int16] = [
            0x00: -32124, 0x01: -31100, 0x0F: -16764, 0x10: -15996, 0x70: -120, 0x7D: -16, 0x7E: -8, 0x7F: 0,
            0x80: 32124, 0x81: 31100, 0x8F: 16764, 0x90: 15996, 0xF0: 120, 0xFD: 16, 0xFE: 8, 0xFF: 0,
        ]
        for (code, value) in reference {
            #expect(MuLaw.decode(code) == value, "code \(code)")
        }
        #expect(MuLaw.decodeTable.count == 256)
    }

    @Test func encodesTheReferenceValues() {
        #expect(MuLaw.encode(0) == 0xFF)
        // Negative samples quantize by their one's complement: -1 is "negative zero".
        #expect(MuLaw.encode(-1) == 0x7F)
        #expect(MuLaw.encode(-4) == 0x7F)
        #expect(MuLaw.encode(8) == 0xFE)
        #expect(MuLaw.encode(-8) == 0x7E)
        #expect(MuLaw.encode(32124) == 0x80)
        #expect(MuLaw.encode(-32124) == 0x00)
        // Beyond the outermost level it saturates.
        #expect(MuLaw.encode(.max) == 0x80)
        #expect(MuLaw.encode(.min) == 0x00)
    }

    @Test func everyCodeSurvivesARoundTripExceptNegativeZero() {
        for code in UInt8.min...UInt8.max where code != 0x7F {
            #expect(MuLaw.encode(MuLaw.decode(code)) == code, "code \(code)")
        }
        #expect(MuLaw.encode(MuLaw.decode(0x7F)) == 0xFF)
    }

    @Test func theTwoHalvesMirrorEachOther() {
        for code in UInt8(0)...0x7F {
            #expect(MuLaw.decode(code) == -MuLaw.decode(code | 0x80))
        }
    }

    @Test func decodingIsMonotonicInEachHalf() {
        for code in UInt8(0)..<0x7F {
            #expect(MuLaw.decode(code) < MuLaw.decode(code + 1))
        }
        for code in UInt8(0x80)..<0xFF {
            #expect(MuLaw.decode(code) > MuLaw.decode(code + 1))
        }
    }

    /// Encoding never reorders samples, and no sample in range moves by more than half its
    /// segment's step (plus the two low bits mu-law ignores).
    @Test func quantizationIsMonotonicAndWithinHalfAStep() {
        var previous = Int.min
        var reordered = 0
        var worstExcess = 0
        for sample in Int16.min...Int16.max {
            let code = MuLaw.encode(sample)
            let value = Int(MuLaw.decode(code))
            if value < previous { reordered += 1 }
            previous = value
            guard abs(Int(sample)) <= 32124 else { continue }
            let exponent = Int((~code >> 4) & 0x07)
            let halfStep = (8 << exponent) / 2
            worstExcess = max(worstExcess, abs(value - Int(sample)) - (halfStep + 4))
        }
        #expect(reordered == 0)
        #expect(worstExcess <= 0)
    }

    @Test func bulkConversionsMatchTheScalarOnes() {
        let samples: [Int16] = [0, -1, 1, 100, -100, 1000, -1000, 32767, -32768, 12345, -12345]
        let codes = MuLaw.encode(samples)
        #expect(codes == samples.map(MuLaw.encode))
        #expect(MuLaw.decode(codes) == codes.map(MuLaw.decode))
        // A Media Streams payload may arrive as Data or as a slice of a larger buffer.
        #expect(MuLaw.decode(Data(codes)) == MuLaw.decode(codes))
        #expect(MuLaw.decode(codes[2..<5]) == Array(MuLaw.decode(codes)[2..<5]))
        #expect(MuLaw.encode(samples[3...]) == Array(codes[3...]))

        var decoded = [Int16](repeating: 0, count: codes.count)
        codes.withUnsafeBufferPointer { input in
            decoded.withUnsafeMutableBufferPointer { MuLaw.decode(input, into: $0) }
        }
        #expect(decoded == MuLaw.decode(codes))
    }
}
