import ArgumentParser
import Foundation
import PanoramaEngine

extension Duration {
    /// The duration in seconds, for reports.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}

/// Prints a report as pretty JSON with snake_case keys (the `--json` output of benchmarks).
func printSnakeCaseJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// The DuckDB half of a side-by-side benchmark: a Python script run on the benchmark's data
/// directory, printing its report as JSON with snake_case keys.
struct DuckDBSide {
    var python: String
    var script: String
    /// Whether the script's progress (standard error) is dropped, as when printing JSON.
    var quiet: Bool

    /// Throws unless the script is there (it is looked up relative to the working directory).
    func checkScript() throws {
        guard FileManager.default.fileExists(atPath: script) else {
            throw ValidationError(
                "DuckDB script not found at \(script): run from the repository root, give --duckdb-script PATH, or --no-duckdb"
            )
        }
    }

    /// The data directory to use: `data` when given, else a temporary one (returned as
    /// `temporary` for the caller to remove) when the DuckDB side runs, else none.
    static func directory(_ data: String?, skipped: Bool, name: String) -> (directory: String?, temporary: String?) {
        guard data == nil, !skipped else { return (data, nil) }
        let temporary = NSTemporaryDirectory() + "panorama-bench-\(name)-\(ProcessInfo.processInfo.processIdentifier)"
        return (temporary, temporary)
    }

    /// Runs the script on `directory` and decodes its report; its progress goes to this process's
    /// standard error unless `quiet`.
    func run<Report: Decodable>(directory: String) throws -> Report {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script, directory]
        let output = Pipe()
        process.standardOutput = output
        if quiet { process.standardError = FileHandle.nullDevice }
        try process.run()
        let bytes = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError(
                "the DuckDB side failed (exit \(process.terminationStatus)); it needs `pip install duckdb numpy`, or run with --no-duckdb"
            )
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(Report.self, from: bytes)
        } catch {
            throw ValidationError(
                "the DuckDB side printed no report: \(String(decoding: bytes.prefix(400), as: UTF8.self))")
        }
    }
}

extension SyntheticData {
    /// The benchmark data: read from `directory` when it holds a manifest, else generated from
    /// `seed` (and written there when a directory is given, for the DuckDB side).
    static func loadOrGenerate(directory: String?, customers: Int, seed: UInt64, say: (String) -> Void) throws
        -> SyntheticData
    {
        if let directory, FileManager.default.fileExists(atPath: directory + "/manifest.json") {
            say("loading \(directory) …")
            return try SyntheticData.load(from: directory)
        }
        let synthetic = SyntheticData.generate(customers: customers, seed: seed) { say("generating \($0) …") }
        if let directory {
            say("writing \(directory) …")
            _ = try synthetic.write(to: directory)
        }
        return synthetic
    }
}
