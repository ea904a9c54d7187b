import Foundation

/// One page of a query answer.
public struct SalesforceQueryPage<Record: Decodable & Sendable>: Decodable, Sendable {
    public let totalSize: Int
    public let done: Bool
    public let nextRecordsUrl: String?
    public let records: [Record]
}

extension SalesforceClient {
    /// The pages of `soql`'s answer, fetched one at a time as they are consumed (following
    /// `nextRecordsUrl` until `done`), so a list of any size is never held whole.
    public func queryPages<Record: Decodable & Sendable>(_ soql: String, as type: Record.Type = Record.self) -> SalesforceQueryPages<Record> {
        SalesforceQueryPages(client: self, firstPath: "\(dataPath)/query?q=\(Self.percentEncoded(soql))")
    }

    /// Every record of `soql`'s answer, page by page.
    public func query<Record: Decodable & Sendable>(_ soql: String, as type: Record.Type = Record.self) async throws -> [Record] {
        var records: [Record] = []
        for try await page in queryPages(soql, as: type) { records += page.records }
        return records
    }

    static func percentEncoded(_ text: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&+=?#%")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// The pages of one query, as an AsyncSequence.
public struct SalesforceQueryPages<Record: Decodable & Sendable>: AsyncSequence, Sendable {
    public typealias Element = SalesforceQueryPage<Record>

    let client: SalesforceClient
    let firstPath: String

    public struct AsyncIterator: AsyncIteratorProtocol {
        let client: SalesforceClient
        var next: String?

        public mutating func next() async throws -> SalesforceQueryPage<Record>? {
            guard let path = next else { return nil }
            let page = try await client.send(.GET, path).decode(SalesforceQueryPage<Record>.self)
            next = page.done ? nil : page.nextRecordsUrl
            return page
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(client: client, next: firstPath)
    }
}
