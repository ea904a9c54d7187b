import Foundation

/// How much of a turn's speech a recognizer's words account for: the embedded
/// recognizer's confidence.
///
/// A recognizer restricted to a few phrases always picks one, and its posterior is then
/// near 1 whatever was said; what gives it away is that it explains the rest of the speech
/// as silence ("maybe later" becomes a short "no" in a long pause). So the confidence is
/// the share of speech frames (10 ms, the decoder's frame rate) inside recognized words.
enum SpeechCoverage {
    /// Speech is what rises well above the turn's quiet part and is within reach of its
    /// loudest frame (a phone line's noise floor is rarely 35 dB below speech peaks).
    private static let aboveFloorDb = 12.0
    private static let belowPeakDb = 35.0
    private static let minimumLevelDb = -55.0
    /// A word accounts for speech a little beyond its aligned frames: on 8 kHz audio a
    /// final "s" or "t" has lost the energy above 4 kHz the model knows it by, and is
    /// aligned as silence though it is plainly part of the word.
    private static let leadFrames = 5
    private static let tailFrames = 15

    /// The fraction, 0...1, of `samples`' speech frames that fall in `words` (decoder
    /// frame ranges); 1 when there is no clear speech to judge by.
    static func fraction(of samples: [Int16], sampleRate: Int, coveredBy words: [ClosedRange<Int>]) -> Double {
        let frameLength = max(1, sampleRate / 100)
        let levels = stride(from: 0, to: samples.count - frameLength + 1, by: frameLength).map { start in
            var sum = 0.0
            for sample in samples[start..<(start + frameLength)] {
                sum += Double(sample) * Double(sample)
            }
            return decibels(power: sum / Double(frameLength) / (32768.0 * 32768.0))
        }
        guard let peak = levels.max() else { return 1 }
        let floor = levels.sorted()[levels.count / 10]
        let threshold = max(floor + aboveFloorDb, peak - belowPeakDb, minimumLevelDb)
        let speech = levels.indices.filter { levels[$0] >= threshold }
        guard !speech.isEmpty else { return 1 }
        let reach = words.map { ($0.lowerBound - leadFrames)...($0.upperBound + tailFrames) }
        let covered = speech.filter { frame in reach.contains { $0.contains(frame) } }
        return Double(covered.count) / Double(speech.count)
    }
}
