import PostgresNIO

/// Builds the one statement shape every transition of a running job uses:
///
///     WITH target AS (lock the rows of these (id, attempt) leases that are still running, in id order)
///     UPDATE dialer.jobs AS j SET … FROM target WHERE j.id = target.id RETURNING …
///
/// The lock order makes concurrent writers (a completer, a heartbeat) unable to deadlock; the
/// `(id, attempt, state = 'running')` match is the fence that keeps a stale worker's update
/// from touching a job that was rescued and claimed again. Per-job values travel as extra
/// unnest columns, visible in `SET` as `target.<name>`.
struct FencedUpdate {
    private var bindings = PostgresBindings()
    private var columns: [(name: String, placeholder: String)] = []

    init(_ leases: [JobLease]) {
        column("id", "bigint[]", leases.map(\.id))
        column("attempt", "int[]", leases.map(\.attempt))
    }

    /// Adds a per-job column; `values` must be in the leases' order.
    mutating func column<Values: PostgresDynamicTypeEncodable>(_ name: String, _ type: String, _ values: Values) {
        bindings.append(values)
        columns.append((name, "$\(bindings.count)::\(type)"))
    }

    /// Binds one value for the whole statement; returns its placeholder.
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value) -> String {
        bindings.append(value)
        return "$\(bindings.count)"
    }

    func query(set assignments: String, returning: String = "j.id, j.attempt") -> PostgresQuery {
        let arrays = columns.map(\.placeholder).joined(separator: ", ")
        let names = columns.map(\.name).joined(separator: ", ")
        let sql = """
            WITH target AS (
                SELECT l.* FROM dialer.jobs AS j
                JOIN unnest(\(arrays)) AS l(\(names)) ON j.id = l.id AND j.attempt = l.attempt
                WHERE j.state = 'running'
                ORDER BY j.id
                FOR UPDATE OF j
            )
            UPDATE dialer.jobs AS j SET \(assignments)
            FROM target WHERE j.id = target.id
            RETURNING \(returning)
            """
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }
}
