import Foundation

/// A model directory in the Hugging Face GPT-2 format: `model.safetensors` plus `config.json`.
public enum GPT2Checkpoint {
    public static let weightsFile = "model.safetensors"
    public static let configFile = "config.json"
    /// Activations that compute GPT-2's tanh GELU.
    static let acceptedActivations: Set<String> = ["gelu_new", "gelu_pytorch_tanh"]

    /// The `config.json` transformers' GPT2LMHeadModel reads; `extra` adds dpop's own keys.
    public static func configJSON(for config: GPTConfig, extra: [String: Any] = [:]) -> [String: Any] {
        var json: [String: Any] = [
            "model_type": "gpt2",
            "architectures": ["GPT2LMHeadModel"],
            "vocab_size": config.vocabSize,
            "n_positions": config.contextLength,
            "n_ctx": config.contextLength,
            "n_embd": config.channels,
            "n_layer": config.layers,
            "n_head": config.heads,
            "n_inner": NSNull(),
            "activation_function": "gelu_new",
            "resid_pdrop": 0.0,
            "embd_pdrop": 0.0,
            "attn_pdrop": 0.0,
            "layer_norm_epsilon": 1e-5,
            "initializer_range": 0.02,
            "scale_attn_weights": true,
            "tie_word_embeddings": true,
            "bos_token_id": ByteTokenizer.endOfText,
            "eos_token_id": ByteTokenizer.endOfText,
            "torch_dtype": "float32",
        ]
        for (k, v) in extra { json[k] = v }
        return json
    }

    /// Writes `model` to `directory` atomically: files go to a sibling temp folder that is renamed into place.
    public static func save(_ model: GPTModel, to directory: URL, extraConfig: [String: Any] = [:]) throws {
        let fm = FileManager.default
        let parent = directory.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        let staging = parent.appendingPathComponent(".\(directory.lastPathComponent).tmp-\(getpid())")
        try? fm.removeItem(at: staging)
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
            let tensors = GPT2TensorMap.entries(for: model.layout).map {
                NamedTensor(name: $0.name, shape: $0.checkpointShape, values: GPT2TensorMap.export($0, from: model.parameters))
            }
            let weights = try SafeTensors.encode(tensors, metadata: ["format": "pt", "writer": "dpop"])
            try FileWrite.data(weights, to: staging.appendingPathComponent(weightsFile))
            let json = try JSONSerialization.data(withJSONObject: configJSON(for: model.config, extra: extraConfig),
                                                  options: [.prettyPrinted, .sortedKeys])
            try FileWrite.data(json, to: staging.appendingPathComponent(configFile))
            if fm.fileExists(atPath: directory.path) { try fm.removeItem(at: directory) }
            try fm.moveItem(at: staging, to: directory)
        } catch {
            // A full disk must not leave a half-written staging folder behind.
            try? fm.removeItem(at: staging)
            throw FileWrite.diskFullOrSelf(error)
        }
    }

    /// Reads the model shape from `config.json`, checking what dpop's kernels require.
    public static func readConfig(from directory: URL) throws -> GPTConfig {
        let url = directory.appendingPathComponent(configFile)
        let path = url.path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DPOPError.checkpoint(path: path, message: "no config.json", hint: "a checkpoint directory holds model.safetensors and config.json")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw DPOPError.checkpoint(path: path, message: "not a JSON object", hint: nil)
        }
        func int(_ keys: String...) throws -> Int {
            for k in keys { if let v = json[k] as? Int { return v } }
            throw DPOPError.checkpoint(path: path, message: "missing integer key '\(keys[0])'", hint: "GPT-2 configs carry n_embd, n_layer, n_head, n_positions, vocab_size")
        }
        if let type = json["model_type"] as? String, type != "gpt2" {
            throw DPOPError.checkpoint(path: path, message: "model_type is '\(type)', dpop reads only gpt2", hint: nil)
        }
        if let act = json["activation_function"] as? String, !acceptedActivations.contains(act) {
            throw DPOPError.checkpoint(path: path, message: "activation_function '\(act)' is not supported",
                                       hint: "dpop implements GPT-2's tanh GELU (gelu_new)")
        }
        if let eps = json["layer_norm_epsilon"] as? Double, abs(eps - 1e-5) > 1e-12 {
            throw DPOPError.checkpoint(path: path, message: "layer_norm_epsilon \(eps) is not supported (dpop uses 1e-5)", hint: nil)
        }
        if let inner = json["n_inner"] as? Int, inner != 4 * (try int("n_embd")) {
            throw DPOPError.checkpoint(path: path, message: "n_inner \(inner) is not supported (dpop uses 4·n_embd)", hint: nil)
        }
        let config = GPTConfig(vocabSize: try int("vocab_size"), contextLength: try int("n_positions", "n_ctx"),
                               layers: try int("n_layer"), heads: try int("n_head"), channels: try int("n_embd"))
        do { try config.validate() } catch {
            throw DPOPError.checkpoint(path: path, message: error.description, hint: nil)
        }
        return config
    }

    /// Loads the parameters of `directory` into `model`, validating every name, shape and dtype.
    /// Accepts names with or without `transformer.`, ignores the `attn.bias`/`attn.masked_bias`
    /// buffers, and accepts an `lm_head.weight` equal to `wte` (a tied head).
    public static func load(into model: GPTModel, from directory: URL) throws {
        let url = directory.appendingPathComponent(weightsFile)
        let path = url.path
        guard let data = try? Data(contentsOf: url, options: .alwaysMapped) else {
            throw DPOPError.checkpoint(path: path, message: "cannot read model.safetensors",
                                       hint: FileManager.default.fileExists(atPath: path) ? nil : "the file does not exist; save with safe_serialization=True")
        }
        var (tensors, _) = try SafeTensors.decode(data, path: path)
        // Normalise names to the prefixed form.
        var byName: [String: NamedTensor] = [:]
        for (name, t) in tensors {
            let full = name.hasPrefix("transformer.") || name.hasPrefix("lm_head.") ? name : "transformer." + name
            if byName[full] != nil {
                throw DPOPError.checkpoint(path: path, message: "tensor '\(full)' appears twice (with and without the transformer. prefix)", hint: nil)
            }
            byName[full] = t
        }
        tensors = [:]
        let entries = GPT2TensorMap.entries(for: model.layout)
        var problems: [String] = []
        var seen: Set<String> = []
        for entry in entries {
            guard let t = byName[entry.name] else {
                problems.append("missing tensor '\(entry.name)' of shape \(entry.checkpointShape)")
                continue
            }
            seen.insert(entry.name)
            guard t.shape == entry.checkpointShape else {
                problems.append("tensor '\(entry.name)' has shape \(t.shape), the config implies \(entry.checkpointShape)")
                continue
            }
            GPT2TensorMap.importValues(t.values, into: entry, arena: model.parameters)
        }
        for (name, t) in byName.sorted(by: { $0.key < $1.key }) where !seen.contains(name) {
            if name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias") { continue }
            if name == "lm_head.weight" {
                if let wte = byName["transformer.wte.weight"], wte.values != t.values {
                    problems.append("lm_head.weight differs from transformer.wte.weight; dpop needs a tied output embedding")
                }
                continue
            }
            problems.append("unexpected tensor '\(name)' of shape \(t.shape)")
        }
        if !problems.isEmpty {
            let shown = problems.prefix(12).joined(separator: "\n  ")
            let more = problems.count > 12 ? "\n  … and \(problems.count - 12) more" : ""
            throw DPOPError.checkpoint(path: path, message: "does not match config.json:\n  \(shown)\(more)",
                                       hint: "check that config.json belongs to these weights (n_layer, n_embd, n_positions, vocab_size)")
        }
    }

    /// Reads config.json and weights and returns a model sized for (maxBatch, maxSequence ≤ context).
    public static func loadModel(from directory: URL, maxBatch: Int, maxSequence: Int? = nil) throws -> GPTModel {
        let config = try readConfig(from: directory)
        let model = try GPTModel(config: config, maxBatch: maxBatch, maxSequence: min(maxSequence ?? config.contextLength, config.contextLength))
        try load(into: model, from: directory)
        return model
    }
}
