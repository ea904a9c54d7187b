import Foundation
import Synchronization
import Tracing

/// One trace per call, whichever processes touch it: the worker that places it, the webhook
/// services that take its callbacks and hold its media stream, the worker that writes its Task.
///
/// No header carries the trace between them; the ids the call already carries do. The trace id
/// is the call's attempt id (a UUID is 16 bytes, as a trace id is), which is in every callback
/// URL and on every row of the call; each process's spans of the call are children of one
/// parent span whose id is made from the same bytes, never exported, so a tracing UI shows them
/// together under the call.
///
/// Off until a process installs a tracer and calls ``enable()`` (`OTEL_EXPORTER_OTLP_ENDPOINT`
/// set): then nothing is built for a trace, and spans are the no-op tracer's.
public enum CallTrace {
    private static let enabled = Atomic<Bool>(false)

    /// Whether spans are exported: work done only for traces (a query for ids) is skipped otherwise.
    public static var isEnabled: Bool { enabled.load(ordering: .relaxed) }

    /// Called once a tracer is installed (`InstrumentationSystem.bootstrap`).
    public static func enable() { enabled.store(true, ordering: .relaxed) }

    /// The W3C `traceparent` of the call's trace: version 00, the attempt's bytes as the trace
    /// id, its last 8 as the parent span id, sampled.
    public static func traceparent(attempt: UUID) -> String {
        let hex = attempt.uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        var parent = String(hex.suffix(16))
        // An all-zero id is invalid (the nil UUID's): any other fixed one will do.
        if parent == String(repeating: "0", count: 16) { parent = "0000000000000001" }
        return "00-\(hex)-\(parent)-01"
    }

    /// The context whose spans belong to the call of `attempt`.
    public static func context(attempt: UUID, base: ServiceContext = .current ?? .topLevel) -> ServiceContext {
        var context = base
        InstrumentationSystem.instrument.extract(["traceparent": traceparent(attempt: attempt)], into: &context, using: HeaderExtractor())
        return context
    }

    /// Runs `body` in a span of the call's trace; without an attempt, or with tracing off, in
    /// a span that records nothing.
    public static func withSpan<T>(
        _ name: String,
        attempt: UUID?,
        ofKind kind: SpanKind = .internal,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (any Span) async throws -> T
    ) async rethrows -> T {
        guard isEnabled, let attempt else { return try await body(NoOpTracer.NoOpSpan(context: .topLevel)) }
        return try await Tracing.withSpan(name, context: context(attempt: attempt), ofKind: kind, isolation: isolation, body)
    }

    /// A span of the call's trace that the caller ends (a media stream's, open while the call
    /// talks), started `at` (a batch's start, for a span recorded once the batch is written).
    public static func startSpan(
        _ name: String,
        attempt: UUID?,
        ofKind kind: SpanKind = .internal,
        at instant: DefaultTracerClock.Instant = DefaultTracerClock.now
    ) -> any Span {
        guard isEnabled, let attempt else { return NoOpTracer.NoOpSpan(context: .topLevel) }
        return Tracing.startSpan(name, at: instant, context: context(attempt: attempt), ofKind: kind)
    }
}

/// Reads the one header the call's context is made of.
struct HeaderExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}
