extension GPTModel {
    /// Final-layer hidden states of the last forward, after the last LayerNorm (what the unembedding
    /// reads), (B, T, C) with the forward's T.
    public var finalHiddenStates: UnsafePointer<Float> { UnsafePointer(acts.lnf) }
}
