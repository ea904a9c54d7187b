import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Worker

/// A worker's `GET /metrics`, on an internal address of its own: the worker has no other
/// HTTP to serve. A port another process holds is logged, not fatal: the worker dials on.
struct WorkerMetricsServer: Service {
    let metrics: WorkerMetrics
    let host: String
    let port: Int
    let logger: Logger

    func run() async throws {
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: await metrics.exposition()))
            )
        }
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port)), logger: logger)
        do {
            try await app.run()
        } catch {
            logger.warning(
                "worker metrics not served: set --metrics-port to a free port",
                metadata: ["address": "\(host):\(port)", "error": "\(error)"]
            )
        }
    }
}

/// Several dialing observers as one: the lab's and the metrics'.
struct DialingObservers: DialingObserver {
    let observers: [any DialingObserver]

    init(_ observers: [any DialingObserver]) {
        self.observers = observers
    }

    func slotReserved(latency: Duration) { for observer in observers { observer.slotReserved(latency: latency) } }
    func callPosted(late: Duration) { for observer in observers { observer.callPosted(late: late) } }
    func slotMissed(late: Duration) { for observer in observers { observer.slotMissed(late: late) } }
}
