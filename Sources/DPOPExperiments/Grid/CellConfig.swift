import DPOPTrainer
import Foundation

/// The fully resolved configuration of one grid cell: everything a run needs, nothing it does not.
///
/// Loss parameters the loss does not use hold the built-in defaults, so cells differing only in them are one cell.
/// `train.seed` equals `seed`; `sft.seed` too, unless the spec sets `sft: {seed: N}`: then N seeds the
/// reference and the train/eval split, so cells that differ only in `seed` share one reference.
public struct CellConfig: Codable, Equatable, Hashable, Sendable {
    /// Pairs to train and evaluate on.
    public var data: ExperimentDataSpec
    /// Model shape: vocabulary 257 (the byte tokenizer's) and the spec's sizes, or a pretrained checkpoint's config.
    public var model: GPTConfig
    /// The checkpoint the SFT reference starts from, whose tokenizer reads the pairs; nil (and not encoded)
    /// for a byte-level model initialised from scratch.
    public var pretrained: PretrainedStart?
    /// Supervised stage that makes the reference model.
    public var sft: SFTConfig
    /// Preference stage.
    public var train: PreferenceTrainConfig
    /// Preference loss.
    public var loss: PreferenceLossConfig
    /// Bucket of `data.buckets` to train and evaluate on; nil for all pairs.
    public var bucket: String?
    /// Seed of the preference stage's order and, unless `sft.seed` differs, of the SFT reference and the
    /// train/eval split (not of data generation).
    public var seed: UInt64

    /// Creates a cell configuration.
    public init(data: ExperimentDataSpec, model: GPTConfig, sft: SFTConfig, train: PreferenceTrainConfig,
                loss: PreferenceLossConfig, bucket: String?, seed: UInt64, pretrained: PretrainedStart? = nil) {
        self.data = data
        self.model = model
        self.pretrained = pretrained
        self.sft = sft
        self.train = train
        self.loss = loss
        self.bucket = bucket
        self.seed = seed
    }

    /// What `PreferenceRun` runs for this cell: the reference and the split seeded by `sft.seed`, the
    /// preference stage by the cell seed.
    public var runConfig: PreferenceRunConfig {
        var train = train
        train.seed = seed
        return PreferenceRunConfig(model: model, sft: sft, train: train, loss: loss, evalFraction: data.evalFraction,
                                   splitSeed: sft.seed, buckets: data.buckets, trainBucket: bucket,
                                   bucketBy: data.bucketBy.flatMap(PairStatistic.init(rawValue:)), quantileBuckets: data.quantile)
    }

    /// JSON with sorted keys: the bytes a cell id hashes (after the id's path substitution, see `GridCell.id`).
    public func canonicalJSON() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return try encoder.encode(self)
        } catch {
            // Only non-finite floats fail to encode, and `Setting.check` (through `CellBuilder`) refuses them
            // before a config exists; no input reaches this.
            preconditionFailure("CellConfig failed to encode: \(error)")
        }
    }

    // The trainer's config types are Equatable but not Hashable; hashing the fields that are keeps
    // Hashable without retroactive conformances (which would break if the trainer adds its own).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(data)
        hasher.combine(model.layers)
        hasher.combine(model.heads)
        hasher.combine(model.channels)
        hasher.combine(model.contextLength)
        hasher.combine(pretrained)
        hasher.combine(sft.steps)
        hasher.combine(sft.seed)
        hasher.combine(train.steps)
        hasher.combine(train.lr)
        hasher.combine(loss.kind)
        hasher.combine(loss.beta)
        hasher.combine(loss.lambda)
        hasher.combine(bucket)
        hasher.combine(seed)
    }
}
