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

    /// The index of a sharded checkpoint (`save_pretrained` with `max_shard_size`): tensor name → shard file.
    public static let shardIndexFile = "model.safetensors.index.json"
    /// PyTorch's pickle format, which dpop does not read.
    static let pickleWeightsFile = "pytorch_model.bin"
    /// Tokenizer and generation files `save_pretrained` writes next to a model; copied into checkpoints
    /// dpop writes from a pretrained start, so `from_pretrained` loads model and tokenizer from them.
    public static let companionFiles = [BPETokenizerFiles.tokenizerJSON, "tokenizer_config.json", "special_tokens_map.json",
                                        "vocab.json", "merges.txt", "encoder.json", "vocab.bpe", "added_tokens.json",
                                        "generation_config.json"]

    /// Writes `model` to `directory` atomically: files go to a sibling temp folder that is renamed into place.
    ///
    /// With `basedOn` (the pretrained checkpoint the model started from) the original `config.json` is
    /// kept — every key, known or not — with the shape and dtype keys set to what is written, and the
    /// tokenizer files are copied alongside.
    public static func save(_ model: GPTModel, to directory: URL, extraConfig: [String: Any] = [:], basedOn: URL? = nil) throws {
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
            var config = configJSON(for: model.config, extra: extraConfig)
            if let basedOn {
                var original = try originalConfig(in: basedOn)
                // What the written weights are: their shape, float32, one file, a tied head.
                for key in ["vocab_size", "n_positions", "n_ctx", "n_embd", "n_layer", "n_head", "torch_dtype", "tie_word_embeddings"] {
                    original[key] = config[key]
                }
                original.removeValue(forKey: "dtype")
                for (k, v) in extraConfig { original[k] = v }
                config = original
                for name in companionFiles {
                    let source = basedOn.appendingPathComponent(name)
                    // Read and write (not copyItem): a symlinked tokenizer file becomes a real one.
                    guard let data = fm.contents(atPath: source.path) else { continue }
                    try FileWrite.data(data, to: staging.appendingPathComponent(name))
                }
            }
            let json = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
            try FileWrite.data(json, to: staging.appendingPathComponent(configFile))
            if fm.fileExists(atPath: directory.path) { try fm.removeItem(at: directory) }
            try fm.moveItem(at: staging, to: directory)
        } catch {
            // A full disk must not leave a half-written staging folder behind.
            try? fm.removeItem(at: staging)
            throw FileWrite.diskFullOrSelf(error)
        }
    }

    /// The `config.json` of `directory` as a JSON object.
    static func originalConfig(in directory: URL) throws -> [String: Any] {
        let path = directory.appendingPathComponent(configFile).path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DPOPError.checkpoint(path: path, message: "no config.json", hint: "a checkpoint directory holds model.safetensors and config.json")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw DPOPError.checkpoint(path: path, message: "not a JSON object", hint: nil)
        }
        return json
    }

    /// Reads the model shape from `config.json`, checking every field that changes what the network
    /// computes; one dpop cannot run is an error naming the field.
    public static func readConfig(from directory: URL) throws -> GPTConfig {
        let path = directory.appendingPathComponent(configFile).path
        let json = try originalConfig(in: directory)
        func fail(_ field: String, _ message: String, _ hint: String? = nil) -> DPOPError {
            .checkpoint(path: path, message: "\(field): \(message)", hint: hint)
        }
        func int(_ keys: String...) throws -> Int {
            for k in keys {
                guard let v = json[k], !(v is NSNull) else { continue }
                // (No `is Bool` test: on Linux a parsed 0 or 1 also casts to Bool.)
                guard let i = v as? Int else { throw fail(k, "must be a whole number, got \(v)") }
                return i
            }
            throw fail(keys[0], "missing", "GPT-2 configs carry n_embd, n_layer, n_head, n_positions, vocab_size")
        }
        func bool(_ key: String) -> Bool? { json[key] as? Bool }
        if let type = json["model_type"] as? String, type != "gpt2" {
            throw fail("model_type", "is '\(type)'; dpop runs only gpt2", "GPT-2-family checkpoints (gpt2, distilgpt2, …) have model_type gpt2")
        }
        if let act = json["activation_function"] as? String, !acceptedActivations.contains(act) {
            throw fail("activation_function", "'\(act)' is not supported", "dpop implements GPT-2's tanh GELU (gelu_new, gelu_pytorch_tanh)")
        }
        if let value = json["layer_norm_epsilon"], !(value is NSNull) {
            guard let eps = value as? Double else { throw fail("layer_norm_epsilon", "must be a number, got \(value)") }
            guard abs(eps - 1e-5) <= 1e-12 else { throw fail("layer_norm_epsilon", "\(eps) is not supported (dpop's LayerNorm uses 1e-5)") }
        }
        if bool("tie_word_embeddings") == false {
            throw fail("tie_word_embeddings", "false: the checkpoint has its own lm_head; dpop's output layer is the input embedding",
                       "GPT-2 ties them; a model with a separate output matrix cannot run here")
        }
        if bool("scale_attn_weights") == false {
            throw fail("scale_attn_weights", "false is not supported (dpop scales attention by 1/√head size)")
        }
        if bool("scale_attn_by_inverse_layer_idx") == true {
            throw fail("scale_attn_by_inverse_layer_idx", "true is not supported")
        }
        if bool("add_cross_attention") == true {
            throw fail("add_cross_attention", "true is not supported (dpop runs decoder-only GPT-2)")
        }
        let channels = try int("n_embd")
        if let value = json["n_inner"], !(value is NSNull) {
            guard let inner = value as? Int, inner == 4 * channels else {
                throw fail("n_inner", "\(value) is not supported (dpop's MLP is 4·n_embd = \(4 * channels) wide)")
            }
        }
        let config = GPTConfig(vocabSize: try int("vocab_size"), contextLength: try int("n_positions", "n_ctx"),
                               layers: try int("n_layer"), heads: try int("n_head"), channels: channels)
        do { try config.validate() } catch {
            throw DPOPError.checkpoint(path: path, message: error.description, hint: nil)
        }
        return config
    }

    /// The weight files of `directory`: `model.safetensors`, or the shards a `model.safetensors.index.json`
    /// names (in name order); a folder with only `pytorch_model.bin` is an error saying how to convert it.
    public static func weightFiles(in directory: URL) throws -> [URL] {
        let fm = FileManager.default
        let single = directory.appendingPathComponent(weightsFile)
        if fm.fileExists(atPath: single.path) { return [single] }
        let index = directory.appendingPathComponent(shardIndexFile)
        if let data = fm.contents(atPath: index.path) {
            guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  let map = json["weight_map"] as? [String: String], !map.isEmpty else {
                throw DPOPError.checkpoint(path: index.path, message: "weight_map: missing, empty or not a mapping of tensor name to file",
                                           hint: "the index save_pretrained writes maps every tensor to its shard")
            }
            let shards = Set(map.values).sorted()
            for shard in shards where shard.contains("/") || !fm.fileExists(atPath: directory.appendingPathComponent(shard).path) {
                throw DPOPError.checkpoint(path: index.path, message: "weight_map names shard '\(shard)', which is not in the folder", hint: nil)
            }
            return shards.map { directory.appendingPathComponent($0) }
        }
        if fm.fileExists(atPath: directory.appendingPathComponent(pickleWeightsFile).path) {
            throw DPOPError.checkpoint(path: directory.appendingPathComponent(pickleWeightsFile).path,
                                       message: "dpop reads safetensors weights, and this folder has only PyTorch's pickle format",
                                       hint: "re-save it with transformers: AutoModelForCausalLM.from_pretrained(folder).save_pretrained(folder, safe_serialization=True)")
        }
        throw DPOPError.checkpoint(path: single.path, message: "cannot read model.safetensors: the file does not exist",
                                   hint: "a checkpoint folder holds config.json and model.safetensors (or model.safetensors.index.json and its shards); save with safe_serialization=True")
    }

    /// Loads the parameters of `directory` into `model`, validating every name, shape and dtype.
    /// Accepts names with or without `transformer.`, ignores the `attn.bias`/`attn.masked_bias`
    /// buffers, and accepts an `lm_head.weight` equal to `wte` (a tied head).
    public static func load(into model: GPTModel, from directory: URL) throws {
        let files = try weightFiles(in: directory)
        let path = files.count == 1 ? files[0].path : directory.appendingPathComponent(shardIndexFile).path
        // Normalise names to the prefixed form.
        var byName: [String: NamedTensor] = [:]
        for file in files {
            guard let data = try? Data(contentsOf: file, options: .alwaysMapped) else {
                throw DPOPError.checkpoint(path: file.path, message: "cannot read the file", hint: nil)
            }
            for (name, t) in try SafeTensors.decode(data, path: file.path).tensors {
                let full = name.hasPrefix("transformer.") || name.hasPrefix("lm_head.") ? name : "transformer." + name
                if byName[full] != nil {
                    throw DPOPError.checkpoint(path: file.path, message: "tensor '\(full)' appears twice (in two shards, or with and without the transformer. prefix)", hint: nil)
                }
                byName[full] = t
            }
        }
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
