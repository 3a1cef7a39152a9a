/// The Tollgate release, reported in serverInfo and `/api/v1/portal/server`.
public enum TollgateVersion {
    public static let current = "0.1.0"
}
