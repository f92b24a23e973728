/// One figure of the report: a file stem, a title, a caption, and the SVG document.
public struct ReportFigure: Sendable {
    /// File stem and HTML id (`delta-w-curves`).
    public let id: String
    public let title: String
    /// What the marks mean, for readers who see only the figure.
    public let caption: String
    public let svg: String
}
