import Foundation
import PostgresNIO

extension CallRecordStore {
    /// A page of one campaign's calls (the console's campaign page and `GET
    /// /v1/calls?campaign=`), `limit + 1` rows from the cursor on.
    func campaignPage(_ filter: CallListFilter, limit: Int, revealPhones: Bool) async throws -> [(record: CallRecord, createdMicros: Int64)] {
        let statement = CampaignCallPageStatement(filter: filter, limit: limit + 1, revealPhones: revealPhones)
        return try await database.rows(statement)
    }
}

/// A campaign's page of calls (`dialer.campaign_call_page`, whose plan is kept), the number
/// masked unless the reader may see it; prepared once per connection.
struct CampaignCallPageStatement: PostgresPreparedStatement {
    typealias Row = (record: CallRecord, createdMicros: Int64)

    static let sql = CallRecordStore.select(reveal: "$7", from: "dialer.campaign_call_page($1, $2, $3, $4, $5, $6::int)")
    static var bindingDataTypes: [PostgresDataType] { [.text, .text, .timestamptz, .int8, .uuid, .int8, .bool] }

    let filter: CallListFilter
    let limit: Int
    let revealPhones: Bool

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 7)
        bindings.append(filter.campaign)
        bindings.append(filter.state)
        bindings.append(filter.since)
        bindings.append(filter.cursor?.createdMicros)
        bindings.append(filter.cursor?.id)
        bindings.append(limit)
        bindings.append(revealPhones)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try CallRecordStore.recordAndCursor(row)
    }
}
