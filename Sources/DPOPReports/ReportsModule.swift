/// Tables, plots and reports built from a results folder (`dpop table`, `dpop compare`, `dpop report`).
public enum DPOPReportsModule {
    /// Version of the report formats, written into generated files.
    public static let formatVersion = 1
}
