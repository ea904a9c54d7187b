// Tests/Fixtures/twilio_signature_official.json, embedded so the suite needs no files at run time.
// Source: twilio/twilio-python tests/unit/test_request_validator.py (public test data).
enum SignatureFixtures {
    static let json = #"""
{
  "source": "twilio/twilio-python tests/unit/test_request_validator.py (public test data), verified with the twilio 9.13.0 RequestValidator",
  "algorithm": {
    "header": "X-Twilio-Signature",
    "string_to_sign": "full URL as Twilio requested it (scheme, host, optional port, path, query string exactly as sent) + for each distinct POST parameter name in ascending Unicode code-point order, for each distinct value of that name in ascending code-point order: name + value (no separators). GET requests and JSON (bodySHA256) requests: URL only.",
    "mac": "HMAC-SHA1 keyed with the UTF-8 bytes of the Auth Token (HMAC-SHA256 with the SharedKey secret when X-Twilio-Webhooks-Signature-Settings says algorithm=HMAC_SHA256; twilio>=9.13.0), over the UTF-8 bytes of the string",
    "encoding": "standard base64 with '=' padding (28 chars for SHA1, 44 for SHA256)",
    "validation": "accept if signature equals the signature of the URL without its port OR of the URL with a port (existing port kept; otherwise :443 for https, :80 for any other scheme); both URL forms pass through Python urlparse/geturl (scheme lower-cased, empty '?' or '#' dropped). If the URL query has bodySHA256 and the body is given as a string: also require sha256(body).hexdigest() == first bodySHA256 value (case-sensitive) and sign with no params."
  },
  "vectors": [
    {
      "id": "py-official-01",
      "source": {
        "repo": "twilio/twilio-python",
        "path": "tests/unit/test_request_validator.py",
        "commit_of_file": "b9b32ef0b0e2c280510715c70a3d5c1cd6cec774",
        "snapshot_head": "306691e793f417b6974640d1ef88785e9de03b2a",
        "test": "ValidationTest.test_compute_signature"
      },
      "auth_token": "12345",
      "algorithm": "HMAC_SHA1",
      "operation": "compute_signature",
      "url": "https://mycompany.com/myapp.php?foo=1&bar=2",
      "params": [
        [
          "CallSid",
          "CA1234567890ABCDE"
        ],
        [
          "Digits",
          "1234"
        ],
        [
          "From",
          "+14158675309"
        ],
        [
          "To",
          "+18005551212"
        ],
        [
          "Caller",
          "+14158675309"
        ]
      ],
      "params_container": "dict",
      "string_to_sign": "https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212",
      "string_to_sign_utf8_base64": "aHR0cHM6Ly9teWNvbXBhbnkuY29tL215YXBwLnBocD9mb289MSZiYXI9MkNhbGxTaWRDQTEyMzQ1Njc4OTBBQkNERUNhbGxlcisxNDE1ODY3NTMwOURpZ2l0czEyMzRGcm9tKzE0MTU4Njc1MzA5VG8rMTgwMDU1NTEyMTI=",
      "expected_signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
      "library_signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
      "reimpl_signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
      "verified": true
    },
    {
      "id": "py-official-02",
      "source": {
        "repo": "twilio/twilio-python",
        "path": "tests/unit/test_request_validator.py",
        "commit_of_file": "b9b32ef0b0e2c280510715c70a3d5c1cd6cec774",
        "snapshot_head": "306691e793f417b6974640d1ef88785e9de03b2a",
        "test": "ValidationTest.test_compute_hash_unicode"
      },
      "auth_token": "12345",
      "algorithm": "HMAC_SHA1",
      "operation": "compute_hash",
      "body": "{\"property\": \"value\", \"boolean\": true}",
      "expected_hash": "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620",
      "library_hash": "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620",
      "reimpl_hash": "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620",
      "verified": true
    },
    {
      "id": "py-official-03",
      "source": {
        "repo": "twilio/twilio-python",
        "path": "tests/unit/test_request_validator.py",
        "commit_of_file": "b9b32ef0b0e2c280510715c70a3d5c1cd6cec774",
        "snapshot_head": "306691e793f417b6974640d1ef88785e9de03b2a",
        "test": "ValidationTest.test_compute_signature_duplicate_multi_dict"
      },
      "auth_token": "12345",
      "algorithm": "HMAC_SHA1",
      "operation": "compute_signature",
      "url": "https://mycompany.com/myapp.php?foo=1&bar=2",
      "params": [
        [
          "Sid",
          "CA123"
        ],
        [
          "SidAccount",
          "AC123"
        ],
        [
          "Digits",
          "5678"
        ],
        [
          "Digits",
          "1234"
        ],
        [
          "Digits",
          "1234"
        ]
      ],
      "params_container": "multidict",
      "string_to_sign": "https://mycompany.com/myapp.php?foo=1&bar=2Digits1234Digits5678SidCA123SidAccountAC123",
      "string_to_sign_utf8_base64": "aHR0cHM6Ly9teWNvbXBhbnkuY29tL215YXBwLnBocD9mb289MSZiYXI9MkRpZ2l0czEyMzREaWdpdHM1Njc4U2lkQ0ExMjNTaWRBY2NvdW50QUMxMjM=",
      "expected_signature": "IK+Dwps556ElfBT0I3Rgjkr1wJU=",
      "library_signature": "IK+Dwps556ElfBT0I3Rgjkr1wJU=",
      "reimpl_signature": "IK+Dwps556ElfBT0I3Rgjkr1wJU=",
      "verified": true,
      "note": "Official test comments: keys sorted, values sorted, duplicate values removed."
    },
    {
      "id": "py-official-04",
      "source": {
        "repo": "twilio/twilio-python",
        "path": "tests/unit/test_request_validator.py",
        "commit_of_file": "b9b32ef0b0e2c280510715c70a3d5c1cd6cec774",
        "snapshot_head": "306691e793f417b6974640d1ef88785e9de03b2a",
        "test": "ValidationTest.test_compute_signature_duplicate_query_dict"
      },
      "auth_token": "12345",
      "algorithm": "HMAC_SHA1",
      "operation": "compute_signature",
      "url": "https://mycompany.com/myapp.php?foo=1&bar=2",
      "params": [
        [
          "Sid",
          "CA123"
        ],
        [
          "SidAccount",
          "AC123"
        ],
        [
          "Digits",
          "5678"
        ],
        [
          "Digits",
          "1234"
        ],
        [
          "Digits",
          "1234"
        ]
      ],
      "params_container": "multidict",
      "string_to_sign": "https://mycompany.com/myapp.php?foo=1&bar=2Digits1234Digits5678SidCA123SidAccountAC123",
      "string_to_sign_utf8_base64": "aHR0cHM6Ly9teWNvbXBhbnkuY29tL215YXBwLnBocD9mb289MSZiYXI9MkRpZ2l0czEyMzREaWdpdHM1Njc4U2lkQ0ExMjNTaWRBY2NvdW50QUMxMjM=",
      "expected_signature": "IK+Dwps556ElfBT0I3Rgjkr1wJU=",
      "library_signature": "IK+Dwps556ElfBT0I3Rgjkr1wJU=",
      "reimpl_signature": "IK+Dwps556ElfBT0I3Rgjkr1wJU=",
      "verified": true,
      "note": "Same data as py-official-03 given as a Django QueryDict ('Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234'); re-checked here with multidict.MultiDict (Django is not installed)."
    },
    {
      "id": "py-official-05",
      "source": {
        "repo": "twilio/twilio-python",
        "path": "tests/unit/test_request_validator.py",
        "commit_of_file": "b9b32ef0b0e2c280510715c70a3d5c1cd6cec774",
        "snapshot_head": "306691e793f417b6974640d1ef88785e9de03b2a",
        "test": "ValidationTest.test_validation"
      },
      "auth_token": "12345",
      "algorithm": "HMAC_SHA1",
      "operation": "validate",
      "url": "https://mycompany.com/myapp.php?foo=1&bar=2",
      "params": [
        [
          "CallSid",
          "CA1234567890ABCDE"
        ],
        [
          "Digits",
          "1234"
        ],
        [
          "From",
          "+14158675309"
        ],
        [
          "To",
          "+18005551212"
        ],
        [
          "Caller",
          "+14158675309"
        ]
      ],
      "params_container": "dict",
      "body": null,
      "signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
      "expected_valid": true,
      "signed_url": "https://mycompany.com/myapp.php?foo=1&bar=2",
      "string_to_sign": "https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212",
      "library_valid": true,
      "reimpl_valid": true,
      "verified": true
    },
    {
      "id": "py-official-06",
      "source": {
        "repo": "twilio/twilio-python",
        "path": "tests/unit/test_request_validator.py",
        "commit_of_file": "b9b32ef0b0e2c280510715c70a3d5c1cd6cec774",
        "snapshot_head": "306691e793f417b6974640d1ef88785e9de03b2a",
        "test": "ValidationTest.test_validation_removes_port_on_https"
      },
      "auth_token": "12345",
      "algorithm": "HMAC_SHA1",
      "operation": "validate",
      "url": "https://mycompany.com:1234/myapp.php?foo=1&bar=2",
      "params": [
        [
          "CallSid",
          "CA1234567890ABCDE"
        ],
        [
          "Digits",
          "1234"
        ],
        [
          "From",
          "+14158675309"
        ],
        [
          "To",
          "+18005551212"
        ],
        [
          "Caller",
          "+14158675309"
        ]
      ],
      "params_container": "dict",
      "body": null,
      "signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
      "expected_valid": true,
      "signed_url": "https://mycompany.com/myapp.php?foo=1&bar=2",
      "string_to_sign": "https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212",
      "library_valid": true,
      "reimpl_valid": true,
      "verified": true
    },
    {
      "id": "py-official-07",
      "source": {
        "repo": "twilio/twilio-python",
        "path": "tests/unit/test_request_validator.py",
        "commit_of_file": "b9b32ef0b0e2c280510715c70a3d5c1cd6cec774",
        "snapshot_head": "306691e793f417b6974640d1ef88785e9de03b2a",
        "test": "ValidationTest.test_validation_removes_port_on_http"
      },
      "auth_token": "12345",
      "algorithm": "HMAC_SHA1",
      "operation": "validate",
      "url": "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
      "params": [
        [
          "CallSid",
          "CA1234567890ABCDE"
        ],
        [
          "Digits",
          "1234"
        ],
        [
          "From",
          "+14158675309"
        ],
        [
          "To",
          "+18005551212"
        ],
        [
          "Caller",
          "+14158675309"
        ]
      ],
      "params_container": "dict",
      "body": null,
      "signature": "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=",
      "expected_valid": true,
      "signed_url": "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
      "string_to_sign": "http://mycompany.com:1234/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212",
      "library_valid": true,
      "reimpl_valid": true,
      "verified": true,
      "note": "Test comment: 'hash of http uri with port 1234'."
    },
    {
      "id": "py-official-08",
      "source": {
        "repo": "twilio/twilio-python",
        "path": "tests/unit/test_request_validator.py",
        "commit_of_file": "b9b32ef0b0e2c280510715c70a3d5c1cd6cec774",
        "snapshot_head": "306691e793f417b6974640d1ef88785e9de03b2a",
        "test": "ValidationTest.test_validation_adds_port_on_https"
      },
      "auth_token": "12345",
      "algorithm": "HMAC_SHA1",
      "operation": "validate",
      "url": "https://mycompany.com/myapp.php?foo=1&bar=2",
      "params": [
        [
          "CallSid",
          "CA1234567890ABCDE"
        ],
        [
          "Digits",
          "1234"
        ],
        [
          "From",
          "+14158675309"
        ],
        [
          "To",
          "+18005551212"
        ],
        [
          "Caller",
          "+14158675309"
        ]
      ],
      "params_container": "dict",
      "body": null,
      "signature": "kvajT1Ptam85bY51eRf/AJRuM3w=",
      "expected_valid": true,
      "signed_url": "https://mycompany.com:443/myapp.php?foo=1&bar=2",
      "string_to_sign": "https://mycompany.com:443/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212",
      "library_valid": true,
      "reimpl_valid": true,
      "verified": true,
      "note": "Test comment: 'hash of uri with port 443'."
    },
    {
      "id": "py-official-09",
      "source": {
        "repo": "twilio/twilio-python",
        "path": "tests/unit/test_request_validator.py",
        "commit_of_file": "b9b32ef0b0e2c280510715c70a3d5c1cd6cec774",
        "snapshot_head": "306691e793f417b6974640d1ef88785e9de03b2a",
        "test": "ValidationTest.test_validation_adds_port_on_http"
      },
      "auth_token": "12345",
      "algorithm": "HMAC_SHA1",
      "operation": "validate",
      "url": "http://mycompany.com/myapp.php?foo=1&bar=2",
      "params": [
        [
          "CallSid",
          "CA1234567890ABCDE"
        ],
        [
          "Digits",
          "1234"
        ],
        [
          "From",
          "+14158675309"
        ],
        [
          "To",
          "+18005551212"
        ],
        [
          "Caller",
          "+14158675309"
        ]
      ],
      "params_container": "dict",
      "body": null,
      "signature": "0ZXoZLH/DfblKGATFgpif+LLRf4=",
      "expected_valid": true,
      "signed_url": "http://mycompany.com:80/myapp.php?foo=1&bar=2",
      "string_to_sign": "http://mycompany.com:80/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212",
      "library_valid": true,
      "reimpl_valid": true,
      "verified": true,
      "note": "Test comment: 'hash of uri with port 80'."
    },
    {
      "id": "py-official-10",
      "source": {
        "repo": "twilio/twilio-python",
        "path": "tests/unit/test_request_validator.py",
        "commit_of_file": "b9b32ef0b0e2c280510715c70a3d5c1cd6cec774",
        "snapshot_head": "306691e793f417b6974640d1ef88785e9de03b2a",
        "test": "ValidationTest.test_validation_of_body_succeeds"
      },
      "auth_token": "12345",
      "algorithm": "HMAC_SHA1",
      "operation": "validate",
      "url": "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620",
      "params": null,
      "params_container": "raw_body_string",
      "body": "{\"property\": \"value\", \"boolean\": true}",
      "signature": "a9nBmqA0ju/hNViExpshrM61xv4=",
      "expected_valid": true,
      "signed_url": "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620",
      "string_to_sign": "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620",
      "library_valid": true,
      "reimpl_valid": true,
      "verified": true
    }
  ]
}
"""#
}
