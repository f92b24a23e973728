import Foundation

/// Reads preference pairs from JSONL in TRL's plain format: one `{"prompt", "chosen", "rejected"}` object per line.
///
/// Keys besides those three become `metadata` (non-string values as their compact JSON text).
/// Blank lines (empty or whitespace only) are skipped; a UTF-8 byte-order mark and CRLF line ends are
/// accepted. Every other problem is an error naming the file and line: not JSON, not an object, a
/// missing, repeated or non-string field, an empty prompt or completion, identical completions, or — when
/// `maxContext` is given — a prompt plus completion plus end-of-text longer than the model's context, in
/// tokens of the model's tokenizer (each tokenized separately, as the data contract says).
/// All lines are checked; up to `maxReportedErrors` problems are reported together in one error.
public enum PairsLoader {
    /// Most bad lines described in one error; the rest are only counted.
    public static let maxReportedErrors = 20

    /// Loads the pairs of the JSONL file at `path`.
    public static func load(path: String, maxContext: Int? = nil, tokenizer: any Tokenizer = ByteTokenizer()) throws -> [PreferencePair] {
        try loadNumbered(path: path, maxContext: maxContext, tokenizer: tokenizer).pairs
    }

    /// Loads the pairs of the JSONL file at `path` with the 1-based line number each came from.
    public static func loadNumbered(path: String, maxContext: Int? = nil, tokenizer: any Tokenizer = ByteTokenizer()) throws
        -> (pairs: [PreferencePair], lines: [Int]) {
        let data = try TextFile.bytes(path, what: "the pairs file")
        return try parseNumbered(Array(data), file: path, maxContext: maxContext, tokenizer: tokenizer)
    }

    /// Parses JSONL `text`; `file` is the name used in error messages.
    public static func parse(_ text: String, file: String, maxContext: Int? = nil, tokenizer: any Tokenizer = ByteTokenizer()) throws
        -> [PreferencePair] {
        try parseNumbered(Array(text.utf8), file: file, maxContext: maxContext, tokenizer: tokenizer).pairs
    }

    /// Parses JSONL bytes; `file` is the name used in error messages.
    public static func parse(_ bytes: [UInt8], file: String, maxContext: Int? = nil, tokenizer: any Tokenizer = ByteTokenizer()) throws
        -> [PreferencePair] {
        try parseNumbered(bytes, file: file, maxContext: maxContext, tokenizer: tokenizer).pairs
    }

    /// Parses JSONL bytes into pairs and the line number of each.
    static func parseNumbered(_ bytes: [UInt8], file: String, maxContext: Int?, tokenizer: any Tokenizer) throws
        -> (pairs: [PreferencePair], lines: [Int]) {
        var pairs: [PreferencePair] = []
        var lines: [Int] = []
        var errors: [(line: Int, message: String)] = []
        var badLines = 0
        var lineNumber = 0
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        while start < bytes.count {
            lineNumber += 1
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            var line = bytes[start..<end]
            start = end + 1
            if line.last == 0x0D { line = line.dropLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            do {
                pairs.append(try parseLine(line, maxContext: maxContext, tokenizer: tokenizer))
                lines.append(lineNumber)
            } catch let e as LineError {
                badLines += 1
                if errors.count < maxReportedErrors { errors.append((lineNumber, e.message)) }
            }
        }
        if let first = errors.first {
            guard badLines > 1 else { throw DPOPError.data(file: file, line: first.line, message: first.message) }
            // DPOPError.data carries one location, so the others ride in its message, each in file:line form.
            var message = first.message
            for e in errors.dropFirst() { message += "\n\(file):\(e.line): \(e.message)" }
            message += badLines > errors.count
                ? "\n\(file): \(badLines) bad lines, the first \(errors.count) shown"
                : "\n\(file): \(badLines) bad lines"
            throw DPOPError.data(file: file, line: first.line, message: message)
        }
        if pairs.isEmpty {
            throw DPOPError.io(path: file, message: "contains no pairs (it is empty or has only blank lines)")
        }
        return (pairs, lines)
    }

    private struct LineError: Error {
        var message: String
    }

    private static func parseLine(_ bytes: ArraySlice<UInt8>, maxContext: Int?, tokenizer: any Tokenizer) throws -> PreferencePair {
        let text = String(decoding: bytes, as: UTF8.self)
        // Decoding replaces invalid sequences, so a changed byte count means the line was not UTF-8.
        guard text.utf8.count == bytes.count && text.utf8.elementsEqual(bytes) else {
            throw LineError(message: "not valid UTF-8")
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch let e as JSONValue.ParseError {
            throw LineError(message: "not JSON: \(e)")
        }
        guard case .object(let members) = value else {
            throw LineError(message: "expected a JSON object with \"prompt\", \"chosen\" and \"rejected\", got \(value.kindName)")
        }

        var problems: [String] = []
        var fields: [String: String] = [:]
        var metadata: [String: String] = [:]
        var seen: Set<String> = []
        for m in members {
            guard seen.insert(m.key).inserted else {
                problems.append("key \"\(m.key)\" appears twice")
                continue
            }
            switch m.key {
            case "prompt", "chosen", "rejected":
                if case .string(let s) = m.value {
                    fields[m.key] = s
                } else {
                    problems.append("\"\(m.key)\" must be a string, got \(m.value.kindName)")
                }
            default:
                if case .string(let s) = m.value { metadata[m.key] = s } else { metadata[m.key] = m.value.jsonText }
            }
        }
        let missing = ["prompt", "chosen", "rejected"].filter { !seen.contains($0) }
        if !missing.isEmpty {
            problems.append("missing " + missing.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        if fields["prompt"] == "" { problems.append(PreferencePair.emptyPromptProblem) }
        for key in ["chosen", "rejected"] where fields[key] == "" {
            problems.append("\"\(key)\" is empty")
        }
        if let c = fields["chosen"], let r = fields["rejected"], !c.isEmpty, c == r {
            problems.append("\"chosen\" and \"rejected\" are identical")
        }
        if let limit = maxContext, let prompt = fields["prompt"] {
            let promptLength = tokenizer.encode(prompt).count
            for key in ["chosen", "rejected"] {
                guard let completion = fields[key] else { continue }
                let tokens = promptLength + tokenizer.encode(completion).count + 1
                if tokens > limit {
                    problems.append("\(key) is \(tokens) tokens with the prompt, \(tokens - limit) over the model's context of \(limit)")
                }
            }
        }
        guard problems.isEmpty, let prompt = fields["prompt"], let chosen = fields["chosen"], let rejected = fields["rejected"] else {
            throw LineError(message: problems.joined(separator: "; "))
        }
        return PreferencePair(prompt: prompt, chosen: chosen, rejected: rejected, metadata: metadata)
    }
}
