import Foundation
import Store

/// What one live region of a page shows, and which notifications concern it: the page's first
/// render and every push of its event stream come from the same `render`.
struct LiveView: Sendable {
    /// The region's HTML, or nil when what it shows does not exist; `settled` is false when
    /// it showed a cached progress older than its `maxAge` (being refreshed), so a
    /// stream looks again shortly.
    let render: @Sendable () async throws -> (html: String, settled: Bool)?
    /// Picks the payloads (`campaign:<id>`, `call:<CallSid>`, `tasks`) that may change it.
    let wants: @Sendable (String) -> Bool
}

/// The console's pages, read through the Store as the CLI reads them.
struct ConsoleViews: Sendable {
    let database: Database
    let progress: CampaignProgressCache

    /// Every campaign with its progress.
    func campaignList(_ session: ConsoleSession) -> LiveView {
        LiveView(
            render: {
                let (rows, stale) = try await progress.progress(name: nil)
                return (ConsoleTemplates.render(CampaignListModel(campaigns: rows.map(CampaignModel.init)), "campaigns_live"), !stale)
            },
            wants: { $0.hasPrefix("campaign:") }
        )
    }

    /// One campaign: its progress, its actions, a page of its calls (newest first).
    func campaign(_ name: String, cursor: CallListCursor?, session: ConsoleSession) async throws -> LiveView? {
        guard let first = try await progress.progress(name: name).value.first else { return nil }
        let topic = "campaign:\(first.id)"
        let calls = CallRecordStore(database: database)
        let reveal = session.allows(.piiRead)
        return LiveView(
            render: {
                let (found, stale) = try await progress.progress(name: name)
                guard let campaign = found.first else { return nil }
                let page = try await calls.calls(CallListFilter(campaign: name, limit: 50, cursor: cursor), revealPhones: reveal)
                let model = CampaignPageModel(
                    campaign: CampaignModel(campaign),
                    canWrite: session.allows(.campaignsWrite),
                    csrf: session.csrfToken,
                    calls: page.calls.map(CallRowModel.init),
                    hasCalls: !page.calls.isEmpty,
                    older: page.next.map { "\(ConsolePaths.campaign(name))?cursor=\($0.token)" }
                )
                return (ConsoleTemplates.render(model, "campaign_live"), !stale)
            },
            wants: { $0 == topic }
        )
    }

    /// One call and its transcript, by the dialer's id or the CallSid.
    func call(_ id: String, session: ConsoleSession) async throws -> (view: LiveView, campaign: String, to: String)? {
        let store = CallRecordStore(database: database)
        let reveal = session.allows(.piiRead)
        let uuid = UUID(uuidString: id)
        @Sendable func read() async throws -> CallRecord? {
            if let uuid { return try await store.call(id: uuid, revealPhones: reveal) }
            return try await store.call(callSID: id, revealPhones: reveal)
        }
        guard let first = try await read() else { return nil }
        // Before Twilio names the call, only its campaign's notifications can tell it changed.
        let topic = first.callSID.map { "call:\($0)" }
        let view = LiveView(
            render: { try await read().map { (ConsoleTemplates.render(CallPageModel($0), "call_live"), true) } },
            wants: { payload in topic.map { $0 == payload } ?? payload.hasPrefix("campaign:") }
        )
        return (view, first.campaign, first.to)
    }

    /// Failed Task syncs, with Retry when the key may.
    func taskFailures(_ session: ConsoleSession) -> LiveView {
        LiveView(
            render: {
                let failures = try await TaskSyncOperations(database: database).failures()
                let model = TaskListModel(
                    failures: failures.map(TaskFailureModel.init),
                    canRetry: session.allows(.tasksWrite),
                    csrf: session.csrfToken,
                    hasFailures: !failures.isEmpty
                )
                return (ConsoleTemplates.render(model, "tasks_live"), true)
            },
            wants: { $0 == "tasks" }
        )
    }
}

/// The console's URLs, built in one place.
enum ConsolePaths {
    static let root = "/console"

    static func campaign(_ name: String) -> String { "\(root)/campaigns/\(escape(name))" }
    static func call(_ id: String) -> String { "\(root)/calls/\(escape(id))" }

    /// A path segment: everything but unreserved characters percent-encoded.
    static func escape(_ segment: String) -> String {
        // Ids and most names need nothing: answered without Foundation's encoder, 50 times a page.
        if segment.utf8.allSatisfy({ byte in Self.isUnreserved(byte) }) { return segment }
        return segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? segment
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2D || byte == 0x2E
            || byte == 0x5F || byte == 0x7E
    }
}

/// Times as an operator reads them: UTC, to the second.
func consoleTime(_ date: Date?) -> String {
    date.map { UTCTime.format($0, separator: " ", zone: " UTC") } ?? ""
}

func consoleDuration(_ seconds: Int?) -> String {
    guard let seconds else { return "" }
    return seconds < 60 ? "\(seconds)s" : "\(seconds / 60)m \(String(format: "%02d", seconds % 60))s"
}
