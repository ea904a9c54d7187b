import Foundation
import Mustache
import Store
import TestSupport
import Testing

@testable import Console

/// The models a page repeats answer Mustache by name (`MustacheParent`) instead of through
/// Mirror: every stored property must answer, with its own value.
@Suite struct ConsoleModelLookupTests {
    @Test func everyStoredPropertyAnswersByItsNameWithItsValue() async throws {
        try await TestDatabase.withFresh { db, _ in
            let fixture = try await ConsoleFixture.make(db)
            let progress = try #require(try await CampaignStore(database: db).progress(name: fixture.name).first)
            let calls = try await CallRecordStore(database: db).calls(CallListFilter(campaign: fixture.name), revealPhones: false).calls
            #expect(!calls.isEmpty)
            let campaign = CampaignModel(progress)
            let rows = calls.map(CallRowModel.init)
            let page = CampaignPageModel(campaign: campaign, canWrite: true, csrf: "token", calls: rows, hasCalls: true, older: "/older")
            let models: [any MustacheParent] = [campaign, page, CampaignListModel(campaigns: [campaign])] + rows
            for model in models {
                let properties = Mirror(reflecting: model).children
                #expect(!properties.isEmpty)
                for property in properties {
                    let label = try #require(property.label)
                    let answer = model.child(named: label).map(Self.described) ?? "nil"
                    #expect(answer == Self.described(property.value), "\(type(of: model)).\(label)")
                }
                #expect(model.child(named: "noSuchField") == nil)
            }
        }
    }

    @Test func timesAndPathsReadAsFoundationWroteThem() {
        for _ in 0..<500 {
            let date = Date(timeIntervalSince1970: Double.random(in: 0...4_000_000_000))
            let foundation = date.formatted(.iso8601).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
            #expect(consoleTime(date) == foundation)
        }
        for segment in ["3f2c9a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6", "spring renewals", "Q4/ünïcode?x=1", "a-b_c.d~e"] {
            let foundation = segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            #expect(ConsolePaths.escape(segment) == foundation)
        }
    }

    /// A value as text, an optional's wrapped value as itself.
    static func described(_ value: Any) -> String {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return "\(value)" }
        return mirror.children.first.map { described($0.value) } ?? "nil"
    }
}
