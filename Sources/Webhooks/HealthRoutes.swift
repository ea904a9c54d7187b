import Foundation
import Hummingbird
import Logging
import Store

/// `GET /healthz` and `GET /readyz`, for load balancers and orchestrators.
///
/// Liveness says only that the process answers. Readiness says the process can do its work:
/// Postgres answers within the timeout and its schema is exactly the one this binary carries
/// (no pending migrations, no changed ones). Answers are small JSON bodies with no error
/// details, so nothing about the database or its credentials leaks to the caller. A service
/// that is draining for a shutdown (``LiveConversations/isDraining``) is not ready, whatever
/// the database says: the load balancer must send new calls elsewhere while its live
/// calls finish.
public struct HealthRoutes: Sendable {
    public let database: Database
    public let timeout: Duration
    public let conversations: LiveConversations?

    public init(database: Database, timeout: Duration = .seconds(2), conversations: LiveConversations? = nil) {
        self.database = database
        self.timeout = timeout
        self.conversations = conversations
    }

    public func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/healthz") { _, _ in
            Self.json(.ok, ["status": "ok"])
        }
        router.get("/readyz") { _, context in
            let readiness = await self.check()
            if readiness.ready {
                return Self.json(.ok, ["status": "ready", "schema_version": "\(readiness.schemaVersion)"])
            }
            // Draining is expected, and a balancer asks every few seconds: not a warning.
            let level: Logger.Level = conversations?.isDraining == true ? .info : .warning
            context.logger.log(level: level, "not ready", metadata: ["reason": "\(readiness.reason)"])
            return Self.json(.serviceUnavailable, ["status": "not ready", "reason": readiness.reason])
        }
    }

    /// The readiness verdict and, when not ready, a reason safe to show to anyone.
    public struct Readiness: Sendable, Equatable {
        public var ready: Bool
        public var schemaVersion: Int
        public var reason: String
    }

    public func check() async -> Readiness {
        if conversations?.isDraining == true {
            return Readiness(ready: false, schemaVersion: 0, reason: "draining for shutdown")
        }
        let migrator = Migrator(database: database)
        let outcome: Result<Migrator.Status, any Error>? = await withTaskGroup(of: Result<Migrator.Status, any Error>?.self) { group in
            group.addTask {
                do { return .success(try await migrator.status()) } catch { return .failure(error) }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch outcome {
        case .none:
            return Readiness(ready: false, schemaVersion: 0, reason: "database did not answer within \(timeout)")
        case .failure(let error as MigrationError):
            return Readiness(ready: false, schemaVersion: 0, reason: Self.publicReason(error))
        case .failure:
            return Readiness(ready: false, schemaVersion: 0, reason: "database unreachable")
        case .success(let status):
            let version = status.applied.last?.version ?? 0
            if let pending = status.pending.first {
                return Readiness(ready: false, schemaVersion: version, reason: "migration \(pending.version) pending")
            }
            return Readiness(ready: true, schemaVersion: version, reason: "")
        }
    }

    static func publicReason(_ error: MigrationError) -> String {
        switch error {
        case .checksumMismatch(let version, _, _, _): "migration \(version) changed after it was applied"
        case .unknownVersion(let version, _): "database has migration \(version), newer than this binary"
        case .pending(let version, _): "migration \(version) pending"
        }
    }

    static func json(_ status: HTTPResponse.Status, _ fields: [String: String]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
