import Foundation
import PostgresNIO
import Prometheus
import Queue
import Store
import Synchronization
import Worker

/// What a worker measures, served by its `GET /metrics` (`dialer worker --metrics-port`): the
/// jobs it claims and finishes by kind, the rate slots it waits for, Twilio's and Salesforce's
/// answers, and, read from Postgres at each scrape, the queue's due jobs and their age by kind
/// and the Task syncs pending and failed (those are the database's, the same from any worker).
///
/// Labels are bounded: job kinds are the handlers', outcomes five words, statuses HTTP codes.
public final class WorkerMetrics: JobObserver, DialingObserver, Sendable {
    public let registry: PrometheusCollectorRegistry
    let database: Database
    /// Kinds seen in the queue before: a kind whose jobs are all done reads 0, not its last value.
    private let kindsSeen = Mutex<Set<String>>([])

    public init(database: Database, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.database = database
        self.registry = registry
    }

    static let durationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2.5), .seconds(5), .seconds(15), .seconds(60),
    ]

    public func claimed(kind: String, count: Int) {
        registry.makeCounter(descriptor: Self.descriptor("jobs_claimed", unit: "total", "Jobs claimed, by kind."), labels: [("kind", kind)])
            .increment(by: Int64(count))
    }

    public func finished(kind: String, outcome: String, duration: Duration) {
        registry.makeCounter(
            descriptor: Self.descriptor(
                "jobs_finished",
                unit: "total",
                "Job runs ended, by kind and outcome (completed, snoozed, cancelled, failed, released, lost)."
            ),
            labels: [("kind", kind), ("outcome", outcome)]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Self.descriptor("job_duration", unit: "seconds", "How long one run of a job took, by kind."),
            labels: [("kind", kind)],
            buckets: Self.durationBuckets
        ).record(duration)
    }

    public func slotReserved(latency: Duration) {
        registry.makeDurationHistogram(
            descriptor: Self.descriptor("rate_slot_reserve", unit: "seconds", "Round trips to reserve a rate slot."),
            labels: [],
            buckets: Self.durationBuckets
        ).record(latency)
    }

    public func callPosted(late: Duration) {
        registry.makeDurationHistogram(
            descriptor: Self.descriptor("call_post_late", unit: "seconds", "How late after its rate slot a call's create was sent."),
            labels: [],
            buckets: Self.durationBuckets
        ).record(max(late, .zero))
    }

    public func slotMissed(late: Duration) {
        registry.makeCounter(
            descriptor: Self.descriptor("rate_slots_missed", unit: "total", "Rate slots given up: woken too late, or no connection free.")
        )
        .increment()
    }

    /// A request to `service` (twilio, salesforce) answered with `status`, or none (nil).
    public func response(service: String, status: Int?, duration: Duration) {
        let code = status.map(String.init) ?? "none"
        registry.makeCounter(
            descriptor: Self.descriptor(
                "external_requests",
                unit: "total",
                "Requests to Twilio and Salesforce, by service and HTTP status (none: no answer)."
            ),
            labels: [("service", service), ("status", code)]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Self.descriptor("external_request_duration", unit: "seconds", "Requests to Twilio and Salesforce, by service."),
            labels: [("service", service)],
            buckets: Self.durationBuckets
        ).record(duration)
    }

    /// Reads the queue's and the Task syncs' state into gauges; a failed read leaves the last.
    func sample() async {
        do {
            let rows = try await database.client.query(
                """
                SELECT kind, count(*) FILTER (WHERE run_at <= now())::float8,
                       coalesce(extract(epoch FROM now() - min(run_at) FILTER (WHERE run_at <= now())), 0)::float8
                FROM dialer.jobs WHERE state IN ('available', 'retryable') GROUP BY kind
                """,
                logger: database.logger
            )
            var seen: Set<String> = []
            for try await (kind, due, oldest) in rows.decode((String, Double, Double).self) {
                seen.insert(kind)
                dueGauges(kind).due.set(due)
                dueGauges(kind).oldest.set(oldest)
            }
            let gone = kindsSeen.withLock { known in
                defer { known.formUnion(seen) }
                return known.subtracting(seen)
            }
            for kind in gone {
                dueGauges(kind).due.set(0.0)
                dueGauges(kind).oldest.set(0.0)
            }
            let syncs = try await database.client.query(
                "SELECT count(*) FILTER (WHERE state = 'pending')::float8, count(*) FILTER (WHERE state = 'failed')::float8 FROM dialer.task_syncs",
                logger: database.logger
            )
            for try await (pending, failed) in syncs.decode((Double, Double).self) {
                let descriptor = Self.descriptor("task_syncs", unit: "", "Salesforce Task syncs by state: pending (to write), failed (refused).")
                registry.makeGauge(descriptor: descriptor, labels: [("state", "pending")]).set(pending)
                registry.makeGauge(descriptor: descriptor, labels: [("state", "failed")]).set(failed)
            }
        } catch {
            database.logger.warning("metrics: the queue could not be read", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    private func dueGauges(_ kind: String) -> (due: Gauge, oldest: Gauge) {
        (
            registry.makeGauge(
                descriptor: Self.descriptor("queue_due_jobs", unit: "", "Jobs due and waiting to be claimed, by kind."),
                labels: [("kind", kind)]
            ),
            registry.makeGauge(
                descriptor: Self.descriptor("queue_oldest_due", unit: "seconds", "How long the oldest due job of a kind has waited."),
                labels: [("kind", kind)]
            )
        )
    }

    /// The Prometheus text exposition, with the queue read now.
    public func exposition() async -> [UInt8] {
        await sample()
        return registry.emitToBuffer()
    }

    static func descriptor(_ name: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "dialer", metricName: name, unitName: unit, helpText: help)
    }
}
