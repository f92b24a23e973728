import Foundation

/// One scored pair, as `dpop score` prints it.
public struct PairScore: Codable, Equatable, Sendable {
    public var line: Int
    public var id: String?
    public var logp_chosen: Double
    public var logp_rejected: Double
    public var ref_logp_chosen: Double?
    public var ref_logp_rejected: Double?
    public var loss: Double?
    public var edit_distance: Int
    /// CHES and its length-normalised form (`CHESScorer`), with `dpop score --ches`.
    public var ches: Double?
    public var ches_normalised: Double?
}

/// Scores pairs with a policy checkpoint and, optionally, a reference and a loss.
public enum PairScorer {
    /// Policy (and reference) log-probs of each pair; with a reference, the pair's loss under `loss`.
    /// `lines` are the pairs' line numbers (`PairsLoader.loadNumbered`); `tokenizer` is the models' own.
    /// With `ches`, each pair's CHES under the reference (under `model` when there is none). With
    /// `shareTrunk`, both models score each pair as one shared-trunk row (`SequenceScorer.scorePairs`).
    public static func score(pairs: [PreferencePair], lines: [Int], model: GPTModel, reference: GPTModel?,
                             loss: PreferenceLossConfig, tokenizer: any Tokenizer = ByteTokenizer(),
                             ches: Bool = false, shareTrunk: Bool = false) -> [PairScore] {
        let prepared = pairs.map { PreparedPair($0, buckets: nil, tokenizer: tokenizer) }
        let ld = loss.weighsTails
        let shared = prepared.map(\.sharedLength)
        /// Sums and, for LD-DPO, tails of one side under one model.
        func side(_ m: GPTModel, _ rows: [TrainingSequence]) -> (sums: [Double], tails: [Double]) {
            let s = SequenceScorer.score(m, rows, keepTokens: ld)
            return (s.sums, ld ? SequenceScorer.tails(s.tokens, from: shared) : Array(repeating: 0, count: rows.count))
        }
        /// Both sides under one model: two separate passes, or one pass of shared-trunk rows.
        func sides(_ m: GPTModel) -> (chosen: [Double], chosenTail: [Double], rejected: [Double], rejectedTail: [Double]) {
            guard shareTrunk && m.maxBatch >= 2 else {
                let c = side(m, prepared.map(\.chosen)), r = side(m, prepared.map(\.rejected))
                return (c.sums, c.tails, r.sums, r.tails)
            }
            let s = SequenceScorer.scorePairs(m, prepared.map { (chosen: $0.chosen, rejected: $0.rejected) }, keepTokens: ld)
            let none = Array(repeating: 0.0, count: prepared.count)
            return (s.chosen.sums, ld ? SequenceScorer.tails(s.chosen.tokens, from: shared) : none,
                    s.rejected.sums, ld ? SequenceScorer.tails(s.rejected.tokens, from: shared) : none)
        }
        let (chosen, chosenTail, rejected, rejectedTail) = sides(model)
        var refChosen: [Double]?, refRejected: [Double]?
        var refChosenTail: [Double] = [], refRejectedTail: [Double] = []
        if let reference {
            let r = sides(reference)
            (refChosen, refChosenTail, refRejected, refRejectedTail) = (r.chosen, r.chosenTail, r.rejected, r.rejectedTail)
        }
        let displacement = ches ? CHESScorer.score(reference ?? model, prepared) : nil
        return prepared.indices.map { i in
            var s = PairScore(line: lines[i], id: pairs[i].id, logp_chosen: chosen[i], logp_rejected: rejected[i],
                              edit_distance: prepared[i].editDistance)
            s.ches = displacement?[i].ches
            s.ches_normalised = displacement?[i].normalised
            if let refChosen, let refRejected {
                s.ref_logp_chosen = refChosen[i]
                s.ref_logp_rejected = refRejected[i]
                let p = PairLogProbs(pc: chosen[i], pr: rejected[i], rc: refChosen[i], rr: refRejected[i],
                                     nc: prepared[i].chosenLength, nr: prepared[i].rejectedLength)
                let weighted = loss.ldWeighted(p, chosenTail: chosenTail[i], rejectedTail: rejectedTail[i],
                                               referenceChosenTail: refChosenTail[i], referenceRejectedTail: refRejectedTail[i])
                s.loss = loss.lossAndGradients([weighted]).loss
            }
            return s
        }
    }

    /// A fixed-width table of scores with the mean log-probs underneath (what `dpop score` prints).
    public static func table(_ scores: [PairScore]) -> String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "—" }
        var lines = ["line        id   logp_chosen  logp_rejected   ref_chosen  ref_rejected      loss  edit"]
        for s in scores {
            lines.append([String(s.line).leftPadded(4), (s.id ?? "—").leftPadded(9), f(s.logp_chosen).leftPadded(13),
                          f(s.logp_rejected).leftPadded(14), f(s.ref_logp_chosen).leftPadded(12),
                          f(s.ref_logp_rejected).leftPadded(13), f(s.loss).leftPadded(9),
                          String(s.edit_distance).leftPadded(5)].joined(separator: " "))
        }
        let n = Double(max(1, scores.count))
        let ches = scores.compactMap(\.ches)
        if !ches.isEmpty {
            lines.append(String(format: "mean ches %.4f, ches_normalised %.4f over %d pairs", ches.reduce(0, +) / Double(ches.count),
                                scores.compactMap(\.ches_normalised).reduce(0, +) / Double(ches.count), ches.count))
        }
        lines.append(String(format: "mean logp_chosen %.4f, logp_rejected %.4f over %d pairs",
                            scores.reduce(0) { $0 + $1.logp_chosen } / n, scores.reduce(0) { $0 + $1.logp_rejected } / n,
                            scores.count))
        return lines.joined(separator: "\n")
    }
}
