/// The error body of every Tollgate HTTP API: `{"error": "human-readable description"}`.
public struct ErrorBody: Codable, Sendable, Equatable {
    public var error: String

    public init(error: String) {
        self.error = error
    }
}
