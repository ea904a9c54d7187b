import CallTrace
import Foundation
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// OpenTelemetry traces out of a long-lived process, when the standard
/// `OTEL_EXPORTER_OTLP_ENDPOINT` is set: OTLP over HTTP (`http/protobuf` by default,
/// `OTEL_EXPORTER_OTLP_PROTOCOL=http/json` too), every other `OTEL_*` variable as the
/// specification has it (service name, headers, batching, sampler). Unset, nothing is
/// installed and spans cost what the no-op tracer's do.
///
/// Only traces: the process's logs and metrics have their own systems (standard error,
/// `/metrics`), which the exporter must not bootstrap a second time.
public enum TraceExport {
    /// Installs the tracer and returns the service that exports its spans, to run first in the
    /// process's `ServiceGroup` (so it stops last and flushes what the others ended); nil when
    /// no endpoint is set. Once per process.
    public static func start(
        serviceName: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger
    ) throws -> (any Service)? {
        guard let endpoint = environment["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"],
            !endpoint.isEmpty
        else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        configuration.traces.batchSpanProcessor.scheduleDelay = .seconds(2)
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        CallTrace.enable()
        logger.info("exporting traces", metadata: ["endpoint": "\(Self.redacted(endpoint))", "service": "\(serviceName)"])
        return backend.service
    }

    /// An endpoint for a log line: scheme, host and port (a URL's user info or query could hold
    /// a credential).
    static func redacted(_ endpoint: String) -> String {
        guard let url = URL(string: endpoint), let host = url.host else { return "(unparsable)" }
        return "\(url.scheme ?? "http")://\(host)\(url.port.map { ":\($0)" } ?? "")"
    }
}
