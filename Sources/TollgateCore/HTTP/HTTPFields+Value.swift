public import HTTPTypes

extension HTTPFields {
    /// The field's value; a repeated field's values joined with `, ` (`; ` for `Cookie`). What
    /// `self[name]` answers, without its generic lazy join: header reads were 3 % of the CPU of
    /// a built-in tool call, and most fields appear once.
    public func value(_ name: HTTPField.Name) -> String? {
        var first: String?
        var more: [String] = []
        for field in self where field.name == name {
            if first == nil { first = field.value } else { more.append(field.value) }
        }
        guard let first, !more.isEmpty else { return first }
        return ([first] + more).joined(separator: name == .cookie ? "; " : ", ")
    }
}
