import Crypto

/// One numbered file from `sql/`, as the binary carries it.
public struct MigrationSource: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Hex SHA-256 of the file's text: an applied migration whose file changed is refused.
    public var checksum: String { SHA256.hash(data: Array(sql.utf8)).hexString }

    /// All of them together, to tell one schema build from another (test templates use it).
    public static func combinedChecksum(_ sources: [MigrationSource]) -> String {
        let joined = sources.map { "\($0.version):\($0.checksum)" }.joined(separator: ",")
        return String(SHA256.hash(data: Array(joined.utf8)).hexString.prefix(16))
    }
}

extension Sequence where Element == UInt8 {
    var hexString: String {
        map { byte in byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16) }.joined()
    }
}
