import Foundation

/// A status line that redraws in place on a terminal and prints plain lines otherwise.
struct ProgressLine {
    private let isTerminal = isatty(STDOUT_FILENO) != 0
    private var drawn = false

    /// Shows `text`; on a terminal it replaces the previous line unless `final`, off a terminal only
    /// `final` lines are printed.
    mutating func update(_ text: String, final: Bool) {
        if isTerminal {
            print("\r\u{1B}[2K" + text, terminator: final ? "\n" : "")
            drawn = !final
            fflush(nil) // every output stream: Swift 6 refuses to read the C global stdout
        } else if final {
            print(text)
            fflush(nil) // every output stream: Swift 6 refuses to read the C global stdout
        }
    }

    /// Ends a partly drawn line.
    mutating func finish() {
        if drawn { print("") }
        drawn = false
    }
}
