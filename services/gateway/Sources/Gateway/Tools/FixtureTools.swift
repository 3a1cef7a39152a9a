/// The twelve built-in fixture tools, by group; each group can be switched off in config.
enum FixtureTools {
    static let groups: [String: [any BuiltinTool]] = [
        "identity": [WhoamiTool(), EchoTool(), HeadersTool()],
        "data": [FixedResponseTool(), SizedResponseTool(), LoremTool()],
        "failure": [ErrorTool(), SlowTool(), FlakyTool()],
        "streaming": [ProgressTool(), LongOutputTool(), ChattyTool()],
    ]

    static let groupNames = ["identity", "data", "failure", "streaming"]

    /// The tools of the enabled groups, in a stable order.
    static func enabled(_ names: [String]) -> [any BuiltinTool] {
        groupNames.filter(names.contains).flatMap { groups[$0] ?? [] }
    }
}
