/// A preference pair tokenised for training, with its edit-distance facts and cached reference log-probs.
public struct PreparedPair: Sendable {
    public let pair: PreferencePair
    /// prompt + chosen + end-of-text, scored on the chosen tokens and end-of-text.
    public let chosen: TrainingSequence
    /// prompt + rejected + end-of-text, scored on the rejected tokens and end-of-text.
    public let rejected: TrainingSequence
    public let editDistance: Int
    public let normalisedEditDistance: Double
    /// Alignment of the chosen and rejected completion tokens (end-of-text included).
    public let alignment: PairAlignment
    /// Edit-distance bucket, when buckets are defined and one contains the pair.
    public var bucket: String?
    /// Reference model's summed log-probs of the two completions.
    public var referenceChosen: Double = 0
    public var referenceRejected: Double = 0
    /// Reference model's per-token log-probs of the chosen completion (for the Δw split).
    public var referenceChosenTokens: [Float] = []
    /// The same for the rejected completion (for the displacement profile; eval pairs only).
    public var referenceRejectedTokens: [Float] = []
    /// Reference log-probs of each completion's tokens beyond `sharedLength` (LD-DPO's tail; filled only
    /// for losses that weigh it, 0 otherwise and always 0 for the shorter completion).
    public var referenceChosenTail: Double = 0
    public var referenceRejectedTail: Double = 0
    /// CHES under the reference, once a stage has computed it (CHES buckets), so later ones (pair records) reuse it.
    public var ches: PairCHES?

    /// The prompt's ids (for greedy decoding).
    public let promptTokens: [Int32]
    /// The chosen completion's ids, end-of-text included (a decoding hint).
    public var chosenTokens: [Int32] { Array(chosen.tokens[promptTokens.count...]) }

    /// Tokenises `pair` with the model's `tokenizer` (edit distance and buckets count its tokens) and assigns its bucket.
    public init(_ pair: PreferencePair, buckets: EditDistanceBuckets?, tokenizer: any Tokenizer = ByteTokenizer()) {
        self.pair = pair
        let (prompt, c, r) = pair.tokens(tokenizer)
        promptTokens = prompt
        chosen = TrainingSequence(tokens: prompt + c, firstTarget: max(1, prompt.count))
        rejected = TrainingSequence(tokens: prompt + r, firstTarget: max(1, prompt.count))
        editDistance = EditDistance.levenshtein(c, r)
        normalisedEditDistance = EditDistance.normalise(editDistance, c.count, r.count)
        alignment = PairAlignment(c, r)
        bucket = buckets?.bucket(for: editDistance, normalised: normalisedEditDistance)
    }

    /// Number of scored tokens of each completion (its tokens + end-of-text).
    public var chosenLength: Int { chosen.targetCount }
    public var rejectedLength: Int { rejected.targetCount }
    /// min(|y_w|, |y_l|): LD-DPO's shared length; tokens beyond it form the longer completion's tail.
    public var sharedLength: Int { min(chosenLength, rejectedLength) }
}
