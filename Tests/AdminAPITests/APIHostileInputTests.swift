import Foundation
import HTTPTypes
import Sandbox
import Store
import TestSupport
import Testing

@testable import AdminAPI

/// No request content earns a 5xx: every operation of the document, with the strongest key,
/// sent seeded garbage in its body, path and query.
@Suite struct APIHostileInputTests {
    /// Every route of the document, its `{parameters}` as they stand.
    static func routes() throws -> [(HTTPRequest.Method, String)] {
        let document = try JSONSerialization.jsonObject(with: Data(openAPIDocumentJSON.utf8)) as? [String: Any] ?? [:]
        var routes: [(HTTPRequest.Method, String)] = []
        for (path, item) in document["paths"] as? [String: [String: Any]] ?? [:] {
            for method in item.keys { routes.append((HTTPRequest.Method(method.uppercased())!, path)) }
        }
        return routes.sorted { $0.1 + $0.0.rawValue < $1.1 + $1.0.rawValue }
    }

    static let pathValues = [
        "x", "%00", "%ff%fe", "..%2f..%2fetc", String(repeating: "a", count: 3000), "CA" + String(repeating: "0", count: 32), "%20", "💥",
    ]
    static let queryValues = [
        "limit=-1", "limit=99999999999999999999", "since=yesterday", "cursor=%00", "status=" + String(repeating: "x", count: 2000), "campaign=%ff",
    ]

    static func body(_ random: inout SeededGenerator) -> String {
        switch random.below(9) {
        case 0: String(decoding: random.bytes(random.below(200)), as: UTF8.self)
        case 1: String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        case 2: #"{"to":12,"contactId":[],"campaign":{"a":1},"message":false,"events":"call.ended","url":7}"#
        case 3: #"{"name":"\#(String(repeating: "n", count: 10_000))","where":"\u0000","from":"+1"}"#
        case 4: #"{"since":"2026-13-45T99:99:99Z","allFailed":"yes","endpoint":null}"#
        case 5: #"{"name":"a","url":"javascript:alert(1)","events":["call.ended","nope"]}"#
        case 6: #"{"ratePerSecond":1e308,"maxAttempts":-9223372036854775809,"window":"99:99-00:00","name":"a","from":"+14155550100","where":"A = 1"}"#
        case 7: #"{"toNumber":"+1","fromNumber":"","customMessage":"\#(String(repeating: "m", count: 5000))"}"#
        default: ""
        }
    }

    @Test func noOperationAnswersAnyGarbageWithA5xx() async throws {
        let routes = try Self.routes()
        #expect(routes.count >= 17)
        try await APIHarness.run { api in
            var random = SeededGenerator(seed: 20)
            for (method, path) in routes {
                for round in 0..<12 {
                    var uri = path.replacingOccurrences(of: #"\{[^}]+\}"#, with: random.pick(Self.pathValues), options: .regularExpression)
                    if round % 3 == 0 { uri += "?" + random.pick(Self.queryValues) }
                    let body = method == .get || method == .delete ? nil : Self.body(&random)
                    var headers: HTTPFields = [:]
                    if round % 4 == 1 { headers[HTTPField.Name("Idempotency-Key")!] = String(repeating: "k", count: 300) }
                    let answer = try await api.send(method, uri, key: api.admin, json: body, headers: headers)
                    #expect(
                        answer.status.code < 500,
                        "\(method) \(uri) \(body ?? ""): \(answer.status) \(answer.text)"
                    )
                }
            }
        }
    }
}
