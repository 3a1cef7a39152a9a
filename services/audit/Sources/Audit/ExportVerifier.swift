import Foundation
import SharedProto

/// Checks an NDJSON export of the trail, and the checkpoints of its window, without the
/// database (`audit verify-export`). Each exported line carries its link, the canonical texts
/// that were hashed and the previous link; the verifier recomputes every link, checks that
/// consecutive links of a chain follow each other, that the visible fields of each line are
/// the ones the chain covers, and that every checkpoint's link matches and is signed by the
/// trusted key.
public struct ExportVerifier {
    public struct Finding: Codable, Sendable {
        public var kind: String
        public var chainID: String?
        public var seq: Int64?
        public var eventID: String?
        public var detail: String

        enum CodingKeys: String, CodingKey { case kind, chainID = "chain_id", seq, eventID = "event_id", detail }
    }

    public struct Report: Codable, Sendable {
        public var verified: Bool
        public var lines: Int
        public var chains: Int
        public var unchained: Int
        public var checkpointsChecked: Int
        /// Lines whose link a signed checkpoint at or after them vouches for.
        public var linesCoveredByCheckpoints: Int
        public var firstBreak: Finding?
        public var warnings: [String]

        enum CodingKeys: String, CodingKey {
            case verified, lines, chains, unchained, checkpointsChecked = "checkpoints_checked"
            case linesCoveredByCheckpoints = "lines_covered_by_checkpoints", firstBreak = "first_break", warnings
        }
    }

    struct Line: Decodable {
        struct Chain: Decodable {
            var id: String
            var seq: Int64
            var link: String
            var prev: String?
            var event: String
            var payload: String?
        }

        var id: String
        var toolName: String
        var success: Bool
        var chain: Chain?

        enum CodingKeys: String, CodingKey { case id, toolName = "tool_name", success, chain }
    }

    struct CheckpointFile: Decodable {
        var publicKey: String?
        var checkpoints: [ChainCheckpoint]

        enum CodingKeys: String, CodingKey { case publicKey = "public_key", checkpoints }
    }

    /// `publicKey`: the key the operator trusts (base64); nil takes the checkpoint file's own,
    /// with a warning (whoever could change the file could change that key too).
    public static func verify(export: Data, checkpoints checkpointData: Data, publicKey: String?) throws -> Report {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = WireCoding.parseDate(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an RFC 3339 time: \(text)"))
            }
            return date
        }
        var lines: [Line] = []
        for (number, text) in export.split(separator: UInt8(ascii: "\n")).enumerated() where !text.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
            do {
                lines.append(try decoder.decode(Line.self, from: Data(text)))
            } catch {
                throw ExportVerifierError(message: "line \(number + 1) of the export is not an audit event: \(error)")
            }
        }
        let file = try decoder.decode(CheckpointFile.self, from: checkpointData)
        var warnings: [String] = []
        let key = publicKey ?? file.publicKey
        if publicKey == nil {
            warnings.append(file.publicKey == nil
                ? "no public key: checkpoint signatures were not checked"
                : "the public key was taken from the checkpoint file; pass --public-key with the key you trust")
        }

        var findings: [Finding] = []
        let chained = lines.compactMap { line in line.chain.map { (line, $0) } }
        let chains = Dictionary(grouping: chained, by: { $0.1.id })
        var covered = 0
        for (chainID, entries) in chains {
            let ordered = entries.sorted { $0.1.seq < $1.1.seq }
            var links: [Int64: String] = [:]
            for (index, (line, chain)) in ordered.enumerated() {
                if let finding = check(line, chain, previous: index > 0 ? ordered[index - 1].1 : nil, checkpoints: file.checkpoints) {
                    findings.append(finding)
                    break
                }
                links[chain.seq] = chain.link
            }
            let chainCheckpoints = file.checkpoints.filter { $0.chainID == chainID }
            for checkpoint in chainCheckpoints {
                guard let link = links[checkpoint.seq] else { continue }
                if link != checkpoint.link {
                    findings.append(Finding(kind: "modified", chainID: chainID, seq: checkpoint.seq, eventID: nil,
                                            detail: "the exported link differs from the signed checkpoint: the chain was recomputed after a change"))
                } else if let key, !ChainSigner.verify(checkpoint, publicKeyBase64: key) {
                    findings.append(Finding(kind: "modified", chainID: chainID, seq: checkpoint.seq, eventID: nil,
                                            detail: "the checkpoint's signature does not verify with the trusted key"))
                }
            }
            let lastSigned = chainCheckpoints.filter { links[$0.seq] != nil }.map(\.seq).max() ?? 0
            covered += ordered.filter { $0.1.seq <= lastSigned }.count
        }
        let unchained = lines.count - chained.count
        if unchained > 0 { warnings.append("\(unchained) lines carry no chain (stored before chaining began)") }
        return Report(
            verified: findings.isEmpty, lines: lines.count, chains: chains.count, unchained: unchained,
            checkpointsChecked: file.checkpoints.count, linesCoveredByCheckpoints: covered,
            firstBreak: findings.min { ($0.chainID ?? "", $0.seq ?? 0) < ($1.chainID ?? "", $1.seq ?? 0) }, warnings: warnings
        )
    }

    /// The problem with one line, given the line before it in its chain.
    private static func check(_ line: Line, _ chain: Line.Chain, previous: Line.Chain?, checkpoints: [ChainCheckpoint]) -> Finding? {
        func finding(_ kind: String, _ detail: String) -> Finding {
            Finding(kind: kind, chainID: chain.id, seq: chain.seq, eventID: line.id, detail: detail)
        }
        if let previous {
            if previous.seq == chain.seq { return finding("inserted", "a second line at seq \(chain.seq)") }
            if previous.seq + 1 != chain.seq {
                return finding("deleted", "links \(previous.seq + 1)…\(chain.seq - 1) are missing from the export (a filtered export cannot show completeness)")
            }
            if chain.prev != previous.link { return finding("reordered", "the line's previous link is not the link of the line before it") }
        }
        let anchor: [UInt8]?
        if chain.seq == 1 {
            anchor = ChainLink.genesis
        } else {
            anchor = (chain.prev ?? checkpoints.first { $0.chainID == chain.id && $0.seq == chain.seq - 1 }?.link).flatMap(ChainLink.bytes(hex:))
        }
        guard let anchor else { return finding("deleted", "the link before seq \(chain.seq) is unknown: no previous link and no checkpoint") }
        let computed = ChainLink.next(
            previous: anchor, seq: chain.seq, eventHash: ChainLink.contentHash(chain.event), payloadHash: chain.payload.map(ChainLink.contentHash)
        )
        guard ChainLink.hex(computed) == chain.link else { return finding("modified", "the line's content no longer matches its link") }
        // The visible fields must be the ones the link covers.
        guard let covered = try? JSONSerialization.jsonObject(with: Data(chain.event.utf8)) as? [Any], covered.count > 12,
            (covered[0] as? String)?.lowercased() == line.id.lowercased(), covered[9] as? String == line.toolName,
            (covered[12] as? Bool ?? (covered[12] as? NSNumber)?.boolValue) == line.success
        else { return finding("modified", "the line's fields differ from the content its link covers") }
        return nil
    }
}

public struct ExportVerifierError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
