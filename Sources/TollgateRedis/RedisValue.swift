/// A decoded Redis reply (RESP2, which is what hiredis 0.14 speaks).
public enum RedisValue: Sendable, Equatable {
    case bulk([UInt8])
    case status(String)
    case integer(Int64)
    case array([RedisValue])
    case null
    case error(String)

    /// The reply as text: bulk strings decoded as UTF-8, status and integers as written.
    public var string: String? {
        switch self {
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        case .integer(let value): String(value)
        default: nil
        }
    }

    /// The reply as an integer: integer replies, or bulk strings holding a number.
    public var int: Int64? {
        switch self {
        case .integer(let value): value
        case .bulk, .status: string.flatMap { Int64($0) }
        default: nil
        }
    }

    /// The elements of an array reply; `nil` for anything else.
    public var array: [RedisValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    /// Whether this is a null reply (missing key, timed-out blocking read).
    public var isNull: Bool { self == .null }

    /// The message of an error reply, or `nil`.
    public var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }
}

/// One command argument, binary safe.
public struct RedisArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { self.bytes = Array(string.utf8) }
    public init(_ value: Int) { self.bytes = Array(String(value).utf8) }
    public init(stringLiteral value: String) { self.init(value) }
    public init(integerLiteral value: Int) { self.init(value) }
}

/// A command: its name and arguments, e.g. `RedisCommand("XADD", ["s", "*", "f", "v"])`.
public struct RedisCommand: Sendable, Hashable {
    public var arguments: [RedisArgument]

    public init(_ name: String, _ arguments: [RedisArgument] = []) {
        self.arguments = [RedisArgument(name)] + arguments
    }

    /// The command name, for logs and errors (arguments are never logged: they may be secrets).
    public var name: String { String(decoding: arguments.first?.bytes ?? [], as: UTF8.self) }
}
