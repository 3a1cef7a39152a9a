public import Prometheus

extension PrometheusCollectorRegistry {
    /// A counter named exactly `name` (the descriptor API without namespace or unit parts,
    /// which replaces swift-prometheus's deprecated `makeCounter(name:help:)`).
    public func counter(_ name: String, help: String, labels: [(String, String)] = []) -> Counter {
        makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }
}
