import Foundation
public import HummingbirdCore

/// A query string decoded as HTML forms and `URLSearchParams` encode it: `+` is a space,
/// then percent-escapes are decoded. Hummingbird's `queryParameters` keeps `+` literal, which
/// would turn `q=disk+full` into a search for "disk+full".
public struct FormQuery: Sendable {
    public let pairs: [(key: String, value: String)]

    public init(_ rawQuery: String?) {
        pairs = (rawQuery ?? "").split(separator: "&", omittingEmptySubsequences: true).map { part in
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.decode(pieces[0]), pieces.count > 1 ? Self.decode(pieces[1]) : "")
        }
    }

    /// The last value of `key`, as with repeated form fields.
    public func get(_ key: String) -> String? {
        pairs.last { $0.key == key }?.value
    }

    /// `pairs` as a query string (or form body) that `init` reads back unchanged: percent-escaped,
    /// with `+` escaped too, since a literal `+` reads as a space.
    public static func encode(_ pairs: [(String, String)]) -> String {
        var components = URLComponents()
        components.queryItems = pairs.map { URLQueryItem(name: $0.0, value: $0.1) }
        return (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}

extension URI {
    /// The query decoded as a form (`+` is a space).
    public var form: FormQuery { FormQuery(query) }
}
