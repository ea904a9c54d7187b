import Backoff
import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// Where the dialer's Postgres is, parsed from a libpq-style URL.
///
/// `postgres://user:password@host:port/database?sslmode=require` for TCP, or
/// `postgres://user@localhost/database?host=/path/to/socket/dir` for a unix socket
/// (the socket file is `<dir>/.s.PGSQL.<port>`, as libpq finds it).
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    /// How to use TLS on a TCP connection.
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public var username: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var socketDirectory: String?
    public var tls: TLSMode

    public init(_ string: String) throws {
        guard let components = URLComponents(string: string),
            ["postgres", "postgresql"].contains(components.scheme ?? "")
        else { throw DatabaseURLError("DATABASE_URL must look like postgres://user@host:5432/database") }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") },
            uniquingKeysWith: { _, last in last }
        )
        self.username = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        self.password = components.password.flatMap { $0.removingPercentEncoding }
        self.host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        self.port = components.port ?? 5432
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? self.username : path
        // libpq's host parameter: a directory means a unix socket, anything else a host name.
        if let host = query["host"], !host.isEmpty {
            if host.hasPrefix("/") { self.socketDirectory = host } else { self.host = host }
        }
        guard let tls = TLSMode(rawValue: query["sslmode"] ?? (socketDirectory == nil ? "prefer" : "disable")) else {
            throw DatabaseURLError("sslmode must be disable, prefer or require")
        }
        self.tls = tls
    }

    /// The same server, another database (the test support clones databases this way).
    public func with(database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The URL again, with the password masked, safe for logs.
    public var description: String {
        var text = "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
        var query: [String] = []
        if let socketDirectory { query.append("host=\(socketDirectory)") }
        if socketDirectory == nil { query.append("sslmode=\(tls.rawValue)") }
        if !query.isEmpty { text += "?" + query.joined(separator: "&") }
        return text
    }

    /// The URL with its password, for child processes and psql.
    public var connectionString: String {
        var text = "postgres://\(username.urlEncoded)"
        if let password { text += ":\(password.urlEncoded)" }
        text += "@\(host):\(port)/\(database)"
        var query: [String] = []
        if let socketDirectory { query.append("host=\(socketDirectory)") }
        if socketDirectory == nil { query.append("sslmode=\(tls.rawValue)") }
        return query.isEmpty ? text : text + "?" + query.joined(separator: "&")
    }

    /// A PostgresNIO client configuration for this URL.
    public func clientConfiguration(maxConnections: Int = 20) throws -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketDirectory {
            configuration = .init(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)",
                username: username,
                password: password,
                database: database
            )
        } else {
            let tlsSetting: PostgresClient.Configuration.TLS
            switch tls {
            case .disable: tlsSetting = .disable
            case .prefer: tlsSetting = .prefer(.makeClientConfiguration())
            case .require: tlsSetting = .require(.makeClientConfiguration())
            }
            configuration = .init(
                host: host,
                port: port,
                username: username,
                password: password,
                database: database,
                tls: tlsSetting
            )
        }
        configuration.options.maximumConnections = maxConnections
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(30))
        return configuration
    }

    /// Reads `DATABASE_URL` from the environment.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DatabaseURL {
        guard let value = environment["DATABASE_URL"], !value.isEmpty else {
            throw DatabaseURLError("DATABASE_URL is not set (for example postgres://dialer@localhost:5432/dialer)")
        }
        return try DatabaseURL(value)
    }
}

/// A DATABASE_URL that cannot be used, with the reason.
public struct DatabaseURLError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    fileprivate var urlEncoded: String {
        addingPercentEncoding(withAllowedCharacters: .urlUserAllowed.subtracting(CharacterSet(charactersIn: ":@/"))) ?? self
    }
}
