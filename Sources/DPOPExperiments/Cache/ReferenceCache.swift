import DPOPTrainer
import Foundation

/// SFT reference models and their log-probs, cached by content hash and shared by every cell and
/// every experiment under one results root (`<root>/.cache/reference/<key>/`).
///
/// An entry is built in a temp folder and renamed into place, so it appears whole or not at all;
/// `entry.json` records the SHA-256 of each file and a read verifies them. Two processes that need
/// the same entry do not both build it: one holds `<key>.lock` and builds, the other waits for it.
public struct ReferenceCache: Sendable {
    public let directory: URL

    /// The cache under a results root.
    public init(resultsRoot: URL) {
        directory = resultsRoot.appendingPathComponent(".cache/reference")
    }

    /// What an entry was built from; its hash is the key.
    public struct Inputs: Codable, Equatable, Sendable {
        /// SHA-256 of the pairs' JSONL text.
        public var dataSHA256: String
        public var model: GPTConfig
        public var sft: SFTConfig
        public var evalFraction: Double
        public var splitSeed: UInt64
        /// Bumped when the trainer's numerics change in a way that invalidates old entries.
        public var format = 1
        /// SHA-256 of the pretrained checkpoint the SFT starts from (`PretrainedStart`); nil, and absent
        /// from the key's JSON, for a model from scratch.
        public var checkpointSHA256: String?
        /// SHA-256 of that checkpoint's tokenizer files; nil (absent) for the byte tokenizer.
        public var tokenizerSHA256: String?

        public init(dataSHA256: String, model: GPTConfig, sft: SFTConfig, evalFraction: Double, splitSeed: UInt64,
                    pretrained: PretrainedStart? = nil) {
            self.dataSHA256 = dataSHA256
            self.model = model
            self.sft = sft
            self.evalFraction = evalFraction
            self.splitSeed = splitSeed
            checkpointSHA256 = pretrained?.checkpointSHA256
            tokenizerSHA256 = pretrained?.tokenizerSHA256
        }

        /// What the reference of `cell` is built from: its pairs, model, SFT settings (their seed is
        /// `sft.seed`) and split, so cells that share `sft.seed` share the entry.
        public init(cell: CellConfig, dataSHA256: String) {
            let run = cell.runConfig
            self.init(dataSHA256: dataSHA256, model: run.model, sft: run.sft, evalFraction: run.evalFraction, splitSeed: run.splitSeed,
                      pretrained: cell.pretrained)
        }

        /// The cache key: SHA-256 of the canonical JSON, first 16 hex characters.
        public var key: String {
            get throws {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                return String(ContentHash.sha256(try encoder.encode(self)).prefix(16))
            }
        }
    }

    /// `entry.json`: inputs and checksums.
    public struct Entry: Codable, Sendable {
        public var inputs: Inputs
        public var created: String
        public var weightsSHA256: String
        public var scoresSHA256: String
        public var seconds: Double
    }

    /// A loaded entry.
    public struct Loaded {
        public var model: GPTModel
        public var scores: ReferenceScores
        public var entry: Entry
        public var key: String
        /// True when this call built it.
        public var built: Bool
    }

    /// The entry for `inputs`: read and verified if present, else built with `build` (once across
    /// processes). `maxBatch` sizes the loaded model's arena.
    public func obtain(_ inputs: Inputs, maxBatch: Int, log: (String) -> Void = { _ in },
                       build: () throws -> (GPTModel, ReferenceScores)) throws -> Loaded {
        let key = try inputs.key
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        let entryDir = directory.appendingPathComponent(key)
        let lock = directory.appendingPathComponent("\(key).lock")
        var waited = false
        while true {
            if fm.fileExists(atPath: entryDir.path) {
                do {
                    return try read(entryDir, key: key, maxBatch: maxBatch)
                } catch {
                    log("reference cache entry \(key) failed verification (\(error)); rebuilding")
                    let aside = directory.appendingPathComponent(".corrupt-\(key)-\(getpid())")
                    try? fm.moveItem(at: entryDir, to: aside)
                    try? fm.removeItem(at: aside)
                }
            }
            if try CellLock.acquire(lock) {
                defer { CellLock.release(lock) }
                if fm.fileExists(atPath: entryDir.path) { continue } // someone finished while we took the lock
                removeTemporaryFolders(of: key)
                log("building reference \(key) (SFT \(inputs.sft.steps) steps)")
                let start = Date()
                let (model, scores) = try build()
                let temp = directory.appendingPathComponent(".tmp-\(key)-\(getpid())")
                do {
                    try GPT2Checkpoint.save(model, to: temp, extraConfig: ["dpop": ["stage": "reference", "cache_key": key]])
                    let scoresData = try JSONEncoder().encode(scores)
                    try FileWrite.data(scoresData, to: temp.appendingPathComponent("scores.json"))
                    let weights = try Data(contentsOf: temp.appendingPathComponent(GPT2Checkpoint.weightsFile))
                    let entry = Entry(inputs: inputs, created: ISO8601DateFormatter().string(from: Date()),
                                      weightsSHA256: ContentHash.sha256(weights), scoresSHA256: ContentHash.sha256(scoresData),
                                      seconds: Date().timeIntervalSince(start))
                    let pretty = JSONEncoder()
                    pretty.outputFormatting = [.sortedKeys, .prettyPrinted]
                    try FileWrite.data(try pretty.encode(entry), to: temp.appendingPathComponent("entry.json"))
                } catch {
                    try? fm.removeItem(at: temp)
                    throw FileWrite.diskFullOrSelf(error)
                }
                guard rename(temp.path, entryDir.path) == 0 else {
                    let reason = String(cString: strerror(errno))
                    // Another process published the same entry first: use theirs (identical inputs).
                    if fm.fileExists(atPath: entryDir.path), let theirs = try? read(entryDir, key: key, maxBatch: maxBatch) {
                        try? fm.removeItem(at: temp)
                        log("reference \(key) was published meanwhile by another process; using it")
                        return theirs
                    }
                    try? fm.removeItem(at: temp)
                    throw DPOPError.io(path: entryDir.path, message: "rename failed: \(reason)")
                }
                var loaded = try read(entryDir, key: key, maxBatch: maxBatch)
                loaded.built = true
                return loaded
            }
            if !waited { log("waiting for reference \(key), being built by another process"); waited = true }
            sleep(1)
        }
    }

    /// Removes what builds of `key` left half-written (a full disk, a `kill -9`): its temp and
    /// checkpoint staging folders. Called holding the key's lock, so no build of it is under way.
    private func removeTemporaryFolders(of key: String) {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: directory.path)) ?? []
        where name.hasPrefix(".tmp-\(key)-") || name.hasPrefix("..tmp-\(key)-") {
            try? fm.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    /// Reads and verifies an entry.
    func read(_ dir: URL, key: String, maxBatch: Int) throws -> Loaded {
        let entryData = try Data(contentsOf: dir.appendingPathComponent("entry.json"))
        let entry = try JSONDecoder().decode(Entry.self, from: entryData)
        let weights = try Data(contentsOf: dir.appendingPathComponent(GPT2Checkpoint.weightsFile))
        guard ContentHash.sha256(weights) == entry.weightsSHA256 else {
            throw DPOPError.checkpoint(path: dir.path, message: "model.safetensors checksum differs from entry.json", hint: nil)
        }
        let scoresData = try Data(contentsOf: dir.appendingPathComponent("scores.json"))
        guard ContentHash.sha256(scoresData) == entry.scoresSHA256 else {
            throw DPOPError.checkpoint(path: dir.path, message: "scores.json checksum differs from entry.json", hint: nil)
        }
        let scores = try JSONDecoder().decode(ReferenceScores.self, from: scoresData)
        let model = try GPT2Checkpoint.loadModel(from: dir, maxBatch: maxBatch)
        return Loaded(model: model, scores: scores, entry: entry, key: key, built: false)
    }
}
