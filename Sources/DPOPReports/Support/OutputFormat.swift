/// Output formats of `dpop table` and `dpop compare`.
public enum OutputFormat: String, CaseIterable, Sendable {
    case md, csv, json, html

    /// Parses `md`/`markdown`, `csv`, `json`, `html`.
    public init(parsing text: String) throws {
        switch text.lowercased() {
        case "md", "markdown": self = .md
        case "csv": self = .csv
        case "json": self = .json
        case "html": self = .html
        default: throw ReportError.badOption(option: "--format", value: text, expected: "md, csv, json or html")
        }
    }
}
