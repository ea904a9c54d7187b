import Foundation

/// The public Twilio test data in Tests/Fixtures (copied from the project's shared fixtures,
/// so a clean clone has them), read from beside this source file.
public enum Fixtures {
    public static let twimlReference = text("twiml_reference.json")
    public static let mediaStreamMessages = text("media_stream_messages.json")
    /// twilio/twilio-python tests/unit/test_request_validator.py (public test data).
    public static let signatureVectors = text("twilio_signature_official.json")

    public static func text(_ name: String) -> String {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(name)
        guard let text = try? String(contentsOf: url, encoding: .utf8), !text.isEmpty else {
            // Loud, so that loops over fixture cases can never pass by finding none.
            fatalError("test fixture \(url.path) is missing or empty")
        }
        return text
    }
}

/// One case of twilio_signature_official.json.
public struct TwilioSignatureVector: Decodable, Sendable {
    public let id: String
    public let auth_token: String
    /// compute_signature, compute_hash or validate.
    public let operation: String
    public let url: String?
    public let params: [[String]]?
    public let body: String?
    public let string_to_sign: String?
    public let expected_signature: String?
    public let expected_hash: String?
    public let signature: String?
    public let expected_valid: Bool?

    public var parameters: [(String, String)] { (params ?? []).map { ($0[0], $0[1]) } }

    /// Every vector in the fixture.
    public static let all: [TwilioSignatureVector] = {
        struct File: Decodable { let vectors: [TwilioSignatureVector] }
        return (try? JSONDecoder().decode(File.self, from: Data(Fixtures.signatureVectors.utf8)).vectors) ?? []
    }()
}
