import Foundation
import Store

/// Follows an import with a progress bar until it is no longer importing.
public struct ImportProgressDisplay {
    public let store: CampaignStore
    public let name: String

    public init(store: CampaignStore, name: String) {
        self.store = store
        self.name = name
    }

    public func follow() async throws -> CampaignProgress {
        let interactive = isatty(STDERR_FILENO) != 0
        var lastLine = ""
        while true {
            guard let progress = try await store.progress(name: name).first else { throw CampaignError.notFound(name) }
            let line = Self.bar(progress)
            if line != lastLine {
                FileHandle.standardError.write(Data((interactive ? "\r\(line)" : "\(line)\n").utf8))
                lastLine = line
            }
            if progress.status != .importing {
                if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
                return progress
            }
            try await Task.sleep(for: .milliseconds(interactive ? 200 : 2000))
        }
    }

    public static func bar(_ progress: CampaignProgress, width: Int = 30) -> String {
        guard let total = progress.salesforceTotal, total > 0 else { return "importing: waiting for Salesforce…" }
        let done = min(progress.recordsSeen, total)
        let filled = width * done / total
        return
            "importing [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(total) records, \(progress.callable) callable"
    }
}
