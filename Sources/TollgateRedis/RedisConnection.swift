import CHiredis

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One blocking hiredis connection.
///
/// hiredis is not thread-safe, so a connection is owned by exactly one thread at a time:
/// the client checks it out for one command batch on one of its dedicated threads and
/// checks it back in afterwards. That hand-over is why it is `@unchecked Sendable`.
final class RedisConnection: @unchecked Sendable {
    private let context: UnsafeMutablePointer<redisContext>
    /// Set once the connection failed; a broken connection is never reused.
    private(set) var isBroken = false

    init(url: RedisURL, connectTimeout: Duration, commandTimeout: Duration?) throws(RedisError) {
        guard let context = redisConnectWithTimeout(url.host, Int32(url.port), Self.timeval(connectTimeout)) else {
            throw .unavailable("cannot allocate a connection")
        }
        if context.pointee.err != 0 {
            let message = Self.errorString(context)
            redisFree(context)
            throw .unavailable("\(url.host):\(url.port): \(message)")
        }
        self.context = context
        if let commandTimeout {
            _ = redisSetTimeout(context, Self.timeval(commandTimeout))
        }
        if let password = url.password {
            var arguments: [RedisArgument] = []
            if let username = url.username { arguments.append(RedisArgument(username)) }
            arguments.append(RedisArgument(password))
            let reply = try execute([RedisCommand("AUTH", arguments)])[0]
            if let message = reply.errorMessage {
                throw .unavailable("authentication failed: \(message)")
            }
        }
        if url.database != 0 {
            let reply = try execute([RedisCommand("SELECT", [RedisArgument(url.database)])])[0]
            if let message = reply.errorMessage {
                throw .invalidConfiguration("cannot select database \(url.database): \(message)")
            }
        }
    }

    deinit {
        redisFree(context)
    }

    /// Sends every command in one write, then reads one reply per command (pipelining).
    /// Error replies are returned as `.error` values; I/O failures throw and break the connection.
    func execute(_ commands: [RedisCommand]) throws(RedisError) -> [RedisValue] {
        for command in commands {
            try append(command)
        }
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            replies.append(try readReply())
        }
        return replies
    }

    /// Queues a command in hiredis' output buffer; it is written by the next read.
    func append(_ command: RedisCommand) throws(RedisError) {
        let arguments = command.arguments
        var offsets: [Int] = []
        offsets.reserveCapacity(arguments.count)
        var lengths: [Int] = []
        lengths.reserveCapacity(arguments.count)
        var storage: [UInt8] = []
        for argument in arguments {
            offsets.append(storage.count)
            lengths.append(argument.bytes.count)
            storage.append(contentsOf: argument.bytes)
            storage.append(0)
        }
        // hiredis copies the arguments into its own buffer, so the pointers need to live only for this call.
        let status = storage.withUnsafeBufferPointer { buffer -> Int32 in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            var argv: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
            return argv.withUnsafeMutableBufferPointer { argvBuffer in
                lengths.withUnsafeBufferPointer { lengthBuffer in
                    redisAppendCommandArgv(context, Int32(arguments.count), argvBuffer.baseAddress, lengthBuffer.baseAddress)
                }
            }
        }
        if status != REDIS_OK {
            throw fail(command: command.name)
        }
    }

    /// Flushes pending commands and blocks until the next reply arrives (or the command timeout).
    func readReply() throws(RedisError) -> RedisValue {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
            throw fail(command: nil)
        }
        defer { freeReplyObject(raw) }
        return Self.decode(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Returns the next reply pushed by the server (pub/sub), waiting at most `timeoutMilliseconds`;
    /// `nil` when nothing arrived in that time. Polling keeps a subscriber thread stoppable.
    func readPushed(timeoutMilliseconds: Int32) throws(RedisError) -> RedisValue? {
        if let value = try bufferedReply() { return value }
        var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, timeoutMilliseconds)
        if ready == 0 || (ready < 0 && errno == EINTR) { return nil }
        if ready < 0 || redisBufferRead(context) != REDIS_OK {
            throw fail(command: nil)
        }
        return try bufferedReply()
    }

    /// Whether an idle connection has been closed by the server (or has unsolicited data,
    /// which for an idle request/response connection means the same: do not reuse it).
    var looksClosed: Bool {
        var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) != 0
    }

    private func bufferedReply() throws(RedisError) -> RedisValue? {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReplyFromReader(context, &raw) == REDIS_OK else {
            throw fail(command: nil)
        }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return Self.decode(raw.assumingMemoryBound(to: redisReply.self))
    }

    private func fail(command: String?) -> RedisError {
        isBroken = true
        let reason = Self.errorString(context)
        return .connectionLost(command.map { "\($0): \(reason)" } ?? reason)
    }

    private static func decode(_ reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING:
            return .bulk(bytes(value.str, value.len))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(value.str, value.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(value.str, value.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(value.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisValue] = []
            elements.reserveCapacity(value.elements)
            for index in 0..<value.elements {
                if let element = value.element[index] {
                    elements.append(decode(element))
                } else {
                    elements.append(.null)
                }
            }
            return .array(elements)
        default:
            return .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> [UInt8] {
        guard let pointer, length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: &context.pointee.errstr) { raw in
            let text = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            return text.isEmpty ? "connection closed" : text
        }
    }

    private static func timeval(_ duration: Duration) -> timeval {
        let (seconds, attoseconds) = duration.components
        return .init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
