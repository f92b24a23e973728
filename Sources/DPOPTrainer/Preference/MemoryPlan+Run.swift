extension MemoryPlan {
    /// A preference run: the SFT reference (trained), the policy (trained) and the pairs in memory.
    ///
    /// `pairs` is the number of pairs when known before loading them (the built-in task's count).
    public static func run(_ config: PreferenceRunConfig, pairs: Int?) -> MemoryPlan {
        let T = config.model.contextLength
        // A batch larger than the pairs runs all of them at once, and the arenas are sized by what runs.
        let sftBatch = pairs.map { min(config.sft.batch, max(1, $0)) } ?? config.sft.batch
        let trainBatch = pairs.map { min(config.train.batch, max(1, $0)) } ?? config.train.batch
        let policyRows = product(2, trainBatch) ?? Int.max
        let sftRows = sftBatch >= policyRows
        // The reference's arena holds the larger of an SFT batch and a preference batch (2 rows per pair).
        let reference = model(config.model, maxBatch: max(sftBatch, policyRows), maxSequence: T,
                              batchSetting: sftRows ? SFTConfig.Settings.batch.key : PreferenceTrainConfig.Settings.batch.key,
                              batchDefault: sftRows ? SFTConfig.Settings.batch.defaultValue : 2 * PreferenceTrainConfig.Settings.batch.defaultValue,
                              optimizer: true)
        // Shared-trunk rows (`train.share_trunk`) are up to twice the context long.
        let policy = model(config.model, maxBatch: max(policyRows, 2), maxSequence: config.train.shareTrunk ? (product(2, T) ?? Int.max) : T,
                           batchSetting: PreferenceTrainConfig.Settings.batch.key,
                           batchDefault: 2 * PreferenceTrainConfig.Settings.batch.defaultValue, optimizer: true)
        var parts = zip(reference.parts, policy.parts).map { r, p in
            var both = r
            both.bytes = sum(r.bytes, p.bytes)
            // A batch is shown as the setting's value, not as the rows it makes.
            if both.setting == SFTConfig.Settings.batch.key { both.value = String(sftBatch) }
            if both.setting == PreferenceTrainConfig.Settings.batch.key { both.value = String(config.train.batch) }
            return both
        }
        if let pairs {
            // Token ids of both sequences, targets, masks and the eval split's per-token reference log-probs.
            parts.append(Part(what: "pairs", bytes: product(pairs, T, 16), setting: ArithTaskConfig.Settings.pairs.key,
                              value: String(pairs), related: [GPTConfig.Settings.context.key]))
        }
        return MemoryPlan(parts: parts)
    }
}
