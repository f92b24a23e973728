import Foundation

/// Comma-separated command-line lists (`--rows loss,bucket`, `--metric a,b`).
public enum OptionList {
    /// The non-empty, trimmed items of `text`.
    public static func split(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
