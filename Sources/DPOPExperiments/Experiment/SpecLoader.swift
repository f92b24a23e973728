import DPOPTrainer
import Foundation
import Yams

/// Reads an experiment spec (YAML), checks every key and value, and expands its grid.
///
/// Every problem in a file is reported in one `SpecError`, each at the 1-based line:column of the node
/// that caused it. Keys and their defaults (every key but `name` is optional):
///
/// ```yaml
/// name: my-experiment        # required; letters, digits, - and _ (the results folder name)
/// description: ""           # one line
/// seeds: [0]                 # cell seeds: SFT initialisation, training order, train/eval split
/// model:
///   layers: 4                # >= 1
///   heads: 4                 # >= 1
///   embedding: 128           # >= 1, divisible by heads
///   context: 128             # >= 64 for the arith task
/// data:                      # if present, needs exactly one of task / path
///   task: arith              # the built-in arithmetic pairs (the default when data: is absent)
///   path: pairs.jsonl        # or a JSONL pairs file, relative to the spec's folder; must exist
///   pairs: 2000              # arith only, >= 10
///   corruption: step         # arith only: step, "step:0.5,resample:0.5" or {step: 0.5, resample: 0.5}
///   steps: 2                 # arith only, equations per solution, 1...4
///   max_number: 50           # arith only, 5...999
///   seed: 0                  # arith only, data generation (the same in every cell)
///   eval_fraction: 0.1       # in (0, 1)
///   normalised: false        # bucket bounds on distance / longer length, in [0, 1]
///   bucket_by: edit_distance # or normalised_edit_distance, ches, ches_normalised (under the cell's reference)
///   quantile: false          # true: bounds are quantiles in [0, 1] of the training split's bucket_by; [lo, hi), the last [lo, 1]
///   buckets: {}              # name: [lo, hi], inclusive, hi may be .inf; none by default
/// sft: {steps: 800, lr: 1e-3, batch: 32, warmup: 50, decay: cosine}
/// train: {steps: 200, lr: 1e-4, batch: 16, eval_every: 25, warmup: 10, decay: constant, task_eval_pairs: 64}
/// loss: {type: dpop, beta: 0.1, lambda: 50, placement: inside, epsilon: 0.1, gamma: 0.5, alpha: 1.0}
/// grid: {}                   # axis: [values] or axis: {values: [...], when: {axis: value or [values]}}
/// zip: []                    # groups of axes stepping together: - {train.lr: [1e-4, 5e-5], beta: [0.1, 0.3]}
/// exclude: []                # partial assignments: - {loss: ipo, beta: 0.3}
/// ```
///
/// Axes are a setting's dotted path (`train.lr`, `model.layers`, `data.corruption`, …), the short names
/// `loss` (= `loss.type`), `beta`, `lambda`, `placement`, `epsilon`, `gamma`, `alpha`, and `bucket`
/// (train and evaluate on one of `data.buckets`) and `seed` (replaces `seeds`). Cells are the product
/// of grid axes, zip groups and seeds in file order; a setting varied in both grid and zip keeps the
/// combinations where both agree. A `when` axis varies only in cells meeting its condition and keeps
/// its base value elsewhere. An `exclude` entry drops the cells in which every listed setting applies
/// (λ does not apply to dpo) and has a listed value. Cells that resolve to the same configuration
/// (loss parameters the loss ignores are reset to the built-in defaults) collapse into the first.
public enum SpecLoader {
    /// Reads and checks the spec at `path` with `overrides` applied; throws `SpecError` listing every problem.
    /// `checkData` also loads the data and splits it as every cell would (`SpecDataCheck`, for `dpop validate`).
    public static func load(path: String, overrides: [SpecOverride] = [], checkData: Bool = false) throws -> ExperimentSpec {
        let bytes: [UInt8]
        do {
            bytes = Array(try TextFile.bytes(path, what: "the spec"))
        } catch DPOPError.io(_, let message) {
            throw SpecError(diagnostics: [SpecDiagnostic(file: path, line: 0, column: 0, message: message)])
        }
        if let problem = TextFile.utf8Problem(bytes) {
            throw SpecError(diagnostics: [SpecDiagnostic(file: path, line: problem.line, column: problem.column,
                                                         message: "the spec is not UTF-8: \(problem.message)",
                                                         hint: TextFile.EncodingProblem.hint, sourceLine: problem.sourceLine)])
        }
        return try parse(String(decoding: bytes, as: UTF8.self), file: path, overrides: overrides, checkData: checkData)
    }

    /// Checks the spec `yaml` with `overrides` applied, naming it `file` in diagnostics (and the
    /// argument, for what an override set); `data.path` is relative to `file`'s folder.
    public static func parse(_ yaml: String, file: String, overrides: [SpecOverride] = [], checkData: Bool = false) throws -> ExperimentSpec {
        let log = DiagnosticLog(file: file, text: yaml)
        let directory = (SpecReader.resolve(file, in: FileManager.default.currentDirectoryPath) as NSString).deletingLastPathComponent
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            report(error, yaml: yaml, log: log)
            throw SpecError(diagnostics: log.diagnostics)
        }
        var effective = root
        if !overrides.isEmpty {
            var applier = SpecOverrideApplier(overrides: overrides, fileLineCount: log.lineCount)
            effective = applier.apply(to: root)
            log.commandLine = applier
            log.record(applier.diagnostics)
        }
        let document = SpecReader(log: log, specDirectory: directory).read(effective)
        let builder = CellBuilder(document: document, log: log, specDirectory: directory)
        let (cells, axes) = GridExpander(document: document, log: log, builder: builder).expand()
        if checkData && !log.hasErrors { SpecDataCheck(document: document, log: log).check(cells) }
        guard !log.hasErrors, let name = document.name else {
            throw SpecError(diagnostics: log.diagnostics)
        }
        let text = overrides.isEmpty ? yaml : effectiveText(effective, file: file, overrides: overrides)
        return ExperimentSpec(name: name, description: document.description, file: file, text: text,
                              overrides: overrides.map(\.argument), axisValues: axes, cells: cells)
    }

    /// The effective spec as YAML: what is hashed and saved as `spec-<sha12>.yaml` for a run with overrides.
    private static func effectiveText(_ root: Node?, file: String, overrides: [SpecOverride]) -> String {
        let body = root.flatMap { try? Yams.serialize(node: $0) } ?? ""
        return "# \(file) with overrides: \(overrides.map(\.argument).joined(separator: " "))\n" + body
    }

    /// The spec's `name:` and `description:` as the reader reads them, whatever else in it is wrong (nil when
    /// absent, bad, or the YAML does not parse).
    public static func header(_ yaml: String, file: String) -> (name: String?, description: String?) {
        guard let root = try? Yams.compose(yaml: yaml) else { return (nil, nil) }
        let directory = (SpecReader.resolve(file, in: FileManager.default.currentDirectoryPath) as NSString).deletingLastPathComponent
        let document = SpecReader(log: DiagnosticLog(file: file, text: yaml), specDirectory: directory).read(root)
        return (document.name, document.description.isEmpty ? nil : document.description)
    }

    /// A YAML syntax error as a diagnostic at libyaml's problem mark.
    private static func report(_ error: YamlError, yaml: String, log: DiagnosticLog) {
        func clean(_ s: String) -> String { s.trimmingCharacters(in: .whitespacesAndNewlines) }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let hint = context.map { "\(clean($0.text)) at line \($0.mark.line), column \($0.mark.column)" }
            log.error("YAML syntax: \(problem)", at: SpecPosition(mark), hint: hint)
        case let .duplicatedKeysInMapping(duplicates, context):
            let at = secondOccurrence(of: duplicates.first ?? "", after: SpecPosition(context.mark), in: yaml)
                ?? SpecPosition(context.mark)
            log.error("duplicate key '\(duplicates.joined(separator: "', '"))' in a mapping", at: at,
                      hint: "each key may appear once; the first is at line \(context.mark.line)")
        case let .reader(problem, offset, _, _):
            log.error("cannot read the YAML: \(problem)" + (offset.map { " at byte \($0)" } ?? ""), at: .start)
        default:
            log.error("YAML: \(error)", at: .start)
        }
    }

    /// Yams marks the first of two equal keys; the second is the one to point at.
    private static func secondOccurrence(of key: String, after first: SpecPosition, in yaml: String) -> SpecPosition? {
        guard !key.isEmpty else { return nil }
        let lines = yaml.components(separatedBy: "\n")
        for (i, line) in lines.enumerated() where i + 1 > first.line {
            let scalars = Array(line.unicodeScalars)
            guard scalars.count >= first.column - 1 + key.unicodeScalars.count else { continue }
            let rest = String(String.UnicodeScalarView(scalars[(first.column - 1)...]))
            if rest.hasPrefix(key + ":") { return SpecPosition(line: i + 1, column: first.column) }
        }
        return nil
    }
}
