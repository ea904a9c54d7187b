import Foundation

/// Converts 16-bit audio from one sample rate to another: espeak-ng's 22,050 Hz to the
/// telephone's 8,000 Hz, or a call's 8,000 Hz to the 16,000 Hz PocketSphinx models expect.
///
/// A polyphase windowed-sinc (Kaiser) filter at the exact rational ratio of the two rates:
/// the low-pass keeps everything up to 90 % of the lower rate's Nyquist frequency (3.6 kHz
/// for telephone audio) and removes at least 80 dB above it, so a 6 kHz hiss in the
/// synthesizer's output does not fold back as a 2 kHz whistle on the call, and upsampled
/// audio carries no mirror image above 4 kHz for the recognizer to hear.
///
/// The output is aligned with the input (no filter delay) and holds exactly
/// `ceil(count × outputRate / inputRate)` samples. It is a stream: ``process(_:)`` returns
/// what the input so far determines (it holds back about 6 ms, half the filter), and
/// ``finish()`` returns the rest and starts a new stream, so feeding a signal in chunks
/// gives the same samples as ``resample(_:from:to:)`` in one call.
public struct Resampler: Sendable {
    public let inputRate: Int
    public let outputRate: Int

    /// The ratio in lowest terms: `upFactor` outputs for every `downFactor` inputs.
    private let upFactor: Int
    private let downFactor: Int
    /// Taps each side of an output's position, in input samples.
    private let halfLength: Int
    /// `upFactor` rows of `2 × halfLength` taps, one row per fractional position.
    private let taps: [Float]

    /// Input from absolute index `historyStart` on; indices below 0 are the silence before
    /// the stream (stored as zeros so the first outputs need no special case).
    private var history: [Float]
    private var historyStart: Int
    private var inputCount = 0
    private var outputCount = 0

    /// Kaiser design targets: the pass band ends this fraction of the lower Nyquist
    /// frequency below it, and the stop band, from that Nyquist frequency up, is this
    /// many dB down. 80 dB puts aliases below mu-law's own quantization noise.
    private static let transitionFraction = 0.1
    private static let stopbandAttenuation = 80.0

    /// A resampler for one stream. Building one designs its filter (a few thousand
    /// coefficients), so keep one per rate pair and copy it, or ``reset()`` it, per stream.
    public init(from inputRate: Int, to outputRate: Int) {
        precondition(inputRate > 0 && outputRate > 0, "Resampler: rates must be positive")
        let divisor = Self.greatestCommonDivisor(inputRate, outputRate)
        let upFactor = outputRate / divisor
        let downFactor = inputRate / divisor
        // The table has one row per output phase; rates the dialer meets (8, 16, 22.05,
        // 24, 44.1, 48 kHz) need at most a few hundred.
        precondition(upFactor <= 4096, "Resampler: \(inputRate) → \(outputRate) Hz needs too many filter phases")

        let nyquist = Double(min(inputRate, outputRate)) / 2
        let transition = nyquist * Self.transitionFraction
        let cutoff = nyquist - transition / 2
        // Kaiser's estimate of the length for this attenuation and transition, in seconds
        // (it does not depend on the rate), then in input samples.
        let seconds = (Self.stopbandAttenuation - 7.95) / (2.285 * 2 * Double.pi * transition)
        let halfLength = max(2, Int((seconds * Double(inputRate) / 2).rounded(.up)))
        let beta = 0.1102 * (Self.stopbandAttenuation - 8.7)

        self.inputRate = inputRate
        self.outputRate = outputRate
        self.upFactor = upFactor
        self.downFactor = downFactor
        self.halfLength = halfLength
        self.taps = Self.designTaps(
            phases: upFactor,
            halfLength: halfLength,
            cutoff: cutoff / Double(inputRate),
            beta: beta
        )
        self.history = Array(repeating: 0, count: halfLength)
        self.historyStart = -halfLength
    }

    /// Resamples a whole signal in one call.
    public static func resample(_ samples: [Int16], from inputRate: Int, to outputRate: Int) -> [Int16] {
        guard inputRate != outputRate else { return samples }
        var resampler = Resampler(from: inputRate, to: outputRate)
        return resampler.process(samples) + resampler.finish()
    }

    /// How many samples a whole signal of `inputLength` samples becomes.
    public func outputLength(forInputLength inputLength: Int) -> Int {
        (inputLength * upFactor + downFactor - 1) / downFactor
    }

    /// Takes the next chunk of the stream and returns every output sample it completes.
    public mutating func process(_ samples: some Collection<Int16>) -> [Int16] {
        history.reserveCapacity(history.count + samples.count)
        for sample in samples {
            history.append(Float(sample))
        }
        inputCount += samples.count
        var output: [Int16] = []
        output.reserveCapacity(samples.count * upFactor / downFactor + 1)
        // An output needs input up to `halfLength` past its position.
        while inputPosition(ofOutput: outputCount) + halfLength < inputCount {
            output.append(nextOutput())
        }
        discardConsumedHistory()
        return output
    }

    /// Ends the stream: returns the outputs still owed (the input's last few milliseconds,
    /// filtered as if silence followed) and resets, ready for a new stream.
    public mutating func finish() -> [Int16] {
        let total = outputLength(forInputLength: inputCount)
        history.append(contentsOf: repeatElement(0, count: halfLength))
        var output: [Int16] = []
        output.reserveCapacity(max(0, total - outputCount))
        while outputCount < total {
            output.append(nextOutput())
        }
        reset()
        return output
    }

    /// Forgets the stream so far, as if the resampler were new.
    public mutating func reset() {
        history = Array(repeating: 0, count: halfLength)
        historyStart = -halfLength
        inputCount = 0
        outputCount = 0
    }

    /// The input sample at or before output `index`'s instant.
    private func inputPosition(ofOutput index: Int) -> Int {
        index * downFactor / upFactor
    }

    private mutating func nextOutput() -> Int16 {
        let product = outputCount * downFactor
        let position = product / upFactor
        let phase = product % upFactor
        let width = 2 * halfLength
        let first = position - halfLength + 1 - historyStart
        var sum: Float = 0
        taps.withUnsafeBufferPointer { taps in
            history.withUnsafeBufferPointer { history in
                let row = phase * width
                for k in 0..<width {
                    sum += taps[row + k] * history[first + k]
                }
            }
        }
        outputCount += 1
        return Int16(max(-32768, min(32767, sum.rounded())))
    }

    /// Drops input no future output can reach, so a long stream holds one filter's worth.
    private mutating func discardConsumedHistory() {
        let needed = inputPosition(ofOutput: outputCount) - halfLength + 1
        let drop = min(needed - historyStart, history.count)
        if drop > 0 {
            history.removeFirst(drop)
            historyStart += drop
        }
    }

    /// Row `p` holds the kernel sampled for an output `p / phases` of an input sample past
    /// an input; tap `k` multiplies input `position - halfLength + 1 + k`.
    private static func designTaps(phases: Int, halfLength: Int, cutoff: Double, beta: Double) -> [Float] {
        let width = 2 * halfLength
        let besselBeta = besselI0(beta)
        var taps = [Float](repeating: 0, count: phases * width)
        var row = [Double](repeating: 0, count: width)
        for phase in 0..<phases {
            let fraction = Double(phase) / Double(phases)
            var sum = 0.0
            for k in 0..<width {
                let t = fraction + Double(halfLength - 1 - k)
                let x = t / Double(halfLength)
                let window = abs(x) >= 1 ? 0 : besselI0(beta * (1 - x * x).squareRoot()) / besselBeta
                row[k] = 2 * cutoff * sinc(2 * cutoff * t) * window
                sum += row[k]
            }
            // Unit gain at 0 Hz in every phase; otherwise the phases' tiny gain differences
            // would modulate a steady level into a tone at the input rate.
            for k in 0..<width {
                taps[phase * width + k] = Float(row[k] / sum)
            }
        }
        return taps
    }

    private static func sinc(_ x: Double) -> Double {
        x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x)
    }

    /// The zeroth-order modified Bessel function of the first kind, by its power series.
    private static func besselI0(_ x: Double) -> Double {
        var sum = 1.0
        var term = 1.0
        var k = 1.0
        while term > sum * 1e-12 {
            let half = x / (2 * k)
            term *= half * half
            sum += term
            k += 1
        }
        return sum
    }

    private static func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}
