import HTTPTypes
import TollgateCore

/// What can go wrong in the keys API, as callers see it.
enum KeysError: PublicError, Equatable {
    case invalidRequest(String)
    case duplicateName(String)
    case notFound(String)

    var status: HTTPResponse.Status {
        switch self {
        case .invalidRequest: .badRequest
        case .duplicateName: .conflict
        case .notFound: .notFound
        }
    }

    var publicMessage: String {
        switch self {
        case .invalidRequest(let reason): reason
        case .duplicateName(let name): "an active key named '\(name)' already exists"
        case .notFound(let name): "no active key named '\(name)'"
        }
    }
}
