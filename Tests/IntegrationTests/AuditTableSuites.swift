import Testing

/// The suites that create, attach or drop audit partitions, run one after another.
// Dropping a partition takes ACCESS EXCLUSIVE locks on the parent tables; a read running in
// another suite at that moment could be chosen as a deadlock victim (a CI run lost an export
// stream that way), and suites run in parallel by default.
@Suite(.serialized) enum AuditTableSuites {}
