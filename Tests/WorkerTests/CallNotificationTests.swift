import Foundation
import PostgresNIO
import Queue
import Store
import Synchronization
import TestSupport
import Testing
import Worker

/// Accepted API calls wake the workers and the console, but not from the transaction that writes
/// them (a notifying transaction commits alone): the accepting process sends them afterwards.
@Suite struct CallNotificationTests {
    /// The payloads `channel` carried while `action` ran and after it, until `enough` holds of
    /// them or `settle` passed.
    static func payloads(
        _ db: Database,
        on channel: String,
        settle: Duration = .seconds(30),
        until enough: @escaping @Sendable ([String]) -> Bool = { _ in false },
        _ action: @escaping @Sendable () async throws -> Void
    ) async throws -> [String] {
        let received = Received()
        try await db.listener.withConnection { connection in
            try await connection.listen(on: channel) { notifications in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await notification in notifications { received.payloads.withLock { $0.append(notification.payload) } }
                    }
                    try await action()
                    _ = await eventually(timeout: settle) { enough(received.payloads.withLock { $0 }) }
                    group.cancelAll()
                }
            }
        }
        return received.payloads.withLock { $0 }
    }

    final class Received: Sendable {
        let payloads = Mutex<[String]>([])
    }

    @Test func theCallsWriteDoesNotNotifyAndTheAcceptingProcessWakesWorkersAndTheConsole() async throws {
        try await TestDatabase.withFresh { db, _ in
            let store = CallRequestStore(database: db)
            let campaign = try #require(try await store.dialingCampaign(named: nil, makingWith: "+14155550100", callingStates: [], mailingState: nil))
            let contact = {
                var contact = ImportedContact(salesforceID: "")
                contact.phoneE164 = "+12125550142"
                return contact
            }()
            let direct = try await Self.payloads(db, on: JobQueue.notifyChannel, settle: .milliseconds(400)) {
                _ = try await store.accept(
                    CallAcceptance(
                        idempotency: nil,
                        campaignID: campaign.campaign.id,
                        requestID: UUID(),
                        request: NewCallRequest(to: "+12125550142"),
                        contact: contact,
                        job: (PlaceCallArgs.kind, nil, nil, PlaceCallArgs.options.priority, PlaceCallArgs.options.maxAttempts),
                        runAfter: .zero,
                        answer: .init(status: 202, body: Data("{}".utf8)),
                        answerIfOnDNCList: Data("{}".utf8)
                    )
                )
            }
            #expect(direct.isEmpty, "the write notified: \(direct)")
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'place_call'", as: Int.self) == 1)

            // Through CallRequests, ten calls at once: the workers are woken, and so is the console.
            let requests = CallRequests(database: db, defaultFrom: "+14155550100", now: { Date(timeIntervalSince1970: 1_795_630_000) })
            let console = Received()
            let topic = "campaign:\(campaign.campaign.id)"
            let wakes = try await Self.payloads(db, on: JobQueue.notifyChannel, until: { $0.contains("place_call") }) {
                let seen = try await Self.payloads(db, on: "dialer_console", until: { $0.contains(topic) }) {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for n in 0..<10 { group.addTask { _ = try await requests.create(CallRequestBody(to: "+1212555\(1000 + n)")) } }
                        try await group.waitForAll()
                    }
                }
                console.payloads.withLock { $0 = seen }
            }
            #expect(!wakes.isEmpty && Set(wakes) == ["place_call"], "\(wakes)")
            #expect(console.payloads.withLock { $0 }.contains(topic))
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'place_call'", as: Int.self) == 11)
        }
    }
}
