import Foundation
import PostgresNIO
import Sandbox
import Store
import TestSupport
import Testing

@testable import DialerLab

/// Traces out of real `dialer worker` and `dialer serve` processes, received by an OTLP/HTTP
/// receiver of the test's own: one trace per call, across both processes.
@Suite(.runsAlone("child processes: a worker and a webhook service with conversations, exporting traces"))
struct CallTraceTests {
    @Test func everyCallIsOneTraceFromItsPlaceCallThroughItsWebhooksAndStreamToItsTask() async throws {
        try await withWebhookReceiver { collector in
            try await TestDatabase.withFresh { db, url in
                var settings = SandboxedDialer.Settings(contacts: 3, rate: 5)
                settings.outcomeMix = [.init(.human, weight: 2), .init(.busy, weight: 1)]
                settings.environment = [
                    "OTEL_EXPORTER_OTLP_ENDPOINT": collector.baseURL, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                    "OTEL_BSP_SCHEDULE_DELAY": "200",
                ]
                try await SandboxedDialer.with(settings, url: url, logger: TestDatabase.testLogger) { stack in
                    let processes = stack.processes([SandboxedDialer.worker("worker"), stack.serve()])
                    try processes.startAll()
                    _ = try await SandboxedDialer.createCampaign(url: url, name: "traced", rate: 5, logger: TestDatabase.testLogger)
                    let settled = try await eventually(timeout: .seconds(120)) {
                        try await db.scalar(
                            """
                            SELECT (SELECT count(*) FROM dialer.contacts WHERE outcome IS NULL AND skip_reason IS NULL) = 0
                               AND (SELECT count(*) FROM dialer.contacts) = 3
                               AND (SELECT count(*) FROM dialer.calls WHERE ended_at IS NOT NULL)
                                   = (SELECT count(*) FROM dialer.task_syncs WHERE state = 'synced')
                            """,
                            as: Bool.self
                        )
                    }
                    // SIGTERM: each process exports what it has before it exits.
                    await processes.stopAll(grace: .seconds(20))
                    try #require(settled, "the campaign did not settle; logs in \(stack.directory)")
                }
                let calls = try await db.rows(
                    "SELECT attempt_id, call_sid, (SELECT count(*) FROM dialer.media_streams m WHERE m.call_sid = c.call_sid)::int FROM dialer.calls c",
                    as: (UUID, String, Int).self
                )
                let spans = try collector.requests.filter { $0.path == "/v1/traces" }.flatMap { try ExportedSpan.decode($0.body) }
                // A seeded contact may be skipped (no number a zone can be read from): two calls at least.
                #expect(calls.count >= 2 && calls.contains { $0.2 > 0 }, "\(calls)")
                for (attempt, sid, streams) in calls {
                    let trace = spans.filter { $0.traceID == attempt }
                    let names = Set(trace.map(\.name))
                    var expected: Set<String> = ["place_call", "twilio.status", "salesforce.task"]
                    if streams > 0 { expected.formUnion(["twilio.voice", "media_stream"]) }
                    #expect(names.isSuperset(of: expected), "\(sid): \(names.sorted())")
                    // Each span where it ran: the call's worker and webhook service.
                    #expect(trace.filter { ["place_call", "salesforce.task"].contains($0.name) }.allSatisfy { $0.service == "dialer-worker" })
                    #expect(trace.filter { $0.name.hasPrefix("twilio.") || $0.name == "media_stream" }.allSatisfy { $0.service == "dialer-serve" })
                    // All under the call's one (never exported) parent, whichever process made them.
                    #expect(Set(trace.compactMap(\.parentSpanID)).count == 1, "\(sid): \(trace)")
                    #expect(trace.first { $0.name == "place_call" }?.attributes["twilio.call_sid"] == sid)
                }
                // Nothing else is traced: every span is a call's.
                #expect(
                    Set(spans.compactMap(\.traceID)).isSubset(of: Set(calls.map(\.0))),
                    "\(spans.filter { span in !calls.contains { $0.0 == span.traceID } })"
                )
            }
        }
    }
}

/// A span as an OTLP/HTTP JSON export carries it (protobuf's JSON mapping: ids in base64,
/// 64-bit numbers as strings), with its process's `service.name`.
struct ExportedSpan: CustomStringConvertible {
    let traceID: UUID?
    let parentSpanID: Data?
    let name: String
    let service: String
    let attributes: [String: String]

    var description: String { "\(name)@\(service)" }

    struct Request: Decodable {
        struct ResourceSpans: Decodable {
            let resource: Resource?
            let scopeSpans: [ScopeSpans]?
        }
        struct Resource: Decodable { let attributes: [KeyValue]? }
        struct ScopeSpans: Decodable { let spans: [Span]? }
        struct Span: Decodable {
            let traceId: Data
            let parentSpanId: Data?
            let name: String
            let attributes: [KeyValue]?
        }
        struct KeyValue: Decodable {
            struct Value: Decodable {
                let stringValue: String?
                let intValue: String?
            }
            let key: String
            let value: Value
        }
        let resourceSpans: [ResourceSpans]
    }

    static func decode(_ body: String) throws -> [ExportedSpan] {
        let request = try JSONDecoder().decode(Request.self, from: Data(body.utf8))
        func values(_ pairs: [Request.KeyValue]?) -> [String: String] {
            Dictionary((pairs ?? []).map { ($0.key, $0.value.stringValue ?? $0.value.intValue ?? "") }, uniquingKeysWith: { first, _ in first })
        }
        return request.resourceSpans.flatMap { resource in
            let service = values(resource.resource?.attributes)["service.name"] ?? "?"
            return (resource.scopeSpans ?? []).flatMap { $0.spans ?? [] }.map { span in
                ExportedSpan(
                    traceID: span.traceId.count == 16 ? span.traceId.withUnsafeBytes { UUID(uuid: $0.load(as: uuid_t.self)) } : nil,
                    parentSpanID: span.parentSpanId,
                    name: span.name,
                    service: service,
                    attributes: values(span.attributes)
                )
            }
        }
    }
}
