/// G.711 mu-law, the companding Twilio Media Streams carry both ways (8 kHz, one byte per
/// sample, no header).
///
/// Bit-exact with the ITU-T G.191 reference (`ulaw_compress` / `ulaw_expand`): a sample's
/// two low bits are ignored (mu-law has 14 bits of range), a negative sample is quantized by
/// its one's complement so the quantizer is symmetric (`-1` is "negative zero", `0x7F`), and
/// anything beyond ±32124 saturates to the outermost code. Decoding is a table lookup,
/// since every received frame is decoded; encoding is a handful of integer operations.
public enum MuLaw {
    /// The linear value of every code, indexed by the code: `0x00` → -32124, `0x7F` → 0,
    /// `0x80` → 32124, `0xFF` → 0.
    public static let decodeTable: [Int16] = (0...255).map { expand(UInt8($0)) }

    /// The mu-law code of one 16-bit linear sample.
    @inlinable
    public static func encode(_ sample: Int16) -> UInt8 {
        // One's complement, not negation: -32768 has no positive twin, and the reference
        // quantizes -1...-4 with 0...3 so that the two halves mirror each other.
        let negative = sample < 0
        let magnitude = Int(negative ? ~sample : sample) >> 2
        // The 33 offset turns mu-law's segments into powers of two (0x21 << segment).
        let biased = min(magnitude + 33, 0x1FFF)
        // Segment 1...8: the bit length of `biased` less 5 (biased is at least 33, 6 bits).
        let segment = (Int.bitWidth - biased.leadingZeroBitCount) - 5
        let mantissa = (biased >> segment) & 0x0F
        var code = ((8 - segment) << 4) | (0x0F - mantissa)
        if !negative { code |= 0x80 }
        return UInt8(truncatingIfNeeded: code)
    }

    /// The 16-bit linear value of one mu-law code (the middle of its quantization step).
    @inlinable
    public static func decode(_ code: UInt8) -> Int16 {
        decodeTable[Int(code)]
    }

    /// Encodes a block of samples, e.g. one 20 ms frame of agent speech.
    public static func encode(_ samples: some Collection<Int16>) -> [UInt8] {
        let fast = samples.withContiguousStorageIfAvailable { encode(buffer: $0) }
        return fast ?? Array(samples).withUnsafeBufferPointer { encode(buffer: $0) }
    }

    /// Decodes a block of codes, e.g. one Media Streams payload (`[UInt8]`, `Data`, or a slice).
    public static func decode(_ codes: some Collection<UInt8>) -> [Int16] {
        let fast = codes.withContiguousStorageIfAvailable { decode(buffer: $0) }
        return fast ?? Array(codes).withUnsafeBufferPointer { decode(buffer: $0) }
    }

    /// Encodes `samples` into `output`, which must be at least as long; no allocation.
    public static func encode(_ samples: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<UInt8>) {
        precondition(output.count >= samples.count, "MuLaw.encode: output shorter than input")
        for index in samples.indices {
            output[index] = encode(samples[index])
        }
    }

    /// Decodes `codes` into `output`, which must be at least as long; no allocation.
    public static func decode(_ codes: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<Int16>) {
        precondition(output.count >= codes.count, "MuLaw.decode: output shorter than input")
        decodeTable.withUnsafeBufferPointer { table in
            for index in codes.indices {
                output[index] = table[Int(codes[index])]
            }
        }
    }

    private static func encode(buffer: UnsafeBufferPointer<Int16>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: buffer.count) { output, count in
            encode(buffer, into: output)
            count = buffer.count
        }
    }

    private static func decode(buffer: UnsafeBufferPointer<UInt8>) -> [Int16] {
        [Int16](unsafeUninitializedCapacity: buffer.count) { output, count in
            decode(buffer, into: output)
            count = buffer.count
        }
    }

    /// G.711's expansion rule, used once to fill ``decodeTable``.
    private static func expand(_ code: UInt8) -> Int16 {
        let inverted = Int(~code)
        let exponent = (inverted >> 4) & 0x07
        let mantissa = inverted & 0x0F
        // The quantization step of segment `exponent + 1`, in 16-bit units.
        let step = 4 << (exponent + 1)
        let magnitude = (0x80 << exponent) + step * mantissa + step / 2 - 4 * 33
        return Int16(code < 0x80 ? -magnitude : magnitude)
    }
}
