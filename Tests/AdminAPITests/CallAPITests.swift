import Foundation
import Store
import TestSupport
import Testing

@Suite struct CallAPITests {
    /// Three calls of a campaign, the first answered with a transcript and a synced Task.
    static func seed(_ db: Database) async throws -> [UUID] {
        let campaign = try await CampaignStore(database: db).create(
            NewCampaign(name: "c", soql: "SELECT Id FROM Contact", fromNumber: "+14155550100")
        )
        var ids: [UUID] = []
        for index in 0..<3 {
            let contact = try await db.scalar(
                """
                INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164)
                VALUES (\(campaign), \("003SB00000000\(index + 10)AAA"), \("+141555501\(index + 10)")) RETURNING id
                """,
                as: Int64.self
            )
            ids.append(
                try await db.scalar(
                    """
                    INSERT INTO dialer.call_attempts (contact_id, campaign_id, attempt_number, state, to_e164, from_e164, call_sid, created_at)
                    VALUES (\(contact), \(campaign), 1, 'placed', \("+141555501\(index + 10)"), '+14155550100', \("CA\(String(format: "%032d", index))"),
                            now() - \(10 - index) * interval '1 minute')
                    RETURNING id
                    """,
                    as: UUID.self
                )
            )
        }
        try await db.execute(
            """
            INSERT INTO dialer.calls (call_sid, attempt_id, status, answered_by, duration_seconds, answered_at, ended_at)
            VALUES ('CA00000000000000000000000000000000', \(ids[0]), 'completed', 'human', 42, now(), now())
            """
        )
        try await db.execute(
            """
            INSERT INTO dialer.transcript_entries (call_sid, seq, attempt_id, speaker, text, start_ms, end_ms)
            VALUES ('CA00000000000000000000000000000000', 0, \(ids[0]), 'agent', 'Hello from the dialer.', 0, 1500)
            """
        )
        return ids
    }

    @Test func aCallIsReadByIdOrCallSidWithItsTranscriptAndNumbersMaskedWithoutPII() async throws {
        try await APIHarness.run { api in
            let ids = try await Self.seed(api.db)
            let byID = try await api.send(.get, "/v1/calls/\(ids[0].uuidString.lowercased())", key: api.reader)
            #expect(byID.status == .ok && byID.json["callSid"] as? String == "CA00000000000000000000000000000000", "\(byID.text)")
            #expect(
                byID.json["outcome"] as? String == "Answered" && byID.json["durationSeconds"] as? Int == 42 && byID.json["to"] as? String == "…0110"
            )
            #expect((byID.json["transcript"] as? [[String: Any]])?.first?["text"] as? String == "Hello from the dialer.")
            let bySid = try await api.send(.get, "/v1/calls/CA00000000000000000000000000000000", key: api.piiReader)
            #expect(bySid.json["id"] as? String == ids[0].uuidString.lowercased() && bySid.json["to"] as? String == "+14155550110")
            #expect(!byID.text.contains("+14155550110"))

            for missing in [UUID().uuidString, "CA99999999999999999999999999999999", "nonsense", "%00"] {
                let answer = try await api.send(.get, "/v1/calls/\(missing)", key: api.reader)
                #expect(answer.status == .notFound && answer.headers[.contentType] == "application/problem+json", "\(missing)")
            }
            // The seed's status route answers in the seed's shape.
            let seed = try await api.send(.get, "/twilio/call/CA00000000000000000000000000000000/status", key: api.reader)
            #expect(seed.status == .ok && seed.json["status"] as? String == "completed" && seed.json["duration"] as? Int == 42)
        }
    }

    @Test func listsPageWithACursorAndFilter() async throws {
        try await APIHarness.run { api in
            let ids = try await Self.seed(api.db)
            let first = try await api.send(.get, "/v1/calls?campaign=c&limit=2", key: api.reader)
            let firstIDs = (first.json["calls"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(firstIDs == [ids[2], ids[1]].map { $0.uuidString.lowercased() }, "\(first.text)")
            let cursor = try #require(first.json["nextCursor"] as? String)
            let second = try await api.send(.get, "/v1/calls?campaign=c&limit=2&cursor=\(cursor)", key: api.reader)
            #expect((second.json["calls"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[0].uuidString.lowercased()])
            #expect(second.json["nextCursor"] == nil)

            let completed = try await api.send(.get, "/v1/calls?status=completed", key: api.reader)
            #expect((completed.json["calls"] as? [[String: Any]])?.count == 1)
            #expect(try await api.send(.get, "/v1/calls?cursor=garbage", key: api.reader).problemFields == ["cursor"])
            #expect(try await api.send(.get, "/v1/calls?limit=1000", key: api.reader).problemFields == ["limit"])
        }
    }
}
