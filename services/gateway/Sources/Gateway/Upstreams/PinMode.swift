/// Rug-pull protection for one upstream: what happens when a tool's definition is no longer
/// the one pinned when the tool was first seen.
enum PinMode: String, Sendable {
    /// Definitions are not compared.
    case off
    /// The tool stays listed; the change is recorded for review, audited and counted.
    case warn
    /// The tool is withheld (not listed, calls refused) until an operator approves the change;
    /// a new tool on an upstream seen before waits for approval too.
    case block
}
