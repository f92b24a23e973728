/// A validated experiment spec and its grid of cells.
public struct ExperimentSpec: Sendable {
    /// The experiment's name; also its results folder name.
    public var name: String
    /// One line on what the experiment compares.
    public var description: String
    /// The spec's path as given to the loader.
    public var file: String
    /// The YAML exactly as read; with overrides, the effective spec (the file's tree with them applied).
    public var text: String
    /// The command-line overrides applied to the file, as typed.
    public var overrides: [String]
    /// The axes whose values differ between cells, each with the values cells take, in spec order (a `seed`
    /// axis when there are several seeds); every cell's `run.json` records them.
    public var axisValues: [AxisValues]
    private let grid: [GridCell]

    init(name: String, description: String, file: String, text: String, overrides: [String] = [],
         axisValues: [AxisValues], cells: [GridCell]) {
        self.name = name
        self.description = description
        self.file = file
        self.text = text
        self.overrides = overrides
        self.axisValues = axisValues
        self.grid = cells
    }

    /// Names of the axes whose values differ between cells, in spec order.
    public var axes: [String] { axisValues.map(\.name) }

    /// The cells in deterministic order: the product of axes, zip groups and seeds in file order, first outermost.
    public func cells() -> [GridCell] {
        grid
    }

    /// `FILE: ok — N cells (axes: loss, beta, seed)`, the line `dpop validate` prints.
    public var summary: String {
        let n = grid.count
        return "\(file): ok — \(n) cell\(n == 1 ? "" : "s") (axes: \(axes.isEmpty ? "none" : axes.joined(separator: ", ")))"
    }
}
