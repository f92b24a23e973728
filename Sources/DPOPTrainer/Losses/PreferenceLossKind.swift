/// The preference losses the trainer implements; raw values are the names used in specs and on the command line
/// (TRL's `loss_type` spelling where TRL has the loss).
public enum PreferenceLossKind: String, CaseIterable, Codable, Sendable {
    case dpo
    case dpop
    case ipo
    case cdpo
    case robust
    case hinge
    case simpo
    case orpo
    case rpo
    case ktoPair = "kto_pair"
    case sft
    case exoPair = "exo_pair"
    case ncaPair = "nca_pair"
    case bcoPair = "bco_pair"
    case sppoHard = "sppo_hard"
    case aot
    case aotUnpaired = "aot_unpaired"
    case apoZero = "apo_zero"
    case apoDown = "apo_down"
    case discopop
    case sigmoidNorm = "sigmoid_norm"
    case calDPO = "cal_dpo"
    case dpoShift = "dpo_shift"
    case simper

    /// Other names accepted for a loss: TRL calls DPO's loss `sigmoid`.
    public static let aliases: [String: PreferenceLossKind] = ["sigmoid": .dpo]

    /// The loss called `name`, by its raw value or an alias; nil if there is none.
    public static func named(_ name: String) -> PreferenceLossKind? {
        PreferenceLossKind(rawValue: name) ?? aliases[name]
    }

    /// Every name `named` accepts, the loss names first, for help texts and hints.
    public static var allNames: [String] {
        allCases.map(\.rawValue) + aliases.keys.sorted()
    }

    /// Decodes a loss by its name or an alias (a config written with `sigmoid` reads as `dpo`).
    public init(from decoder: Swift.Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let kind = Self.named(name) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "unknown loss '\(name)'; the losses are \(Self.allNames.joined(separator: ", "))"))
        }
        self = kind
    }

    /// The `PreferenceLossConfig` fields this loss reads; the rest can be dropped from a grid or a report.
    ///
    /// The f-divergence reshapes the log-ratios of the losses built on the chosen-minus-rejected score
    /// difference, the set TRL allows it for (`sigmoid`, `sigmoid_norm`, `hinge`, `ipo`, `exo_pair`, `robust`,
    /// `discopop`), with cdpo (TRL's former sigmoid with label smoothing).
    public var usedParameters: Set<PreferenceLossParameter> {
        let f: Set<PreferenceLossParameter> = [.fDivergence, .fAlphaDivergenceCoef]
        switch self {
        case .dpo, .ipo, .hinge, .sigmoidNorm:
            return f.union([.beta])
        case .ktoPair, .ncaPair, .bcoPair, .sppoHard, .aot, .aotUnpaired, .apoZero, .apoDown, .calDPO:
            return [.beta]
        case .dpop: return [.beta, .lambda, .placement]
        case .cdpo, .robust, .exoPair: return f.union([.beta, .epsilon])
        case .simpo: return [.beta, .gamma]
        case .orpo: return [.alpha]
        case .rpo: return [.beta, .alpha]
        case .discopop: return f.union([.beta, .tau])
        case .dpoShift: return [.beta, .shift, .shiftEnd]
        case .sft, .simper: return []
        }
    }

    /// Whether the loss reads the reference model's log-probs (`rc`, `rr`); if not, they need not be computed.
    public var usesReference: Bool {
        switch self {
        case .simpo, .orpo, .sft, .simper: return false
        default: return true
        }
    }
}
