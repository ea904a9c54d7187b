import Foundation
import TestSupport
import Testing

@testable import Twilio

@Suite struct TwilioSignatureTests {
    typealias Vector = TwilioSignatureVector

    static let vectors = TwilioSignatureVector.all

    @Test func everyOfficialVectorPasses() throws {
        #expect(Self.vectors.count == 10)
        for vector in Self.vectors {
            let signer = TwilioSignature(authToken: vector.auth_token)
            switch vector.operation {
            case "compute_signature":
                let url = try #require(vector.url)
                #expect(TwilioSignature.stringToSign(url: url, parameters: vector.parameters) == vector.string_to_sign, "\(vector.id)")
                #expect(signer.signature(url: url, parameters: vector.parameters) == vector.expected_signature, "\(vector.id)")
            case "compute_hash":
                #expect(TwilioSignature.bodyHash(try #require(vector.body)) == vector.expected_hash, "\(vector.id)")
            case "validate":
                let url = try #require(vector.url)
                let signature = try #require(vector.signature)
                let valid =
                    vector.params == nil
                    ? signer.isValid(signature: signature, url: url, jsonBody: try #require(vector.body))
                    : signer.isValid(signature: signature, url: url, parameters: vector.parameters)
                #expect(valid == vector.expected_valid, "\(vector.id)")
            default:
                Issue.record("unknown operation \(vector.operation) in \(vector.id)")
            }
        }
    }

    static let url = "https://dialer.example.com/twilio/status?attempt=4f1c"
    static let form = [("CallSid", "CA0001"), ("CallStatus", "ringing"), ("SequenceNumber", "1")]

    @Test func aWrongTokenATamperedParameterOrAnotherURLFails() {
        let signature = TwilioSignature(authToken: "secret").signature(url: Self.url, parameters: Self.form)
        let validator = TwilioSignature(authToken: "secret")
        #expect(validator.isValid(signature: signature, url: Self.url, parameters: Self.form))
        #expect(!TwilioSignature(authToken: "other").isValid(signature: signature, url: Self.url, parameters: Self.form))
        #expect(
            !validator.isValid(
                signature: signature,
                url: Self.url,
                parameters: [("CallSid", "CA0001"), ("CallStatus", "completed"), ("SequenceNumber", "1")]
            )
        )
        #expect(!validator.isValid(signature: signature, url: Self.url, parameters: Self.form + [("Extra", "1")]))
        #expect(!validator.isValid(signature: signature, url: "https://attacker.example.com/twilio/status?attempt=4f1c", parameters: Self.form))
        #expect(!validator.isValid(signature: "", url: Self.url, parameters: Self.form))
        #expect(!validator.isValid(signature: String(signature.dropLast()), url: Self.url, parameters: Self.form))
    }

    @Test func namesAndValuesSortByCodePointAndRepeatedPairsCountOnce() {
        // Swift's String order is Unicode-canonical; Twilio's libraries order by code point.
        let parameters = [("b", "2"), ("B", "1"), ("é", "x"), ("a", "z"), ("a", "Z"), ("a", "z")]
        #expect(TwilioSignature.stringToSign(url: "u", parameters: parameters) == "uB1aZazb2éx")
        #expect(TwilioSignature.codePointOrder("Z", "a") && !TwilioSignature.codePointOrder("é", "z"))
    }

    @Test func theURLMatchesWithAndWithoutItsPort() {
        #expect(TwilioSignature.urlVariants("https://h.example.com/p?q=1") == ["https://h.example.com/p?q=1", "https://h.example.com:443/p?q=1"])
        #expect(TwilioSignature.urlVariants("http://h.example.com:8080/p") == ["http://h.example.com/p", "http://h.example.com:8080/p"])
        #expect(TwilioSignature.urlVariants("HTTPS://user:pw@[::1]:8443/p?") == ["https://user:pw@[::1]/p", "https://user:pw@[::1]:8443/p"])
        let signer = TwilioSignature(authToken: "t")
        let withPort = signer.signature(url: "https://h.example.com:443/status", parameters: Self.form)
        #expect(signer.isValid(signature: withPort, url: "https://h.example.com/status", parameters: Self.form))
    }

    @Test func aJSONBodyMustMatchItsDeclaredHash() {
        let body = #"{"event":"completed"}"#
        let url = "https://h.example.com/hook?bodySHA256=\(TwilioSignature.bodyHash(body))"
        let signer = TwilioSignature(authToken: "t")
        let signature = signer.signature(url: url)
        #expect(signer.isValid(signature: signature, url: url, jsonBody: body))
        #expect(!signer.isValid(signature: signature, url: url, jsonBody: #"{"event":"forged"}"#))
        #expect(!signer.isValid(signature: signer.signature(url: "https://h.example.com/hook"), url: "https://h.example.com/hook", jsonBody: body))
    }
}
