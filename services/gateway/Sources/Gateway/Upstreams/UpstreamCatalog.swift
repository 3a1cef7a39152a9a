import AsyncHTTPClient
import Foundation
import Logging
import MCPCore
import Prometheus
import ServiceLifecycle
import SharedProto
import Synchronization
import TollgateCore

/// A tool of an upstream as the gateway exposes it.
struct UpstreamTool: Sendable {
    var exposedName: String
    var originalName: String
    var upstream: String
    /// The upstream's definition with the exposed name.
    var definition: JSONValue
}

/// The federated upstreams: their connections, their current tool lists, and calls to them.
/// Tool lists refresh at start, periodically, and when an upstream announces
/// `notifications/tools/list_changed`. An upstream that cannot be reached has its tools
/// withdrawn until it answers again; the others are unaffected.
final class UpstreamCatalog: Service, Sendable {
    struct Upstream: Sendable {
        var settings: UpstreamSettings
        var connection: any UpstreamConnection
    }

    private struct UpstreamState {
        let tools: [UpstreamTool]
        /// Exposed name → position in `tools`: a call finds its tool in one hash lookup, however
        /// large the upstream's catalog.
        let toolIndex: [String: Int]
        /// Prompts with prefixed names: exposed name → (original name, definition).
        var prompts: [(exposed: String, original: String, definition: JSONValue)] = []
        /// Resources keep their URIs (they are identifiers); reads are routed by URI.
        var resources: [(uri: String, definition: JSONValue)] = []
        var templates: [JSONValue] = []
        var available = false
        var lastError: String?
        /// When the current run of failures began; `nil` while the upstream answers.
        var unreachableSince: ContinuousClock.Instant?
        /// Tools held back by pinning (exposed name → why); not in `tools`.
        var withheld: [String: ToolPinStore.Withholding] = [:]
        /// When the tool list was last read successfully.
        var lastRefresh: Date?

        init(
            tools: [UpstreamTool] = [], prompts: [(exposed: String, original: String, definition: JSONValue)] = [],
            resources: [(uri: String, definition: JSONValue)] = [], templates: [JSONValue] = [], available: Bool = false, lastError: String? = nil,
            withheld: [String: ToolPinStore.Withholding] = [:]
        ) {
            self.withheld = withheld
            self.tools = tools
            self.toolIndex = Dictionary(tools.enumerated().map { ($1.exposedName, $0) }, uniquingKeysWith: { first, _ in first })
            self.prompts = prompts
            self.resources = resources
            self.templates = templates
            self.available = available
            self.lastError = lastError
        }
    }

    private let upstreams: [Upstream]
    private let refreshInterval: Duration
    /// When the periodic refresh runs next.
    private let nextRefresh = Mutex<ContinuousClock.Instant?>(nil)
    /// How long an upstream must stay unreachable before its tools are withdrawn.
    private let withdrawAfter: Duration
    private let logger: Logger
    private let state: Mutex<[String: UpstreamState]>
    private let refreshRequests: AsyncStream<String>.Continuation
    private let refreshStream: AsyncStream<String>
    private let snapshots: CatalogSnapshotStore?
    private let failures: Prometheus.Counter
    private let httpClient: HTTPClient?
    /// Signals this replica's open session streams when the served tool list changes.
    let changes = CatalogChangeBroadcast()
    private let pins: ToolPinStore?
    private let audit: AuditRecorder?
    /// Definitions that differ from their pin: kept listed (`warn`) or withheld (`block`).
    private let definitionsWarned: Prometheus.Counter
    private let definitionsWithheld: Prometheus.Counter

    init(
        upstreams: [Upstream], refreshInterval: Duration, withdrawAfter: Duration = .zero, httpClient: HTTPClient?, snapshots: CatalogSnapshotStore?,
        pins: ToolPinStore? = nil, audit: AuditRecorder? = nil, logger: Logger, metrics: PrometheusCollectorRegistry
    ) {
        self.pins = pins
        self.audit = audit
        let help = "Upstream tool definitions that differ from their pin, by action."
        self.definitionsWarned = metrics.counter("tollgate_gateway_tool_definition_changes_total", help: help, labels: [("action", "warned")])
        self.definitionsWithheld = metrics.counter("tollgate_gateway_tool_definition_changes_total", help: help, labels: [("action", "withheld")])
        self.upstreams = upstreams
        self.refreshInterval = refreshInterval
        self.withdrawAfter = withdrawAfter
        self.httpClient = httpClient
        self.snapshots = snapshots
        self.logger = logger
        self.state = Mutex(Dictionary(uniqueKeysWithValues: upstreams.map { ($0.settings.name, UpstreamState()) }))
        (refreshStream, refreshRequests) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(64))
        self.failures = metrics.counter("tollgate_gateway_upstream_failures_total", help: "Upstream requests that failed to reach their server.")
    }

    /// Tools of every reachable upstream, in configuration order.
    var tools: [UpstreamTool] {
        state.withLock { state in
            upstreams.flatMap { upstream in state[upstream.settings.name].map { $0.available ? $0.tools : [] } ?? [] }
        }
    }

    /// What operators see of each upstream, in configuration order (`GET /api/v1/portal/upstreams`).
    var report: [JSONValue] {
        state.withLock { state in
            upstreams.map { upstream in
                let entry = state[upstream.settings.name] ?? UpstreamState()
                let transport: String
                switch upstream.settings.transport {
                case .http: transport = "http"
                case .stdio: transport = "stdio"
                }
                // Reachable; failing but still listed (withdrawn after `withdrawAfter`); not listed.
                let condition: String
                if entry.available {
                    condition = entry.unreachableSince == nil ? "available" : "degraded"
                } else {
                    condition = entry.lastRefresh == nil && entry.lastError == nil ? "starting" : "unavailable"
                }
                return [
                    "name": .string(upstream.settings.name),
                    "transport": .string(transport),
                    "state": .string(condition),
                    "available": .bool(entry.available),
                    "last_error": entry.lastError.map { .string(String($0.prefix(1024))) } ?? .null,
                    "last_refresh": entry.lastRefresh.map { .string(WireCoding.formatDate($0)) } ?? .null,
                    "tool_count": .int(entry.available ? entry.tools.count : 0),
                    "withheld_tools": .array(entry.withheld.keys.sorted().map { .string($0) }),
                    "protocol_version": upstream.connection.protocolVersion.map { .string($0) } ?? .null,
                    "prefix": .string(upstream.settings.prefix),
                    "pin": .string(upstream.settings.pin.rawValue),
                ]
            }
        }
    }

    /// Each upstream's name and whether it is reachable, in configuration order.
    var status: [(name: String, available: Bool)] {
        state.withLock { state in upstreams.map { ($0.settings.name, state[$0.settings.name]?.available ?? false) } }
    }

    func tool(named name: String) -> (UpstreamTool, Upstream)? {
        for upstream in upstreams where name.hasPrefix(upstream.settings.prefix) {
            let found = state.withLock { state in
                state[upstream.settings.name].flatMap { entry in entry.toolIndex[name].map { entry.tools[$0] } }
            }
            if let found { return (found, upstream) }
        }
        return nil
    }

    /// How long the tool lists are expected to stay as they are: until the next periodic
    /// refresh (nil without upstreams: then only a restart changes them).
    var timeUntilRefresh: Duration? {
        guard !upstreams.isEmpty else { return nil }
        guard let next = nextRefresh.withLock({ $0 }) else { return .zero }
        return max(.zero, next - .now)
    }

    /// Whether `name` would belong to an upstream that is currently unreachable.
    func unavailableUpstream(for name: String) -> String? {
        for upstream in upstreams where name.hasPrefix(upstream.settings.prefix) {
            if state.withLock({ $0[upstream.settings.name]?.available == false }) { return upstream.settings.name }
        }
        return nil
    }

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for upstream in upstreams {
                group.addTask { await self.refresh(upstream) }
            }
        }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        self.nextRefresh.withLock { $0 = .now + self.refreshInterval }
                        try? await Task.sleep(for: self.refreshInterval)
                        for upstream in self.upstreams { self.refreshRequests.yield(upstream.settings.name) }
                    }
                }
                group.addTask {
                    for await name in self.refreshStream {
                        if let upstream = self.upstreams.first(where: { $0.settings.name == name }) {
                            await self.refresh(upstream)
                        }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
        for upstream in upstreams { await upstream.connection.close() }
        try? await httpClient?.shutdown()
    }

    /// Asks an upstream for its tools (following pagination) and replaces its list.
    func refresh(_ upstream: Upstream) async {
        let settings = upstream.settings
        var collected: [UpstreamTool] = []
        var cursor: String?
        do {
            repeat {
                let params = cursor.map { [(key: "cursor", raw: JSONValue.string($0).jsonString)] } ?? []
                let answer = try await upstream.connection.request(UpstreamRequest(method: "tools/list", params: params), onNotification: { _, _ in }, onRequest: nil)
                guard case .result(let raw) = answer, let result = try? JSONParser.parse(raw), let tools = result["tools"]?.arrayValue else {
                    throw UpstreamFailure(description: "upstream \(settings.name) gave no tool list")
                }
                for tool in tools {
                    guard let name = tool["name"]?.stringValue, settings.exposes(name), case .object(var members) = tool else { continue }
                    let exposed = settings.prefix + name
                    members = members.map { $0.0 == "name" ? ("name", .string(exposed)) : $0 }
                    collected.append(UpstreamTool(exposedName: exposed, originalName: name, upstream: settings.name, definition: .object(members)))
                }
                cursor = result["nextCursor"]?.stringValue
            } while cursor != nil && collected.count < 10_000
            let prompts = await listPrompts(upstream)
            let (resources, templates) = await listResources(upstream)
            guard let withheld = await checkPins(settings, tools: collected) else { return }
            let served = collected.filter { withheld[$0.exposedName] == nil }
            let (wasAvailable, listChanged) = state.withLock { state in
                let previous = state[settings.name]
                let listChanged = previous?.available != true || previous?.tools.map(\.definition) != served.map(\.definition)
                defer {
                    var refreshed = UpstreamState(
                        tools: served, prompts: prompts, resources: resources, templates: templates, available: true, lastError: nil, withheld: withheld
                    )
                    refreshed.lastRefresh = Date()
                    state[settings.name] = refreshed
                }
                return (previous?.available ?? false, listChanged)
            }
            if listChanged { changes.toolsChanged() }
            if !wasAvailable {
                logger.info("upstream available", metadata: ["upstream": "\(settings.name)", "tools": "\(collected.count)"])
            }
            await snapshots?.record(upstream: settings.name, tools: collected)
        } catch {
            markUnavailable(settings.name, reason: "\(error)")
        }
    }

    /// The tools pinning withholds from this refresh's list; `nil` when the pins could not be
    /// read for a `block` upstream, whose previous list then stays (it fails closed: a tool
    /// that changed is never served because the database was away).
    private func checkPins(_ settings: UpstreamSettings, tools: [UpstreamTool]) async -> [String: ToolPinStore.Withholding]? {
        guard settings.pin != .off, let pins else { return [:] }
        do {
            let evaluation = try await pins.evaluate(upstream: settings.name, mode: settings.pin, tools: tools)
            for review in evaluation.opened {
                let exposed = settings.prefix + review.tool
                (settings.pin == .block ? definitionsWithheld : definitionsWarned).increment()
                logger.warning(
                    "upstream tool definition differs from its pin",
                    metadata: ["upstream": "\(settings.name)", "tool": "\(exposed)", "change": "\(review.change)", "review_id": "\(review.id)", "pin": "\(settings.pin.rawValue)"]
                )
                await audit?.catalogReview(review, action: "catalog/review", operatorName: nil)
            }
            return evaluation.withheld
        } catch {
            logger.warning("could not check tool pins", metadata: ["upstream": "\(settings.name)", "error": "\(String(reflecting: error))"])
            if settings.pin == .block {
                // The first evaluation has no previous list to keep: serve nothing of it yet.
                let hasPrevious = state.withLock { $0[settings.name]?.available ?? false }
                return hasPrevious ? nil : Dictionary(tools.map { ($0.exposedName, ToolPinStore.Withholding(reviewID: 0, change: "unchecked", state: "unchecked")) }) { $1 }
            }
            return [:]
        }
    }

    /// Why a tool of a reachable upstream is withheld by pinning, if it is.
    func withholding(for name: String) -> ToolPinStore.Withholding? {
        for upstream in upstreams where name.hasPrefix(upstream.settings.prefix) {
            if let found = state.withLock({ $0[upstream.settings.name]?.withheld[name] }) { return found }
        }
        return nil
    }

    /// Refreshes an upstream soon (after an operator's decision on one of its tools).
    func requestRefresh(of upstream: String) {
        refreshRequests.yield(upstream)
    }

    /// The upstream's prompts, prefixed; none when it has no prompts (or refuses the method).
    private func listPrompts(_ upstream: Upstream) async -> [(exposed: String, original: String, definition: JSONValue)] {
        guard let result = try? await listAll(upstream, method: "prompts/list", key: "prompts") else { return [] }
        return result.compactMap { prompt in
            guard let name = prompt["name"]?.stringValue, case .object(let members) = prompt else { return nil }
            let exposed = upstream.settings.prefix + name
            return (exposed, name, .object(members.map { $0.0 == "name" ? ("name", .string(exposed)) : $0 }))
        }
    }

    private func listResources(_ upstream: Upstream) async -> ([(uri: String, definition: JSONValue)], [JSONValue]) {
        let resources = (try? await listAll(upstream, method: "resources/list", key: "resources")) ?? []
        let templates = (try? await listAll(upstream, method: "resources/templates/list", key: "resourceTemplates")) ?? []
        return (resources.compactMap { resource in resource["uri"]?.stringValue.map { ($0, resource) } }, templates)
    }

    /// Every page of a list method.
    private func listAll(_ upstream: Upstream, method: String, key: String) async throws -> [JSONValue] {
        var items: [JSONValue] = []
        var cursor: String?
        repeat {
            let params = cursor.map { [(key: "cursor", raw: JSONValue.string($0).jsonString)] } ?? []
            let answer = try await upstream.connection.request(UpstreamRequest(method: method, params: params), onNotification: { _, _ in }, onRequest: nil)
            guard case .result(let raw) = answer, let result = try? JSONParser.parse(raw) else { return items }
            items += result[key]?.arrayValue ?? []
            cursor = result["nextCursor"]?.stringValue
        } while cursor != nil && items.count < 10_000
        return items
    }

    /// Prompts of every reachable upstream.
    var prompts: [JSONValue] {
        state.withLock { state in
            upstreams.flatMap { upstream in state[upstream.settings.name].map { $0.available ? $0.prompts.map(\.definition) : [] } ?? [] }
        }
    }

    var resources: [JSONValue] {
        state.withLock { state in
            upstreams.flatMap { upstream in state[upstream.settings.name].map { $0.available ? $0.resources.map(\.definition) : [] } ?? [] }
        }
    }

    var resourceTemplates: [JSONValue] {
        state.withLock { state in
            upstreams.flatMap { upstream in state[upstream.settings.name].map { $0.available ? $0.templates : [] } ?? [] }
        }
    }

    /// `prompts/get` for a prefixed prompt name; `nil` when no upstream has it.
    func getPrompt(named name: String, rawArguments: String?, trace: TraceContext? = nil) async throws(JSONRPCError) -> String? {
        for upstream in upstreams where name.hasPrefix(upstream.settings.prefix) {
            guard let original = state.withLock({ $0[upstream.settings.name]?.prompts.first { $0.exposed == name }?.original }) else { continue }
            var params = [(key: "name", raw: JSONValue.string(original).jsonString)]
            if let rawArguments { params.append((key: "arguments", raw: rawArguments)) }
            return try await forward(UpstreamRequest(method: "prompts/get", params: params, name: original, trace: trace), to: upstream)
        }
        return nil
    }

    /// `resources/read` routed to the upstream that listed the URI (or whose template prefix matches).
    func readResource(uri: String, trace: TraceContext? = nil) async throws(JSONRPCError) -> String? {
        let owner = state.withLock { state -> Upstream? in
            upstreams.first { upstream in
                guard let entry = state[upstream.settings.name], entry.available else { return false }
                return entry.resources.contains { $0.uri == uri }
                    || entry.templates.contains { template in
                        guard let pattern = template["uriTemplate"]?.stringValue, let brace = pattern.firstIndex(of: "{") else { return false }
                        return uri.hasPrefix(pattern[..<brace]) && brace > pattern.startIndex
                    }
            }
        }
        guard let owner else { return nil }
        let request = UpstreamRequest(method: "resources/read", params: [(key: "uri", raw: JSONValue.string(uri).jsonString)], name: uri, trace: trace)
        return try await forward(request, to: owner)
    }

    /// Sends one request to an upstream and maps transport failures to JSON-RPC errors: a
    /// timeout is -32001, an unreachable upstream -32000 (and it is withdrawn until it answers).
    private func forward(
        _ request: UpstreamRequest, to upstream: Upstream, onRequest: ServerRequestHandler? = nil,
        onNotification: @escaping @Sendable (String, String) async -> Void = { _, _ in }
    ) async throws(JSONRPCError) -> String {
        let answer: UpstreamAnswer
        do {
            answer = try await upstream.connection.request(request, onNotification: onNotification, onRequest: onRequest)
        } catch is CancellationError {
            throw JSONRPCError(code: -32800, message: "request cancelled")
        } catch is UpstreamTimeout {
            throw JSONRPCError(code: -32001, message: "upstream \(upstream.settings.name) timed out after \(upstream.settings.timeout)")
        } catch {
            failures.increment()
            markUnavailable(upstream.settings.name, reason: "\(error)")
            refreshRequests.yield(upstream.settings.name)
            throw JSONRPCError(code: -32000, message: "upstream \(upstream.settings.name) is unavailable")
        }
        switch answer {
        case .result(let raw): return raw
        case .error(let error): throw error
        }
    }

    /// Records a failure. The tools stay listed until the upstream has failed for
    /// `withdrawAfter` without answering once: one failed refresh (a connection the upstream
    /// closed, a restart) does not make its tools vanish from every client's list.
    private func markUnavailable(_ name: String, reason: String) {
        let now = ContinuousClock.now
        let withdrawn = state.withLock { state -> Bool in
            guard var entry = state[name] else { return false }
            let since = entry.unreachableSince ?? now
            entry.unreachableSince = since
            entry.lastError = reason
            let withdraw = entry.available && now - since >= withdrawAfter
            if withdraw { entry.available = false }
            state[name] = entry
            return withdraw
        }
        if withdrawn {
            changes.toolsChanged()
            logger.warning("upstream unavailable; its tools are withdrawn", metadata: ["upstream": "\(name)", "error": "\(reason)"])
        } else {
            logger.info("upstream request failed", metadata: ["upstream": "\(name)", "error": "\(reason)"])
        }
    }

    /// Calls an upstream tool. Arguments travel as the caller sent them (raw bytes); the
    /// result comes back exactly as the upstream wrote it. Progress notifications are
    /// forwarded as they arrive.
    ///
    /// The gateway owns the progress token the upstream sees: a fresh one per call, mapped
    /// back to the caller's. Two callers that both chose token 1 never see each other's
    /// progress, and a notification for any other token (another call's, or made up by the
    /// upstream) reaches nobody.
    ///
    /// `input` carries what lets the upstream ask the client for input: the client's
    /// capabilities and its answers for a 2026-07-28 upstream, a handler for the requests a
    /// 2025 upstream sends while answering.
    func call(
        _ tool: UpstreamTool, on upstream: Upstream, rawArguments: String?, progress: ProgressReporter?, trace: TraceContext? = nil,
        input: UpstreamInput = UpstreamInput()
    ) async throws(JSONRPCError) -> String {
        let upstreamToken = progress.map { _ in "tollgate-" + UUID().uuidString.lowercased() }
        var params = [(key: "name", raw: JSONValue.string(tool.originalName).jsonString)]
        if let rawArguments { params.append((key: "arguments", raw: rawArguments)) }
        params += input.params
        var request = UpstreamRequest(method: "tools/call", params: params, name: tool.originalName, progressToken: upstreamToken, trace: trace)
        request.clientCapabilities = input.clientCapabilities
        return try await forward(request, to: upstream, onRequest: input.onRequest) { method, raw in
            switch method {
            case "notifications/progress":
                guard let progress, let message = try? JSONParser.parse(raw), case .object(var fields)? = message["params"],
                    let upstreamToken, message["params"]?["progressToken"] == .string(upstreamToken)
                else { return }
                fields = fields.map { $0.0 == "progressToken" ? ($0.0, progress.token) : $0 }
                await progress.send(JSONRPCEncoder.notification(method: "notifications/progress", params: .object(fields)))
            case "notifications/tools/list_changed":
                self.refreshRequests.yield(upstream.settings.name)
            default:
                break
            }
        }
    }
}

/// What lets an upstream ask the calling client for input during a call.
struct UpstreamInput: Sendable {
    /// Raw members added to the call's params: `inputResponses` and `requestState` of a
    /// 2026-07-28 client's retry.
    var params: [(key: String, raw: String)] = []
    /// The client's capabilities (raw JSON), declared to a 2026-07-28 upstream.
    var clientCapabilities: String? = nil
    /// Answers the requests a 2025 upstream sends while answering.
    var onRequest: ServerRequestHandler? = nil
}

extension UpstreamCatalog.Upstream {
    /// Whether the upstream is spoken to in 2026-07-28 (asks for input with `input_required`
    /// results) rather than a 2025 revision (asks with requests while it answers).
    var speaksModern: Bool { connection.protocolVersion == HTTPUpstream.modernVersion }
}
