import Queue

extension JobQueue {
    /// The queue on the dialer's database.
    public init(database: Database) {
        self.init(client: database.client, logger: database.logger)
    }
}
