import Foundation
import Store

/// The scope each operation needs, read from the OpenAPI document's security requirements, so
/// the document is the only place it is written: `security: [{apiKey: [calls:write]}]` on an
/// operation, the document's `security` otherwise, and none for `security: []`.
struct OperationScopes: Sendable {
    private let scopes: [String: APIScope?]

    static let fromDocument = OperationScopes(document: openAPIDocumentJSON)

    init(document: String) {
        var scopes: [String: APIScope?] = [:]
        let root = (try? JSONSerialization.jsonObject(with: Data(document.utf8))) as? [String: Any] ?? [:]
        let fallback = Self.scope(in: root["security"])
        for case let (_, item as [String: Any]) in root["paths"] as? [String: Any] ?? [:] {
            for case let (_, operation as [String: Any]) in item {
                guard let id = operation["operationId"] as? String else { continue }
                scopes[id] = operation["security"] == nil ? fallback : Self.scope(in: operation["security"])
            }
        }
        self.scopes = scopes
    }

    /// The first scope of the first requirement; nil for an open operation.
    private static func scope(in security: Any?) -> APIScope? {
        guard let requirements = security as? [[String: [String]]], let first = requirements.first?.values.first?.first else { return nil }
        return APIScope(rawValue: first)
    }

    /// What `operationID` needs: `.some(nil)` for nothing, nil for an operation the document
    /// does not have (refused, so a route added without a requirement is closed, not open).
    func required(for operationID: String) -> APIScope?? {
        scopes[operationID]
    }

    /// Every operation with its scope, for tests and docs.
    var all: [String: APIScope?] { scopes }
}
