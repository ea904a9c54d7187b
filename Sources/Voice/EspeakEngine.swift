import CEspeakNG
import Foundation

/// espeak-ng itself: one per process, because the library keeps its voice, its parameters
/// and its synthesis callback in global state and is not thread-safe.
///
/// Every use goes through ``shared``, one synthesis at a time. Nothing else in the process
/// may call espeak-ng. The library is initialized on first use, in synchronous mode, with a
/// callback that copies each block of samples into the current request's collector.
actor EspeakEngine {
    static let shared = EspeakEngine()

    /// Syntheses block for a long time: off the cooperative pool (see ``BlockingWorkExecutor``).
    private let executor = BlockingWorkExecutor(label: "dialer.espeak-ng")
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// espeak-ng's output rate once initialized (22,050 Hz for its own voices).
    private var sampleRate: Int?
    /// What espeak-ng is set to, so repeated requests with the same voice skip reloading it.
    private var currentVoice: String?
    private var currentParameters: [espeak_PARAMETER.RawValue: Int32] = [:]

    /// Synthesizes `text` with the given voice settings; returns 16-bit samples at
    /// espeak-ng's own rate.
    func synthesize(_ text: String, voice: String, wordsPerMinute: Int, pitch: Int) throws -> (samples: [Int16], sampleRate: Int) {
        let sampleRate = try initialize()
        try select(voice: voice)
        try set(espeakRATE, to: wordsPerMinute)
        try set(espeakPITCH, to: pitch)

        let collector = SampleCollector()
        let status = withExtendedLifetime(collector) {
            text.withCString { text in
                espeak_Synth(
                    text,
                    strlen(text) + 1,
                    0,
                    POS_CHARACTER,
                    0,
                    UInt32(espeakCHARS_UTF8),
                    nil,
                    Unmanaged.passUnretained(collector).toOpaque()
                )
            }
        }
        guard status == EE_OK else {
            throw EspeakError.synthesisFailed(code: Int(status.rawValue))
        }
        return (collector.samples, sampleRate)
    }

    private func initialize() throws -> Int {
        if let sampleRate { return sampleRate }
        // DONT_EXIT: without it a missing espeak-ng-data directory ends the process.
        let rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nil, espeakINITIALIZE_DONT_EXIT)
        guard rate > 0 else { throw EspeakError.unavailable }
        espeak_SetSynthCallback(collectSamples)
        sampleRate = Int(rate)
        return Int(rate)
    }

    private func select(voice: String) throws {
        guard voice != currentVoice else { return }
        guard espeak_SetVoiceByName(voice) == EE_OK else {
            throw EspeakError.unknownVoice(voice)
        }
        currentVoice = voice
    }

    private func set(_ parameter: espeak_PARAMETER, to value: Int) throws {
        let value = Int32(clamping: value)
        guard currentParameters[parameter.rawValue] != value else { return }
        guard espeak_SetParameter(parameter, value, 0) == EE_OK else {
            throw EspeakError.synthesisFailed(code: -1)
        }
        currentParameters[parameter.rawValue] = value
    }
}

/// Why espeak-ng could not speak.
public enum EspeakError: Error, Sendable, Equatable {
    /// espeak-ng could not initialize (most likely its espeak-ng-data is not installed).
    case unavailable
    /// espeak-ng has no voice by this name (`espeak-ng --voices` lists them).
    case unknownVoice(String)
    /// espeak-ng refused the request, with its error code.
    case synthesisFailed(code: Int)
}

/// The samples of one request, filled by ``collectSamples`` while `espeak_Synth` runs.
private final class SampleCollector {
    var samples: [Int16] = []
}

/// espeak-ng's synthesis callback: a C function, so it finds the request's collector
/// through the `user_data` every event carries (the list always holds at least its
/// terminator). Returning 0 lets synthesis go on.
private func collectSamples(
    _ samples: UnsafeMutablePointer<Int16>?,
    _ count: Int32,
    _ events: UnsafeMutablePointer<espeak_EVENT>?
) -> Int32 {
    guard let events, let userData = events.pointee.user_data else { return 0 }
    let collector = Unmanaged<SampleCollector>.fromOpaque(userData).takeUnretainedValue()
    if let samples, count > 0 {
        collector.samples.append(contentsOf: UnsafeBufferPointer(start: samples, count: Int(count)))
    }
    return 0
}
