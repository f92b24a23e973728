import DPOPReports
import Foundation

/// Reads the results folder of `table`, `compare` and `report`, telling stderr which cells were left out.
enum ResultsReading {
    static func load(_ path: String) throws -> ExperimentResults {
        let results = try ExperimentResults.load(path: path)
        for line in results.readingMessages { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        return results
    }
}
