import Foundation
@testable import DPOPTrainer

/// Folders of the pretrained-GPT-2 fixture (`scripts/make_pretrained_gpt2_fixture.py`) assembled as a
/// downloaded model looks: weights and config, plus GPT-2's tokenizer.json from the BPE fixture.
enum PretrainedFixture {
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    static let root = fixtures.appendingPathComponent("pretrained")
    static let gpt2TokenizerJSON = fixtures.appendingPathComponent("bpe/gpt2/tokenizer.json")

    /// A fresh temp copy of fixture folder `name` (`gpt2_f16`, `gpt2_bf16_sharded`), with tokenizer.json unless `tokenizer: false`.
    static func folder(_ name: String, tokenizer: Bool = true) throws -> URL {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("dpop-pretrained-\(name)-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        for file in try fm.contentsOfDirectory(atPath: root.appendingPathComponent(name).path) {
            try fm.copyItem(at: root.appendingPathComponent(name).appendingPathComponent(file), to: dir.appendingPathComponent(file))
        }
        if tokenizer { try fm.copyItem(at: gpt2TokenizerJSON, to: dir.appendingPathComponent("tokenizer.json")) }
        return dir
    }

    /// Rewrites keys of `folder`'s config.json (NSNull removes nothing: it writes null).
    static func editConfig(_ folder: URL, _ changes: [String: Any]) throws {
        let url = folder.appendingPathComponent("config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        for (k, v) in changes { json[k] = v }
        try JSONSerialization.data(withJSONObject: json).write(to: url)
    }

    struct Pair {
        var pair: PreferencePair
        var promptIDs: [Int32], chosenIDs: [Int32], rejectedIDs: [Int32]
        /// transformers' per-token log-probs of completion + end-of-text, by folder name.
        var chosenLogProbs: [String: [Double]], rejectedLogProbs: [String: [Double]]
    }

    /// The fixture's pairs with transformers' ids and log-probs.
    static func pairs() throws -> [Pair] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("logprobs.json"))) as! [String: Any]
        return (json["pairs"] as! [[String: Any]]).map { p in
            func ids(_ k: String) -> [Int32] { (p[k] as! [Int]).map(Int32.init) }
            return Pair(pair: PreferencePair(prompt: p["prompt"] as! String, chosen: p["chosen"] as! String, rejected: p["rejected"] as! String),
                        promptIDs: ids("prompt_ids"), chosenIDs: ids("chosen_ids"), rejectedIDs: ids("rejected_ids"),
                        chosenLogProbs: p["chosen_logprobs"] as! [String: [Double]],
                        rejectedLogProbs: p["rejected_logprobs"] as! [String: [Double]])
        }
    }
}
