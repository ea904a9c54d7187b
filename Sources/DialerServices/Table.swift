import Foundation
import Store

/// A plain-text table for terminal output.
public struct Table {
    public let header: [String]
    public let rows: [[String]]

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    public func render() -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var lines = [line(header), line(widths.map { String(repeating: "-", count: $0) })]
        lines += rows.map(line)
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}

extension Table {
    /// A campaign's progress as `dialer status` prints it (and the lab's demo at its end).
    public static func campaignProgress(_ rows: [CampaignProgress]) -> Table {
        Table(
            header: [
                "campaign", "status", "contacts", "skipped", "pending", "in_call", "done", "answered", "voicemail",
                "busy", "no_answer", "failed", "calls", "avg_s", "tasks_synced", "tasks_failed", "tasks_pending",
            ],
            rows: rows.map { p in
                let voicemail = (p.outcomes["voicemail_left"] ?? 0) + (p.outcomes["machine"] ?? 0)
                return [
                    p.name, p.status.rawValue, "\(p.contacts)", "\(p.skipped.values.reduce(0, +))", "\(p.pending)", "\(p.inProgress)",
                    "\(p.done)", "\(p.outcomes["answered"] ?? 0)", "\(voicemail)", "\(p.outcomes["busy"] ?? 0)",
                    "\(p.outcomes["no_answer"] ?? 0)", "\(p.outcomes["failed"] ?? 0)", "\(p.callsPlaced)",
                    p.averageDurationSeconds.map { String(format: "%.1f", $0) } ?? "-",
                    "\(p.tasksSynced)", "\(p.tasksFailed)", "\(p.tasksPending)",
                ]
            }
        )
    }
}
