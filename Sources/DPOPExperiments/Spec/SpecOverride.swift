/// One command-line change to a spec, in Hydra's grammar: `key=value` sets a setting, `key=a,b` or
/// `key=range(0,5)` makes (or replaces) a grid axis, `~key` removes an axis or a setting.
///
/// Keys are a setting's dotted path (`train.steps`), a short axis name (`beta`, `loss`, `seed`,
/// `bucket`, …), `name`, `description`, `seeds`, `data.buckets.NAME`, or `grid.AXIS`. Values are YAML
/// (`0.3`, `[1, 3]`, `{step: 0.5}`); a comma outside brackets, braces and quotes separates sweep values,
/// so a value that holds a comma is quoted (`'step:0.5,resample:0.5'`) or written as a mapping.
public struct SpecOverride: Equatable, Sendable {
    /// What the override does.
    public enum Action: Equatable, Sendable {
        /// `key=value`: the value's YAML text.
        case set(String)
        /// `key=a,b,…` or `key=range(start,stop[,step])`: the values' YAML texts.
        case sweep([String])
        /// `~key`.
        case remove
    }

    /// The argument as typed.
    public var argument: String
    /// Its index in the command line (`dpop run spec.yaml beta=0.3`: 3), for messages.
    public var position: Int
    public var key: String
    public var action: Action

    /// Parses one argument; a malformed one is a `SpecError` naming the argument.
    public static func parse(_ argument: String, position: Int) throws -> SpecOverride {
        func fail(_ message: String, hint: String? = nil) -> SpecError {
            SpecError(diagnostics: [diagnostic(argument: argument, position: position, message: message, hint: hint)])
        }
        if argument.hasPrefix("~") {
            let key = String(argument.dropFirst())
            guard isKey(key) else { throw fail("'~' needs a key after it, like ~grid.lambda") }
            return SpecOverride(argument: argument, position: position, key: key, action: .remove)
        }
        guard let eq = argument.firstIndex(of: "=") else {
            throw fail("an override is key=value, key=a,b, key=range(start,stop) or ~key",
                       hint: "e.g. train.steps=50, beta=0.1,0.3, seed=range(0,5), ~grid.lambda")
        }
        let key = String(argument[..<eq])
        let value = String(argument[argument.index(after: eq)...])
        guard isKey(key) else { throw fail("'\(key)' is not a key; keys are names like train.steps or beta") }
        if value.hasPrefix("range("), value.hasSuffix(")") {
            let inner = value.dropFirst("range(".count).dropLast()
            return SpecOverride(argument: argument, position: position, key: key,
                                action: .sweep(try range(String(inner), fail: fail)))
        }
        let parts = splitTopLevel(value)
        if parts.count > 1 {
            guard !parts.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
                throw fail("an empty value in the list '\(value)'")
            }
            return SpecOverride(argument: argument, position: position, key: key, action: .sweep(parts))
        }
        return SpecOverride(argument: argument, position: position, key: key, action: .set(value))
    }

    /// Parses the overrides of a command; each is numbered by where it stands in `commandLine` (the
    /// process's arguments), or after `dpop COMMAND SPEC` when it is not found there.
    public static func parse(_ arguments: [String], commandLine: [String] = CommandLine.arguments) throws -> [SpecOverride] {
        var overrides: [SpecOverride] = []
        var diagnostics: [SpecDiagnostic] = []
        var searchFrom = 1
        for (i, a) in arguments.enumerated() {
            var position = 3 + i
            if searchFrom < commandLine.count, let found = commandLine[searchFrom...].firstIndex(of: a) {
                position = found
                searchFrom = found + 1
            }
            do { overrides.append(try parse(a, position: position)) } catch let e as SpecError {
                diagnostics += e.diagnostics
            }
        }
        if !diagnostics.isEmpty { throw SpecError(diagnostics: diagnostics) }
        return overrides
    }

    /// What a diagnostic's `file` starts with when an override is at fault.
    static let diagnosticPrefix = "command line: "

    /// A problem with an override, reported against the argument rather than a file position.
    static func diagnostic(argument: String, position: Int, message: String, hint: String? = nil) -> SpecDiagnostic {
        // Line 0 prints without a position; the column orders the command line's diagnostics by argument.
        SpecDiagnostic(file: "\(diagnosticPrefix)argument \(position) '\(argument)'", line: 0, column: position, message: message, hint: hint)
    }

    private static func isKey(_ key: String) -> Bool {
        !key.isEmpty && key.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0) }
    }

    /// `start,stop[,step]` as Python's range: stop excluded; integers, or numbers with a step.
    private static func range(_ inner: String, fail: (String, String?) -> SpecError) throws -> [String] {
        let fields = inner.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard fields.count == 2 || fields.count == 3 else {
            throw fail("range takes start,stop or start,stop,step; got range(\(inner))", nil)
        }
        if let ints = Optional(fields.compactMap { Int($0) }), ints.count == fields.count {
            let step = ints.count == 3 ? ints[2] : 1
            guard step != 0 else { throw fail("range's step must not be 0", nil) }
            let values = Array(stride(from: ints[0], to: ints[1], by: step))
            guard !values.isEmpty else { throw fail("range(\(inner)) is empty", "the stop value is excluded, as in Python") }
            guard values.count <= 10_000 else { throw fail("range(\(inner)) has \(values.count) values; at most 10000", nil) }
            return values.map(String.init)
        }
        let numbers = fields.compactMap { Double($0) }
        guard numbers.count == 3, numbers.allSatisfy(\.isFinite) else {
            throw fail("range needs whole numbers, or three numbers start,stop,step; got range(\(inner))", nil)
        }
        guard numbers[2] != 0 else { throw fail("range's step must not be 0", nil) }
        let count = Int(((numbers[1] - numbers[0]) / numbers[2]).rounded(.up))
        guard count >= 1 else { throw fail("range(\(inner)) is empty", "the stop value is excluded, as in Python") }
        guard count <= 10_000 else { throw fail("range(\(inner)) has \(count) values; at most 10000", nil) }
        // start + i·step, not repeated addition, so 0.1 steps do not drift.
        return (0..<count).map { "\(numbers[0] + Double($0) * numbers[2])" }
    }

    /// Splits at commas that are outside brackets, braces and quotes.
    private static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var quote: Character?
        for c in text {
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == "[" || c == "{" {
                depth += 1
            } else if c == "]" || c == "}" {
                depth -= 1
            } else if c == ",", depth == 0 {
                parts.append(current)
                current = ""
                continue
            }
            current.append(c)
        }
        parts.append(current)
        return parts
    }
}
