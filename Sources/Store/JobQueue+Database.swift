import Queue

extension JobQueue {
    /// The queue on the dialer's database.
    public init(database: Database) {
        self.init(client: database.client, listener: database.listener, logger: database.logger)
    }
}
