import DPOPTrainer

/// One scalar setting of a spec: canonical dotted path, value type, default, and its short grid name if it has one.
///
/// The table `all` is the single source of truth for which keys exist in the `model`, `data`, `sft`,
/// `train` and `loss` sections, which of them a grid can vary, and their defaults.
struct SpecKey: Sendable {
    /// The type of a setting's value and the checks made on it alone.
    enum Kind: Sendable {
        case integer(Setting<Int>)
        /// A non-negative 64-bit seed.
        case seed
        case real(Setting<Double>)
        /// A number the trainer uses as a 32-bit float (learning rates, weight decay).
        case float(Setting<Float>)
        case choice([String])
        case flag
        case lossKind
        /// An arith corruption mix: `step`, `step:0.5,resample:0.5` or a mapping `{step: 0.5, resample: 0.5}`.
        case corruption
        /// A pairs file, relative to the spec's folder.
        case file
        /// A model folder, relative to the spec's folder.
        case folder
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

    /// For `loss.beta` etc.: the loss parameter it sets; nil for other keys (and `loss.type`).
    var lossParameter: PreferenceLossParameter? {
        section == "loss" ? PreferenceLossParameter(rawValue: field) : nil
    }

    /// The default as a located value without a position.
    var defaultLocated: LocatedValue? {
        defaultValue.map { LocatedValue($0, at: nil) }
    }

    /// A numeric setting of the trainer: its range and default are the config struct's.
    init(_ setting: Setting<Int>, short: String? = nil, arithOnly: Bool = false) {
        self.init(setting.key, .integer(setting), .int(setting.defaultValue), short: short, arithOnly: arithOnly)
    }

    init(_ setting: Setting<Double>, short: String? = nil) {
        self.init(setting.key, .real(setting), .double(setting.defaultValue), short: short)
    }

    init(_ setting: Setting<Float>) {
        // The Float's shortest text (1e-3, not 0.0010000000474974513): what the spec reference shows.
        self.init(setting.key, .float(setting), .double(Double("\(setting.defaultValue)")!))
    }

    /// A named choice of the trainer (decay, placement): its cases and default are the config struct's.
    init<Choice: RawRepresentable & CaseIterable & Sendable>(_ setting: Setting<Choice>, short: String? = nil)
    where Choice.RawValue == String {
        self.init(setting.key, .choice(Choice.allCases.map(\.rawValue)), .string(setting.defaultValue.rawValue), short: short)
    }

    /// Every section key, in the order the spec documentation lists them; ranges and defaults come
    /// from the trainer's `Settings` tables, so the spec, the CLI and the structs share them.
    static let all: [SpecKey] = {
        typealias Model = GPTConfig.Settings
        typealias Arith = ArithTaskConfig.Settings
        typealias SFT = SFTConfig.Settings
        typealias Train = PreferenceTrainConfig.Settings
        typealias Loss = PreferenceLossConfig.Settings
        return [
            SpecKey("model.pretrained", .folder, nil),
            SpecKey(Model.layers),
            SpecKey(Model.heads),
            SpecKey(Model.embedding),
            SpecKey(Model.context),
            SpecKey("data.task", .choice(["arith"]), nil),
            SpecKey("data.path", .file, nil),
            SpecKey(Arith.pairs, arithOnly: true),
            SpecKey(Arith.corruption.key, .corruption, .string(Arith.corruption.defaultValue.description), arithOnly: true),
            SpecKey(Arith.steps, arithOnly: true),
            SpecKey(Arith.maxNumber, arithOnly: true),
            SpecKey(Arith.seed.key, .seed, .uint(Arith.seed.defaultValue), arithOnly: true),
            SpecKey(PreferenceRunConfig.Settings.evalFraction),
            SpecKey("data.normalised", .flag, .bool(false)),
            SpecKey("data.bucket_by", .choice(PairStatistic.allCases.map(\.rawValue)), .string(PairStatistic.editDistance.rawValue)),
            SpecKey("data.quantile", .flag, .bool(false)),
            SpecKey(SFT.steps),
            SpecKey(SFT.lr),
            SpecKey(SFT.batch),
            SpecKey(SFT.warmup),
            SpecKey(SFT.decay),
            SpecKey(SFT.weightDecay),
            // No default: without it the cell seed seeds the reference.
            SpecKey("sft.seed", .seed, nil),
            // No default: without it the reference learns the training split's chosen answers.
            SpecKey(SFT.problems.key, .integer(SFT.problems), nil, arithOnly: true),
            SpecKey(SFT.pack.key, .flag, .bool(SFT.pack.defaultValue)),
            SpecKey(Train.steps),
            SpecKey(Train.lr),
            SpecKey(Train.batch),
            SpecKey(Train.evalEvery),
            SpecKey(Train.warmup),
            SpecKey(Train.decay),
            SpecKey(Train.weightDecay),
            SpecKey(Train.taskEvalPairs),
            SpecKey(Train.profileRadius),
            SpecKey(Train.entanglementPairs),
            SpecKey(Train.pairRecords.key, .flag, .bool(Train.pairRecords.defaultValue)),
            SpecKey(Train.shareTrunk.key, .flag, .bool(Train.shareTrunk.defaultValue)),
            SpecKey(Loss.kind.key, .lossKind, .string(Loss.kind.defaultValue.rawValue), short: "loss"),
            SpecKey(Loss.beta, short: "beta"),
            SpecKey(Loss.lambda, short: "lambda"),
            SpecKey(Loss.placement, short: "placement"),
            // cdpo allows ε up to 1; robust's [0, 0.5) and exo_pair's (0, 1) depend on the loss and are checked per cell.
            SpecKey(Loss.epsilon, short: "epsilon"),
            SpecKey(Loss.gamma, short: "gamma"),
            SpecKey(Loss.alpha, short: "alpha"),
            SpecKey(Loss.tau, short: "tau"),
            SpecKey(Loss.shift, short: "shift"),
            SpecKey(Loss.fDivergence, short: "f_divergence"),
            SpecKey(Loss.fAlphaDivergenceCoef, short: "f_alpha_divergence_coef"),
            SpecKey(Loss.ldAlpha, short: "ld_alpha"),
            // No default: without it λ_s is fixed.
            SpecKey(Loss.shiftEnd.key, .real(Loss.shiftEnd), nil, short: "shift_end"),
        ]
    }()

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
