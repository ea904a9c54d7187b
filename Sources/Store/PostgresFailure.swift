import PostgresNIO

/// What Postgres said when a statement failed, found also inside a transaction's error: the
/// callers tell a refused value or a lost race from an outage by its SQLSTATE.
public enum PostgresFailure {
    /// Postgres's own error, unwrapped from a transaction's.
    public static func serverError(in error: any Error) -> PSQLError? {
        if let error = error as? PostgresTransactionError {
            return (error.closureError ?? error.beginError ?? error.commitError).flatMap(serverError(in:))
        }
        return error as? PSQLError
    }

    /// The SQLSTATE the server gave, if the failure came from the server.
    public static func sqlState(of error: any Error) -> String? {
        serverError(in: error)?.serverInfo?[.sqlState]
    }

    /// A unique constraint refused the write.
    public static func isUniqueViolation(_ error: any Error) -> Bool {
        sqlState(of: error) == "23505"
    }
}
