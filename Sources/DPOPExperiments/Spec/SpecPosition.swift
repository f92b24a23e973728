import Yams

/// A 1-based line and column in a spec file (libyaml counts columns in Unicode scalars).
struct SpecPosition: Hashable, Comparable, Sendable, CustomStringConvertible {
    var line: Int
    var column: Int

    init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// Yams already shifts libyaml's 0-based marks to 1-based ones.
    init(_ mark: Mark) {
        self.init(line: mark.line, column: mark.column)
    }

    /// The node's position, or the start of the file for nodes built without one.
    init(_ node: Node) {
        self = node.mark.map(SpecPosition.init) ?? .start
    }

    static let start = SpecPosition(line: 1, column: 1)

    static func < (a: SpecPosition, b: SpecPosition) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }

    var description: String { "\(line):\(column)" }
}
