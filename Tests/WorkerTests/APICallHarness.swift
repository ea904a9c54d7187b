import Foundation
import Queue
import Salesforce
import Sandbox
import Store
import TestSupport
import Twilio
import Worker

/// Calls asked for through the API against both Sandboxes: the `Dialing` harness (a database,
/// the Sandbox Twilio, PlaceCall at noon in New York) with a Sandbox Salesforce beside it.
struct APICalls: Sendable {
    let dialing: Dialing
    let salesforce: SandboxSalesforce
    let salesforceConfiguration: SalesforceConfiguration

    var db: Database { dialing.db }

    static func with(_ body: @Sendable (APICalls) async throws -> Void) async throws {
        try await Dialing.with(contacts: 0) { dialing in
            try await withSandboxSalesforce { sandbox, configuration in
                try await body(APICalls(dialing: dialing, salesforce: sandbox, salesforceConfiguration: configuration))
            }
        }
    }

    /// The POST's side, on a window clock that says `now`.
    func requests(now: Date = Dialing.noonInNewYork, defaultFrom: String? = Dialing.from) -> CallRequests {
        CallRequests(database: db, defaultFrom: defaultFrom, now: { now })
    }

    func post(_ body: CallRequestBody, now: Date = Dialing.noonInNewYork) async throws -> AcceptedCall {
        try await requests(now: now).create(body)
    }

    /// What `GET /v1/calls/{id}` shows.
    func status(_ id: UUID) async throws -> CallRecord? {
        try await CallRecordStore(database: db).call(id: id, revealPhones: true)
    }

    func salesforceClient() -> SalesforceClient {
        SalesforceClient(configuration: salesforceConfiguration, logger: TestDatabase.testLogger, backoff: .init(base: 0.01, cap: 0.05, jitter: 0))
    }

    func prepareHandler(now: Date = Dialing.noonInNewYork) -> PrepareCallHandler {
        PrepareCallHandler(
            database: db,
            salesforce: salesforceClient(),
            now: { now },
            backoff: .init(base: 0.05, factor: 1, cap: 0.05, jitter: 0),
            logger: TestDatabase.testLogger
        )
    }

    /// Runs the prepare_call jobs until `condition` holds.
    func prepare(now: Date = Dialing.noonInNewYork, until condition: () async throws -> Bool) async throws -> Bool {
        try await withRunners([runner(db, [prepareHandler(now: now)])]) {
            try await eventually(timeout: .seconds(20)) { try await condition() }
        }
    }

    /// A Contact in the Sandbox Salesforce.
    @discardableResult
    func contact(_ fields: [String: SOQLValue]) -> String {
        var all: [String: SOQLValue] = ["LastName": .string("Okafor"), "FirstName": .string("Nia")]
        all.merge(fields) { $1 }
        return salesforce.insert([SandboxRecord(type: "Contact", fields: all)])[0]
    }

    func requestState(_ id: UUID) async throws -> String {
        try await db.scalar("SELECT state FROM dialer.call_requests WHERE id = \(id)", as: String.self)
    }

    func rowCount(_ table: String) async throws -> Int {
        try await db.scalar("SELECT count(*)::int FROM dialer.\(unescaped: table)", as: Int.self)
    }
}
