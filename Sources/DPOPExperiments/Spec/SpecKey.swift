import DPOPTrainer

/// One scalar setting of a spec: canonical dotted path, value type, default, and its short grid name if it has one.
///
/// The table `all` is the single source of truth for which keys exist in the `model`, `data`, `sft`,
/// `train` and `loss` sections, which of them a grid can vary, and their defaults.
struct SpecKey: Sendable {
    /// The type of a setting's value and the checks made on it alone.
    enum Kind: Sendable {
        case integer(NumberRange)
        /// A non-negative 64-bit seed.
        case seed
        case real(NumberRange)
        case choice([String])
        case flag
        case lossKind
        /// An arith corruption mix: `step`, `step:0.5,resample:0.5` or a mapping `{step: 0.5, resample: 0.5}`.
        case corruption
        /// A pairs file, relative to the spec's folder.
        case file
        /// The name of a bucket in `data.buckets`.
        case bucketName
    }

    /// Canonical name: `section.key`, or `bucket` / `seed` for the two grid-only axes.
    let path: String
    let kind: Kind
    /// Built-in default; nil where there is none (`data.task`, `data.path`, `bucket`).
    let defaultValue: SpecValue?
    /// The short grid name (`beta` for `loss.beta`).
    let shortName: String?
    /// Whether the key only describes the built-in arith task, so it is meaningless with `data.path`.
    let arithOnly: Bool

    init(_ path: String, _ kind: Kind, _ defaultValue: SpecValue?, short: String? = nil, arithOnly: Bool = false) {
        self.path = path
        self.kind = kind
        self.defaultValue = defaultValue
        self.shortName = short
        self.arithOnly = arithOnly
    }

    /// `model`, `data`, …, or nil for `bucket` and `seed`.
    var section: String? {
        path.firstIndex(of: ".").map { String(path[..<$0]) }
    }

    /// The key's name inside its section (`max_number` for `data.max_number`).
    var field: String {
        path.firstIndex(of: ".").map { String(path[path.index(after: $0)...]) } ?? path
    }

    /// For `loss.beta` etc.: the name `PreferenceLossConfig.usedParameters` uses; nil for other keys.
    var lossParameter: String? {
        section == "loss" && field != "type" ? field : nil
    }

    /// The default as a located value without a position.
    var defaultLocated: LocatedValue? {
        defaultValue.map { LocatedValue($0, at: nil) }
    }

    /// Every section key, in the order the spec documentation lists them.
    static let all: [SpecKey] = [
        SpecKey("model.layers", .integer(.atLeast(1)), .int(4)),
        SpecKey("model.heads", .integer(.atLeast(1)), .int(4)),
        SpecKey("model.embedding", .integer(.atLeast(1)), .int(128)),
        SpecKey("model.context", .integer(.atLeast(1)), .int(128)),
        SpecKey("data.task", .choice(["arith"]), nil),
        SpecKey("data.path", .file, nil),
        SpecKey("data.pairs", .integer(.atLeast(10)), .int(2000), arithOnly: true),
        SpecKey("data.corruption", .corruption, .string(ArithCorruptionMix(only: .step).description), arithOnly: true),
        SpecKey("data.steps", .integer(.closed(1, 4)), .int(2), arithOnly: true),
        SpecKey("data.max_number", .integer(.closed(5, 999)), .int(50), arithOnly: true),
        SpecKey("data.seed", .seed, .uint(0), arithOnly: true),
        SpecKey("data.eval_fraction", .real(.open(0, 1)), .double(0.1)),
        SpecKey("data.normalised", .flag, .bool(false)),
        SpecKey("sft.steps", .integer(.atLeast(1)), .int(800)),
        SpecKey("sft.lr", .real(.above(0)), .double(1e-3)),
        SpecKey("sft.batch", .integer(.atLeast(1)), .int(32)),
        SpecKey("sft.warmup", .integer(.atLeast(0)), .int(50)),
        SpecKey("sft.decay", .choice(LearningRateSchedule.Decay.allCases.map(\.rawValue)), .string("cosine")),
        SpecKey("train.steps", .integer(.atLeast(1)), .int(200)),
        SpecKey("train.lr", .real(.above(0)), .double(1e-4)),
        SpecKey("train.batch", .integer(.atLeast(1)), .int(16)),
        SpecKey("train.eval_every", .integer(.atLeast(1)), .int(25)),
        SpecKey("train.warmup", .integer(.atLeast(0)), .int(10)),
        SpecKey("train.decay", .choice(LearningRateSchedule.Decay.allCases.map(\.rawValue)), .string("constant")),
        SpecKey("train.task_eval_pairs", .integer(.atLeast(0)), .int(64)),
        SpecKey("loss.type", .lossKind, .string("dpop"), short: "loss"),
        SpecKey("loss.beta", .real(.above(0)), .double(0.1), short: "beta"),
        SpecKey("loss.lambda", .real(.atLeast(0)), .double(50), short: "lambda"),
        SpecKey("loss.placement", .choice(DPOPPlacement.allCases.map(\.rawValue)), .string("inside"), short: "placement"),
        // cdpo allows ε up to 1; robust's tighter [0, 0.5) depends on the loss and is checked per cell.
        SpecKey("loss.epsilon", .real(.closed(0, 1)), .double(0.1), short: "epsilon"),
        SpecKey("loss.gamma", .real(.atLeast(0)), .double(0.5), short: "gamma"),
        SpecKey("loss.alpha", .real(.atLeast(0)), .double(1.0), short: "alpha"),
    ]

    /// The grid-only axis choosing the bucket a cell trains and evaluates on.
    static let bucket = SpecKey("bucket", .bucketName, nil)
    /// The grid axis of the cell seed (the `seeds` list when no grid axis names it).
    static let seed = SpecKey("seed", .seed, .uint(0))

    /// Valid key names inside `section`, for unknown-key hints.
    static func fields(of section: String) -> [String] {
        all.filter { $0.section == section }.map(\.field) + (section == "data" ? ["buckets"] : [])
    }

    /// The key of `section.field`.
    static func key(section: String, field: String) -> SpecKey? {
        byPath["\(section).\(field)"]
    }

    /// A grid axis name: a dotted path, a short name, `bucket` or `seed`.
    static func axis(named name: String) -> SpecKey? {
        if let k = byPath[name] { return k }
        if let k = all.first(where: { $0.shortName == name }) { return k }
        if name == "bucket" { return bucket }
        if name == "seed" { return seed }
        return nil
    }

    /// Every name `axis(named:)` accepts, short names first, for hints.
    static var axisNames: [String] {
        all.compactMap(\.shortName) + ["bucket", "seed"] + all.map(\.path)
    }

    private static let byPath: [String: SpecKey] = Dictionary(uniqueKeysWithValues: all.map { ($0.path, $0) })
}
