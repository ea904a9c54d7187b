import CallTrace
import DialerServices
import Foundation
import Logging
import Testing

/// Traces are off unless an OTLP endpoint is set, and a call's trace is named by its attempt.
@Suite struct TraceExportTests {
    @Test func withoutAnEndpointNothingIsInstalledAndSpansRecordNothing() async throws {
        let service = try TraceExport.start(serviceName: "dialer-worker", environment: ["OTEL_SERVICE_NAME": "x"], logger: Logger(label: "test"))
        #expect(service == nil)
        #expect(!CallTrace.isEnabled)
        let recorded = await CallTrace.withSpan("place_call", attempt: UUID()) { span in span.isRecording }
        #expect(!recorded)
    }

    @Test func aCallsTraceIsItsAttemptIdAndItsSpansShareOneParent() {
        let attempt = UUID(uuidString: "3F2504E0-4F89-11D3-9A0C-0305E82C3301")!
        #expect(CallTrace.traceparent(attempt: attempt) == "00-3f2504e04f8911d39a0c0305e82c3301-9a0c0305e82c3301-01")
        // The nil UUID is no valid trace id, but its parent must still be a valid span id.
        #expect(CallTrace.traceparent(attempt: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))).hasSuffix("-0000000000000001-01"))
    }
}
