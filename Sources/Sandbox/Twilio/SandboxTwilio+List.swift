import Foundation
import Twilio

/// The Calls list, filtered and paged as Twilio's API describes it (twilio-oai,
/// `ListCall`): newest first by `date_created`, `PageSize` honoured (50 unless told, at most
/// `largestPageSize`), and a `next_page_uri` carrying a `PageToken`, so a client must follow it.
extension SandboxTwilio {
    static let defaultPageSize = 50

    /// The filters the list understands, by their decoded names (`StartTime>` is sent as
    /// `StartTime%3E=2026-11-25`).
    static let listFilters: Set<String> = [
        "To", "From", "Status", "StartTime", "StartTime>", "StartTime<", "EndTime", "EndTime>", "EndTime<",
    ]

    /// `query` is the request's raw query string.
    func list(query: String) -> Answer {
        let parameters = FormEncoding.decode(query)
        func value(_ name: String) -> String? { parameters.last { $0.0 == name }?.1 }
        let filters = parameters.filter { Self.listFilters.contains($0.0) }
        let pageSize =
            value("PageSize").flatMap(Int.init).map { min(max($0, 1), configuration.largestPageSize) }
            ?? min(Self.defaultPageSize, configuration.largestPageSize)
        let page = value("Page").flatMap(Int.init).map { max($0, 0) } ?? 0

        // Newest first; the order calls were created in is their date_created order.
        let matched = calls.reversed().filter { call in filters.allSatisfy { Self.matches(call, $0.0, $0.1) } }
        var start = page * pageSize
        if let token = value("PageToken"), token.count > 2 {
            // PA<sid>: the page after that call; PB<sid>: the page before it.
            let sid = String(token.dropFirst(2))
            if let index = matched.firstIndex(where: { $0.sid == sid }) {
                start = token.hasPrefix("PB") ? max(0, index - pageSize) : index + 1
            }
        }
        let items = Array(matched.dropFirst(start).prefix(pageSize))
        let path = "/2010-04-01/Accounts/\(configuration.accountSID)/Calls.json"
        func uri(page: Int, token: String?) -> String {
            var pairs = filters + [("PageSize", String(pageSize)), ("Page", String(page))]
            if let token { pairs.append(("PageToken", token)) }
            return path + "?" + FormEncoding.encode(pairs)
        }
        let hasNext = start + items.count < matched.count
        return (
            200,
            .object([
                "calls": .array(items.map(json)),
                "first_page_uri": .string(uri(page: 0, token: nil)),
                "next_page_uri": hasNext && !items.isEmpty ? .string(uri(page: page + 1, token: "PA" + items.last!.sid)) : .null,
                "previous_page_uri": page > 0 && !items.isEmpty ? .string(uri(page: page - 1, token: "PB" + items.first!.sid)) : .null,
                "uri": .string(uri(page: page, token: value("PageToken"))),
                "page": .number(Double(page)),
                "page_size": .number(Double(pageSize)),
                "start": .number(Double(start)),
                "end": .number(Double(items.isEmpty ? start : start + items.count - 1)),
            ])
        )
    }

    /// One filter, as Twilio applies it: dates are UTC days (`YYYY-MM-DD`), compared with
    /// the call's start or end; a call that has not started (queued) or not ended matches no
    /// date filter on that time.
    static func matches(_ call: Call, _ name: String, _ value: String) -> Bool {
        switch name {
        case "To": return call.to == value
        case "From": return call.from == value
        case "Status": return restStatus(call.status) == value
        default:
            let time = name.hasPrefix("StartTime") ? call.startTime : call.endTime
            guard let time else { return false }
            let day = utcDay(time)
            let wanted = String(value.prefix(10))
            if name.hasSuffix(">") { return day >= wanted }
            if name.hasSuffix("<") { return day <= wanted }
            return day == wanted
        }
    }

    static func utcDay(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        func two(_ value: Int?) -> String { (value ?? 0) < 10 ? "0\(value ?? 0)" : "\(value ?? 0)" }
        return "\(parts.year ?? 1970)-\(two(parts.month))-\(two(parts.day))"
    }

    /// The status the REST API shows: Twilio's Calls resource has no `initiated` (that is a
    /// status callback event); a call not yet ringing is `queued`.
    static func restStatus(_ status: String) -> String {
        status == "initiated" ? "queued" : status
    }
}
