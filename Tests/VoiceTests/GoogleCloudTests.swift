import AsyncHTTPClient
import Foundation
import JWTKit
import Logging
import TestSupport
import Testing
import Voice

@Suite struct GoogleCloudTests {
    static let clientEmail = "dialer-voice@dialer-test.iam.gserviceaccount.com"

    /// A fake Google: the token endpoint, Speech-to-Text and Text-to-Speech on one loopback
    /// port. Tokens are numbered, so a test sees which one each API request carried.
    struct FakeGoogle: Sendable {
        var tokenLifetime: Double = 3599
        var recognize: FakeAnswer = .json(["results": [["alternatives": [["transcript": "yes", "confidence": 0.93]]]]])
        var synthesize: FakeAnswer = .json(["audioContent": Data([0xFF, 0x7F, 0x00]).base64EncodedString()])
        /// API requests answered 401 first (a revoked token).
        var rejectFirstAPIRequest = false

        func answer(_ request: RecordedRequest, log: @Sendable () -> RequestLog) -> FakeAnswer {
            let tokenCount = log().requests(to: "/token").count
            switch request.path {
            case "/token":
                return .json(["access_token": "ya29.token-\(tokenCount)", "expires_in": tokenLifetime, "token_type": "Bearer"])
            case "/v1/speech:recognize", "/v1/text:synthesize":
                if rejectFirstAPIRequest && log().all.filter({ $0.path != "/token" }).count == 1 {
                    return .json(
                        ["error": ["code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED"]],
                        status: 401
                    )
                }
                return request.path == "/v1/speech:recognize" ? recognize : synthesize
            default:
                return .json(["error": ["code": 404, "message": "no such path"]], status: 404)
            }
        }
    }

    /// Runs `body` with a fake Google and a token cache whose service account points at it.
    static func withFakeGoogle<R: Sendable>(
        _ google: FakeGoogle = FakeGoogle(),
        _ body: @Sendable (GoogleAccessTokens, GoogleCloudEndpoints, RequestLog) async throws -> R
    ) async throws -> R {
        let logBox = LogBox()
        return try await withFakeCloudServer({ request in google.answer(request, log: { logBox.log! }) }) { base, log in
            logBox.log = log
            let account = GoogleServiceAccount(
                clientEmail: clientEmail,
                privateKey: TestKeys.connectedAppPrivateKey,
                privateKeyID: "key-1",
                tokenURI: base + "/token"
            )
            let tokens = try await GoogleAccessTokens(account: account, http: .shared, logger: Logger(label: "test"))
            return try await body(tokens, GoogleCloudEndpoints(speech: base, textToSpeech: base + "/"), log)
        }
    }

    /// Lets the fake's handler, made before the server exists, read the server's log.
    final class LogBox: @unchecked Sendable {
        var log: RequestLog?
    }

    @Test func recognizesMuLawWithTheHintsAsASpeechContext() async throws {
        try await Self.withFakeGoogle { tokens, endpoints, log in
            let stt = GoogleSpeechToText(tokens: tokens, http: .shared, languageCode: "en-GB", endpoints: endpoints)
            let audio = TestSignals.tone(hz: 440, seconds: 0.5, rate: 8000)
            let heard = try await stt.transcribe(audio, sampleRate: 8000, hints: RecognitionHints(phrases: ["yes", "stop calling me"]))
            #expect(heard == Transcription(text: "yes", confidence: 0.93))

            let request = try #require(log.requests(to: "/v1/speech:recognize").first)
            #expect(request.headers["authorization"] == "Bearer ya29.token-1")
            let config = try #require(request.json["config"] as? [String: Any])
            #expect(config["encoding"] as? String == "MULAW")
            #expect(config["sampleRateHertz"] as? Int == 8000)
            #expect(config["languageCode"] as? String == "en-GB")
            #expect((config["speechContexts"] as? [[String: [String]]]) == [["phrases": ["yes", "stop calling me"]]])
            let content = try #require((request.json["audio"] as? [String: String])?["content"])
            #expect(Data(base64Encoded: content) == Data(MuLaw.encode(audio)))
        }
    }

    @Test func audioAtAnotherRateIsResampledToEightKilohertz() async throws {
        try await Self.withFakeGoogle { tokens, endpoints, log in
            let stt = GoogleSpeechToText(tokens: tokens, http: .shared, endpoints: endpoints)
            _ = try await stt.transcribe(TestSignals.tone(hz: 440, seconds: 0.5, rate: 16000), sampleRate: 16000, hints: .none)
            let request = try #require(log.requests(to: "/v1/speech:recognize").first)
            let content = try #require((request.json["audio"] as? [String: String])?["content"])
            #expect(Data(base64Encoded: content)?.count == 4000)
            #expect((request.json["config"] as? [String: Any])?["speechContexts"] == nil)
        }
    }

    @Test func severalResultsAreJoinedAndNoResultIsNothing() async throws {
        var google = FakeGoogle()
        google.recognize = .json([
            "results": [
                ["alternatives": [["transcript": "call me", "confidence": 0.9], ["transcript": "tall me", "confidence": 0.4]]],
                ["alternatives": [["transcript": " tomorrow", "confidence": 0.7]]],
            ]
        ])
        try await Self.withFakeGoogle(google) { tokens, endpoints, _ in
            let stt = GoogleSpeechToText(tokens: tokens, http: .shared, endpoints: endpoints)
            let heard = try await stt.transcribe([1, 2, 3], sampleRate: 8000, hints: .none)
            #expect(heard == Transcription(text: "call me tomorrow", confidence: 0.7))
        }
        google.recognize = .json(["totalBilledTime": "1s"])
        try await Self.withFakeGoogle(google) { tokens, endpoints, _ in
            let stt = GoogleSpeechToText(tokens: tokens, http: .shared, endpoints: endpoints)
            let nothing = try await stt.transcribe([1, 2, 3], sampleRate: 8000, hints: .none)
            #expect(nothing == nil)
            let empty = try await stt.transcribe([], sampleRate: 8000, hints: .none)
            #expect(empty == nil)
        }
    }

    @Test func synthesizesMuLawAndStripsTheWAVHeader() async throws {
        let samples: [UInt8] = (0..<321).map { UInt8($0 % 256) }
        var google = FakeGoogle()
        google.synthesize = .json(["audioContent": Data(WAVFixtures.muLaw(samples, extraChunk: true)).base64EncodedString()])
        try await Self.withFakeGoogle(google) { tokens, endpoints, log in
            let tts = GoogleTextToSpeech(tokens: tokens, http: .shared, languageCode: "en-US", voice: "en-US-Neural2-F", endpoints: endpoints)
            #expect(try await tts.synthesize("Hello there.") == samples)
            let request = try #require(log.requests(to: "/v1/text:synthesize").first)
            #expect(request.headers["authorization"] == "Bearer ya29.token-1")
            #expect((request.json["input"] as? [String: String]) == ["text": "Hello there."])
            #expect((request.json["voice"] as? [String: String]) == ["languageCode": "en-US", "name": "en-US-Neural2-F"])
            let audioConfig = try #require(request.json["audioConfig"] as? [String: Any])
            #expect(audioConfig["audioEncoding"] as? String == "MULAW")
            #expect(audioConfig["sampleRateHertz"] as? Int == 8000)
        }
    }

    @Test func headerlessAudioIsKeptAndTheWrongFormatIsRefused() async throws {
        try await Self.withFakeGoogle { tokens, endpoints, _ in
            let tts = GoogleTextToSpeech(tokens: tokens, http: .shared, endpoints: endpoints)
            let audio = try await tts.synthesize("Hi.")
            #expect(audio == [0xFF, 0x7F, 0x00])
        }
        var google = FakeGoogle()
        google.synthesize = .json(["audioContent": Data(WAVFixtures.wav(format: 1, rate: 24000, data: [0, 0, 1, 0])).base64EncodedString()])
        try await Self.withFakeGoogle(google) { tokens, endpoints, _ in
            let tts = GoogleTextToSpeech(tokens: tokens, http: .shared, endpoints: endpoints)
            await #expect(throws: WAVError.self) { try await tts.synthesize("Hi.") }
        }
    }

    @Test func oneTokenServesEveryConcurrentRequest() async throws {
        try await Self.withFakeGoogle { tokens, endpoints, log in
            let stt = GoogleSpeechToText(tokens: tokens, http: .shared, endpoints: endpoints)
            let tts = GoogleTextToSpeech(tokens: tokens, http: .shared, endpoints: endpoints)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        if index.isMultiple(of: 2) {
                            _ = try await stt.transcribe([1, 2, 3], sampleRate: 8000, hints: .none)
                        } else {
                            _ = try await tts.synthesize("Hello.")
                        }
                    }
                }
                try await group.waitForAll()
            }
            // And later requests, one at a time, reuse it too.
            _ = try await tts.synthesize("Goodbye.")
            _ = try await stt.transcribe([1, 2, 3], sampleRate: 8000, hints: .none)
            #expect(log.requests(to: "/token").count == 1)
            let apiRequests = log.all.filter { $0.path != "/token" }
            #expect(apiRequests.count == 10)
            #expect(apiRequests.allSatisfy { $0.headers["authorization"] == "Bearer ya29.token-1" })
        }
    }

    @Test func aTokenNearItsExpiryIsReplaced() async throws {
        var google = FakeGoogle()
        google.tokenLifetime = 30  // inside the one-minute margin: never reused
        try await Self.withFakeGoogle(google) { tokens, endpoints, log in
            let stt = GoogleSpeechToText(tokens: tokens, http: .shared, endpoints: endpoints)
            _ = try await stt.transcribe([1], sampleRate: 8000, hints: .none)
            _ = try await stt.transcribe([1], sampleRate: 8000, hints: .none)
            #expect(log.requests(to: "/token").count == 2)
            #expect(log.requests(to: "/v1/speech:recognize").map { $0.headers["authorization"] } == ["Bearer ya29.token-1", "Bearer ya29.token-2"])
        }
    }

    @Test func aRefusedTokenIsReplacedOnce() async throws {
        var google = FakeGoogle()
        google.rejectFirstAPIRequest = true
        try await Self.withFakeGoogle(google) { tokens, endpoints, log in
            let stt = GoogleSpeechToText(tokens: tokens, http: .shared, endpoints: endpoints)
            let heard = try await stt.transcribe([1], sampleRate: 8000, hints: .none)
            #expect(heard?.text == "yes")
            #expect(log.requests(to: "/v1/speech:recognize").map { $0.headers["authorization"] } == ["Bearer ya29.token-1", "Bearer ya29.token-2"])
        }
    }

    @Test func theAssertionIsAnRS256JWTWithGooglesClaims() async throws {
        try await Self.withFakeGoogle { tokens, endpoints, log in
            let before = Date().timeIntervalSince1970.rounded(.down)
            _ = try await tokens.token()
            let request = try #require(log.requests(to: "/token").first)
            #expect(request.headers["content-type"] == "application/x-www-form-urlencoded")
            #expect(request.form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer")
            let assertion = try #require(request.form["assertion"])

            let keys = await JWTKeyCollection().add(rsa: try Insecure.RSA.PublicKey(pem: TestKeys.connectedAppPublicKey), digestAlgorithm: .sha256)
            let claims = try await keys.verify(assertion, as: GoogleServiceAccountClaims.self)
            #expect(claims.iss.value == Self.clientEmail)
            #expect(claims.scope == "https://www.googleapis.com/auth/cloud-platform")
            #expect(claims.aud.value == [tokens.account.tokenURI])
            #expect(claims.iat.value.timeIntervalSince1970 >= before)
            let lifetime = claims.exp.value.timeIntervalSince(claims.iat.value)
            #expect(lifetime > 0 && lifetime <= 3600)

            let parts = assertion.split(separator: ".").map(String.init)
            try #require(parts.count == 3)
            let header = try #require(try JSONSerialization.jsonObject(with: Self.base64URL(parts[0])) as? [String: Any])
            #expect(header["alg"] as? String == "RS256")
            #expect(header["kid"] as? String == "key-1")
            // NumericDate: whole seconds, as Google's token endpoint expects.
            let payload = String(decoding: Self.base64URL(parts[1]), as: UTF8.self)
            #expect(payload.range(of: #""exp":\d+[,}]"#, options: .regularExpression) != nil, "\(payload)")
            #expect(payload.range(of: #""iat":\d+[,}]"#, options: .regularExpression) != nil, "\(payload)")

            // The same claims signed with another key do not verify.
            let forged = try await RS256SignerProbe.sign(claims, with: TestKeys.otherPrivateKey)
            await #expect(throws: (any Error).self) { try await keys.verify(forged, as: GoogleServiceAccountClaims.self) }
        }
    }

    @Test func aRefusedAssertionIsAnErrorNamingGooglesReason() async throws {
        try await withFakeCloudServer({ _ in
            .json(["error": "invalid_grant", "error_description": "Invalid JWT Signature."], status: 400)
        }) { base, _ in
            let account = GoogleServiceAccount(clientEmail: Self.clientEmail, privateKey: TestKeys.connectedAppPrivateKey, tokenURI: base + "/token")
            let tokens = try await GoogleAccessTokens(account: account, http: .shared, logger: Logger(label: "test"))
            let stt = GoogleSpeechToText(tokens: tokens, http: .shared, endpoints: GoogleCloudEndpoints(speech: base))
            await #expect(throws: GoogleCloudError.tokenRefused(status: 400, error: "invalid_grant", description: "Invalid JWT Signature.")) {
                try await stt.transcribe([1], sampleRate: 8000, hints: .none)
            }
        }
    }

    @Test func anUnusableKeyIsAnErrorAtStartup() async throws {
        let account = GoogleServiceAccount(
            clientEmail: Self.clientEmail,
            privateKey: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n"
        )
        await #expect(throws: GoogleCloudError.invalidPrivateKey(account: Self.clientEmail)) {
            _ = try await GoogleAccessTokens(account: account, http: .shared, logger: Logger(label: "test"))
        }
    }

    static func base64URL(_ text: String) -> Data {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64) ?? Data()
    }
}

/// Signs with JWTKit directly, for the forged assertion.
enum RS256SignerProbe {
    static func sign(_ payload: some JWTPayload, with pem: String) async throws -> String {
        let keys = await JWTKeyCollection().add(rsa: try Insecure.RSA.PrivateKey(pem: pem), digestAlgorithm: .sha256)
        return try await keys.sign(payload)
    }
}
