import Foundation
import Logging
import PanoramaCore
import PanoramaStore

/// The background pass of encryption at rest: seals personal values still stored in clear (a store
/// that ran before encryption was turned on) and re-encrypts values under older keys after a
/// rotation, part by part in short batches, while the server keeps serving. Reads never wait for
/// it: a value under an older key still opens as long as that key stays in the ring.
///
/// Rotation: put a new key line first in `PANORAMA_ENCRYPTION_KEYS` (or the key file), keep the old
/// one after it, restart; the leader's sweep (or `panorama encryption sweep`) re-encrypts everything;
/// when it reports nothing left, remove the old line.
///
/// A complete pass records the primary key it left everything under (`SQLStore.markSweepComplete`);
/// opening the store with encryption off or another primary key clears that mark. The leader's
/// pass at start is skipped while the mark holds (on a large store it read every sealed row on
/// every start and found nothing); the daily pass always runs.
public struct ProtectionSweep: Sendable {
    public let store: any PanoramaStore
    public let logger: Logger
    public let clock: WallClock
    /// Customer ids (or row ids) per batch.
    public var span: Int64

    /// The scheduled job's name (`panorama_scheduled_job_runs_total{job=…}`).
    public static let jobName = "encryption-sweep"

    public init(store: any PanoramaStore, logger: Logger, clock: WallClock = .system, span: Int64 = 2_000) {
        self.store = store
        self.logger = logger
        self.clock = clock
        self.span = span
    }

    /// Whether the store encrypts at all (the sweep has nothing to do otherwise).
    public var isOn: Bool { (store as? any SQLStore)?.protection.isOn ?? false }

    /// One whole pass over every sealed part; `progress` is told after each batch (part, range
    /// position, range end). Returns what each part saw and rewrote; with `apply` false nothing is
    /// written and `rewritten` counts the rows that need it (`panorama encryption status`). A pass
    /// that applies and completes sets the sweep's mark.
    @discardableResult
    public func run(
        apply: Bool = true, progress: (@Sendable (SealedPart, Int64, Int64) -> Void)? = nil
    ) async throws -> [SealedPart: SweepProgress] {
        guard let sql = store as? any SQLStore, sql.protection.isOn else { return [:] }
        // Read before the first batch: an invalidation after it leaves the mark unset.
        let generation = apply ? try await sql.sweepMark().generation : nil
        var report: [SealedPart: SweepProgress] = [:]
        for part in SealedPart.allCases {
            let bound = try await sql.sweepBound(part)
            var done = SweepProgress()
            var low: Int64 = 0
            while low <= bound {
                try Task.checkCancellation()
                let high = min(bound, low + span - 1)
                let batch = try await sql.sweep(part, range: low...high, apply: apply)
                done.scanned += batch.scanned
                done.rewritten += batch.rewritten
                progress?(part, high, bound)
                low = high + 1
            }
            report[part] = done
            if apply && done.rewritten > 0 {
                logger.info(
                    "encryption sweep rewrote values",
                    metadata: ["part": "\(part.rawValue)", "rewritten": "\(done.rewritten)", "scanned": "\(done.scanned)"])
            }
        }
        if let generation {
            try await sql.markSweepComplete(generation: generation, now: clock.now())
        }
        return report
    }

    /// Whether the pass at start can be skipped: a complete pass left every sealed value under the
    /// primary key this node writes with, and no node opened the store since with encryption off
    /// or another primary key.
    public func isComplete() async throws -> Bool {
        guard let sql = store as? any SQLStore, sql.protection.isOn else { return false }
        return try await sql.sweepIsComplete()
    }

    /// The leader's job: a pass shortly after start, unless the sweep's mark says a complete pass
    /// left nothing to do, and then daily (a pass that finds nothing to do only reads).
    public func makeScheduler(cluster: ClusterService, metrics: any MetricsSink) -> ClusterScheduler? {
        guard isOn else { return nil }
        let job = ClusterScheduler.Job(name: Self.jobName, interval: .seconds(86_400)) { [self, first = Once()] in
            try await runScheduled(first: first.claim())
        }
        return ClusterScheduler(leadership: cluster.leadership, jobs: [job], logger: logger, metrics: metrics)
    }

    /// One scheduled run: the first one on this node (at start or on becoming leader) is skipped
    /// when the mark holds. Returns whether a pass ran.
    @discardableResult
    public func runScheduled(first: Bool) async throws -> Bool {
        if first, try await isComplete() {
            logger.info(
                "encryption sweep at start skipped: a complete pass already left every value under the primary key",
                metadata: ["key": "\((store as? any SQLStore)?.protection.primaryKeyID ?? "")"])
            return false
        }
        try await run()
        return true
    }
}

extension FieldProtection {
    /// The protection a node runs with: the key ring from `PANORAMA_ENCRYPTION_KEYS`, else from the
    /// key file `keyFile` (flag or `PANORAMA_ENCRYPTION_KEY_FILE`); with neither, a SQLite store's data
    /// directory gets its own key file `encryption.key` (0600) on first start, so a new install
    /// encrypts by default. `disabled` (`--no-encryption`) stores personal data in clear.
    /// Returns the protection and a note for the operator, if any.
    public static func resolve(
        environment: [String: String], keyFile: String?, dataDirectory: String?, disabled: Bool
    ) throws -> (FieldProtection, note: String?) {
        if disabled { return (.off, "personal data is stored in clear (--no-encryption)") }
        if let text = environment[KeyRing.environmentVariable], !text.isEmpty {
            return (FieldProtection(ring: try KeyRing.load(environment: environment)), nil)
        }
        if let path = keyFile ?? environment["PANORAMA_ENCRYPTION_KEY_FILE"], !path.isEmpty {
            let ring = try KeyRing.load(fromFile: path)
            let note = ring.looseFilePermissions ? "key file \(path) is readable by others; chmod 600 it" : nil
            return (FieldProtection(ring: ring), note)
        }
        guard let dataDirectory else {
            return (
                .off,
                "no encryption key (\(KeyRing.environmentVariable) or --encryption-key-file): personal data is stored in clear"
            )
        }
        let path = (dataDirectory as NSString).appendingPathComponent("encryption.key")
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            let line = try KeyRing.generateKeyLine(id: "k1")
            let text = "# Panorama encryption key: keep a copy apart from the data and its backups.\n\(line)\n"
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
            else {
                throw PanoramaError.unavailable("cannot write the new encryption key file \(path)")
            }
            return (
                FieldProtection(ring: try KeyRing.load(fromFile: path)),
                "generated encryption key \(path): back it up apart from the data (without it the personal data cannot be read)"
            )
        }
        return (FieldProtection(ring: try KeyRing.load(fromFile: path)), nil)
    }
}
