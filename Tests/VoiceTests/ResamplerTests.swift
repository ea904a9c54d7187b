import Foundation
import Testing
import Voice

@Suite struct ResamplerTests {
    @Test(arguments: [
        (22_050, 8_000, 22_050, 8_000),
        (22_050, 8_000, 1_000, 363),  // 362.8…, rounded up
        (8_000, 16_000, 160, 320),
        (16_000, 8_000, 161, 81),
        (8_000, 8_000, 123, 123),
        (22_050, 16_000, 441, 320),
    ])
    func outputHasTheExpectedLength(inputRate: Int, outputRate: Int, inputLength: Int, expected: Int) {
        let input = TestSignals.tone(hz: 300, seconds: Double(inputLength) / Double(inputRate), rate: inputRate)
        #expect(input.count == inputLength)
        #expect(Resampler.resample(input, from: inputRate, to: outputRate).count == expected)
        #expect(Resampler(from: inputRate, to: outputRate).outputLength(forInputLength: inputLength) == expected)
    }

    /// A 440 Hz tone keeps its pitch (zero crossings and Goertzel) and its level.
    @Test(arguments: [(22_050, 8_000), (8_000, 16_000), (16_000, 8_000), (22_050, 16_000)])
    func aToneKeepsItsFrequencyAndAmplitude(inputRate: Int, outputRate: Int) {
        let input = TestSignals.tone(hz: 440, seconds: 1, rate: inputRate, amplitude: 10_000)
        let output = Resampler.resample(input, from: inputRate, to: outputRate)
        // Away from the edges, where the filter sees the silence around the signal.
        let middle = Array(output[(outputRate / 10)..<(outputRate * 9 / 10)])
        let crossings = TestSignals.zeroCrossings(middle)
        #expect(abs(crossings - 704) <= 2, "0.8 s of 440 Hz crosses zero 704 times, got \(crossings)")
        #expect(abs(TestSignals.amplitude(at: 440, in: middle, rate: outputRate) - 10_000) < 100)
        #expect(abs(TestSignals.rms(middle) - 10_000 / 2.0.squareRoot()) < 70)
    }

    @Test func thePassBandIsFlatUpToTelephoneBandwidth() {
        for hz in [100.0, 1_000, 3_000, 3_400] {
            let input = TestSignals.tone(hz: hz, seconds: 0.5, rate: 22_050, amplitude: 10_000)
            let output = Array(Resampler.resample(input, from: 22_050, to: 8_000)[400..<3600])
            let amplitude = TestSignals.amplitude(at: hz, in: output, rate: 8_000)
            #expect(abs(amplitude - 10_000) < 250, "\(hz) Hz came out at \(amplitude)")
        }
    }

    /// 6 kHz is above 8 kHz's Nyquist frequency: decimating without a filter would fold it to
    /// 2 kHz at full strength; the filter must remove it.
    @Test func anAliasIsFilteredOutWhenDownsampling() {
        let input = TestSignals.tone(hz: 6_000, seconds: 1, rate: 22_050, amplitude: 10_000)
        let output = Array(Resampler.resample(input, from: 22_050, to: 8_000)[800..<7200])
        let attenuationDb = 20 * log10(TestSignals.rms(output) / (10_000 / 2.0.squareRoot()))
        #expect(attenuationDb < -60, "6 kHz leaked at \(attenuationDb) dB")

        // The same tone picked every 22050/8000th sample keeps its full strength, as an
        // alias around 2 kHz: what the filter prevents.
        let naive = (0..<8_000).map { input[$0 * 22_050 / 8_000] }
        #expect(TestSignals.rms(naive) > 6_000)
    }

    /// Upsampling must not leave a mirror image above the old Nyquist frequency.
    @Test func upsamplingLeavesNoImage() {
        let input = TestSignals.tone(hz: 1_000, seconds: 0.5, rate: 8_000, amplitude: 10_000)
        let output = Array(Resampler.resample(input, from: 8_000, to: 16_000)[800..<7200])
        #expect(TestSignals.amplitude(at: 7_000, in: output, rate: 16_000) < 10)
        #expect(abs(TestSignals.amplitude(at: 1_000, in: output, rate: 16_000) - 10_000) < 100)
    }

    @Test func aSteadyLevelStaysSteady() {
        let output = Resampler.resample(Array(repeating: 1000, count: 4410), from: 22_050, to: 8_000)
        #expect(output[100..<(output.count - 100)].allSatisfy { abs(Int($0) - 1000) <= 1 })
    }

    @Test(arguments: [(22_050, 8_000), (8_000, 16_000), (16_000, 8_000)])
    func streamingInChunksGivesTheSameSamplesAsOneCall(inputRate: Int, outputRate: Int) {
        let input = TestSignals.mix(
            TestSignals.tone(hz: 440, seconds: 0.7, rate: inputRate),
            TestSignals.noise(seconds: 0.7, rms: 2000, rate: inputRate)
        )
        let whole = Resampler.resample(input, from: inputRate, to: outputRate)

        var resampler = Resampler(from: inputRate, to: outputRate)
        var streamed: [Int16] = []
        let sizes = [1, 7, 160, 441, 0, 3, 1000]
        var start = 0
        var chunk = 0
        while start < input.count {
            let end = min(input.count, start + sizes[chunk % sizes.count])
            streamed += resampler.process(input[start..<end])
            start = end
            chunk += 1
        }
        streamed += resampler.finish()
        #expect(streamed == whole)

        // finish() starts a new stream: the same input again gives the same output.
        #expect(resampler.process(input) + resampler.finish() == whole)
    }
}
