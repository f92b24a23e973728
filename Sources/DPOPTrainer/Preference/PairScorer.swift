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
}

/// Scores pairs with a policy checkpoint and, optionally, a reference and a loss.
public enum PairScorer {
    /// Policy (and reference) log-probs of each pair; with a reference, the pair's loss under `loss`.
    public static func score(pairs: [PreferencePair], lines: [Int], model: GPTModel, reference: GPTModel?,
                             loss: PreferenceLossConfig) -> [PairScore] {
        let prepared = pairs.map { PreparedPair($0, buckets: nil) }
        let chosen = SequenceScorer.score(model, prepared.map(\.chosen)).sums
        let rejected = SequenceScorer.score(model, prepared.map(\.rejected)).sums
        var refChosen: [Double]?, refRejected: [Double]?
        if let reference {
            refChosen = SequenceScorer.score(reference, prepared.map(\.chosen)).sums
            refRejected = SequenceScorer.score(reference, prepared.map(\.rejected)).sums
        }
        return prepared.indices.map { i in
            var s = PairScore(line: lines[i], id: pairs[i].id, logp_chosen: chosen[i], logp_rejected: rejected[i],
                              edit_distance: prepared[i].editDistance)
            if let refChosen, let refRejected {
                s.ref_logp_chosen = refChosen[i]
                s.ref_logp_rejected = refRejected[i]
                let p = PairLogProbs(pc: chosen[i], pr: rejected[i], rc: refChosen[i], rr: refRejected[i],
                                     nc: prepared[i].chosenLength, nr: prepared[i].rejectedLength)
                s.loss = loss.lossAndGradients([p]).loss
            }
            return s
        }
    }

    /// 1-based numbers of the non-blank lines of a JSONL file: the lines `PairsLoader` turns into
    /// pairs, in order (it rejects the whole file if any non-blank line is bad).
    public static func pairLineNumbers(path: String) throws -> [Int] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DPOPError.io(path: path, message: "cannot read the file")
        }
        var numbers: [Int] = []
        var line = 1
        var blank = true
        for byte in data {
            if byte == 0x0A {
                if !blank { numbers.append(line) }
                line += 1
                blank = true
            } else if byte != 0x20 && byte != 0x09 && byte != 0x0D && !(line == 1 && (byte == 0xEF || byte == 0xBB || byte == 0xBF)) {
                blank = false
            }
        }
        if !blank { numbers.append(line) }
        return numbers
    }
}
