/// How the output layer runs: over the whole batch, keeping (B, T, V) logits, probabilities and their
/// gradient, or in chunks of scored rows keeping none (`LMHead`).
public enum LMHeadMode: String, Codable, Sendable {
    /// `Matmul` over every real row, then `CrossEntropy`: the logits of every position stay readable.
    case wholeBatch
    /// `LMHead`: only the scored rows, in chunks, nothing of size V per row kept.
    case chunked

    /// Largest vocabulary run over the whole batch. Up to here the three (B, T, V) tensors are no larger
    /// than one layer's MLP activations for the widths dpop trains from scratch, and keeping them is what the
    /// shipped byte-level results were computed with; above it (a 50k BPE vocabulary) they are the largest
    /// tensors of the step, so the head runs in chunks.
    public static let wholeBatchVocabularyLimit = 1024

    /// The mode for a model's vocabulary. A function of the model alone, never of the batch, so a sequence's
    /// floats do not depend on how many sequences it is run with.
    public static func automatic(vocabularySize V: Int) -> LMHeadMode {
        V <= wholeBatchVocabularyLimit ? .wholeBatch : .chunked
    }
}
