import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PanoramaCore
import PanoramaServices
import Testing

@testable import PanoramaHTTP

/// HTTPS: the real server with a certificate made by `openssl`, reached with `curl` over TLS 1.2 and
/// 1.3 and refused over TLS 1.1; and the errors for certificate and key files that cannot be used.
@Suite struct TLSHTTPTests {
    /// What a command printed and how it ended.
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The path of a command-line tool, if installed.
    static func tool(_ name: String) -> String? {
        ["/usr/bin", "/usr/local/bin", "/bin", "/opt/homebrew/bin"].map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Whether `openssl` and `curl` are here; without them the HTTPS tests are skipped, not failed.
    static let toolsInstalled = tool("openssl") != nil && tool("curl") != nil

    /// Runs a tool to completion without blocking a concurrency thread (the server under test needs them),
    /// its output going to files so that no pipe can fill up.
    static func run(_ name: String, _ arguments: [String], in directory: URL) async throws -> Run {
        let path = try #require(tool(name), "\(name) is not installed")
        let id = UUID().uuidString
        let out = directory.appendingPathComponent("\(id).out")
        let err = directory.appendingPathComponent("\(id).err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        let status = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        return Run(
            status: status, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// A fresh directory, removed after `body`.
    static func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("panorama-tls-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        return try await body(dir)
    }

    /// A self-signed certificate for `localhost` and its key, made by `openssl`, as (cert, key) paths.
    static func selfSigned(in dir: URL, name: String = "server") async throws -> (String, String) {
        let cert = dir.appendingPathComponent("\(name)-cert.pem").path
        let key = dir.appendingPathComponent("\(name)-key.pem").path
        let made = try await run(
            "openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                "-keyout", key, "-out", cert,
            ], in: dir)
        try #require(made.status == 0, "openssl req failed: \(made.stderr)")
        return (cert, key)
    }

    @Test(.enabled(if: toolsInstalled, "needs the openssl and curl command-line tools"))
    func theServerSpeaksTLS12And13AndRefusesTLS11() async throws {
        try await Self.withTemporaryDirectory { dir in
            // Given the real server with a self-signed certificate
            let (cert, key) = try await Self.selfSigned(in: dir)
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let config = Configuration(
                port: 0, dataDirectory: dir.appendingPathComponent("data").path, synchronous: .normal,
                tls: TLSFiles(certificatePath: cert, keyPath: key))
            let built = try await buildApplication(config, logger: logger)
            try await built.application.test(.live) { client in
                let url = "https://localhost:\(try #require(client.port))/health"
                // When curl asks for /health over TLS 1.2, then over TLS 1.3
                for (flag, version) in [("--tlsv1.2", "1.2"), ("--tlsv1.3", "1.3")] {
                    let answer = try await Self.run(
                        "curl",
                        ["-sS", "-k", "-i", "-v", "--max-time", "20", flag, "--tls-max", version, url], in: dir)
                    // Then the handshake uses that version and the server answers 200 over HTTP/1.1, with HSTS.
                    #expect(answer.status == 0, "curl \(flag): \(answer.stderr)")
                    #expect(answer.stderr.contains("SSL connection using TLSv\(version)"), "\(answer.stderr)")
                    #expect(answer.stdout.hasPrefix("HTTP/1.1 200"), "\(answer.stdout)")
                    #expect(answer.stdout.contains(#"{"status":"ok"}"#))
                    #expect(answer.stdout.lowercased().contains("strict-transport-security: max-age=31536000"))
                    #expect(answer.stdout.lowercased().contains("x-content-type-options: nosniff"))
                }
                // When a client offers nothing newer than TLS 1.1 (security level 0, so that the
                // client itself would allow it), then the server refuses the handshake.
                let old = try await Self.run(
                    "curl",
                    [
                        "-sS", "-k", "--max-time", "20", "--tlsv1.1", "--tls-max", "1.1", "--ciphers",
                        "DEFAULT:@SECLEVEL=0", url,
                    ], in: dir)
                // The server's alert, not a client-side refusal, ends it.
                #expect(old.status != 0, "TLS 1.1 must fail: \(old.stdout)")
                #expect(old.stderr.contains("alert protocol version"), "\(old.stderr)")
                #expect(old.stdout.isEmpty)
                let openssl = try await Self.run(
                    "openssl",
                    [
                        "s_client", "-connect", "localhost:\(try #require(client.port))", "-tls1_1", "-cipher",
                        "DEFAULT:@SECLEVEL=0",
                    ], in: dir)
                #expect(openssl.status != 0, "openssl s_client -tls1_1 must fail: \(openssl.stdout)")
                #expect(openssl.stderr.contains("alert protocol version"), "\(openssl.stderr)")
                #expect(openssl.stdout.contains("Cipher is (NONE)"), "\(openssl.stdout)")
            }
        }
    }

    @Test func aMissingCertificateOrKeyFileIsNamed() async throws {
        try await Self.withTemporaryDirectory { dir in
            let missing = dir.appendingPathComponent("nope.pem").path
            let error = #expect(throws: TLSFileError.self) {
                try ServerTLS.configuration(TLSFiles(certificatePath: missing, keyPath: missing))
            }
            #expect(error?.description.contains(missing) == true)
            #expect(error?.description.contains("--tls-cert") == true)
            #expect(error?.description.contains("does not exist") == true)

            // The server refuses to start, before it opens the store.
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let data = dir.appendingPathComponent("data").path
            await #expect(throws: TLSFileError.self) {
                _ = try await buildApplication(
                    Configuration(
                        port: 0, dataDirectory: data, tls: TLSFiles(certificatePath: missing, keyPath: missing)),
                    logger: logger)
            }
            #expect(!FileManager.default.fileExists(atPath: data))

            let garbage = dir.appendingPathComponent("garbage.pem")
            try Data("not a certificate".utf8).write(to: garbage)
            let notPEM = #expect(throws: TLSFileError.self) { try ServerTLS.certificateChain(garbage.path) }
            #expect(notPEM?.description.contains("holds no PEM certificate") == true)
            let notKey = #expect(throws: TLSFileError.self) { try ServerTLS.privateKey(garbage.path) }
            #expect(notKey?.description.contains("--tls-key") == true)
            let directory = #expect(throws: TLSFileError.self) { try ServerTLS.privateKey(dir.path) }
            #expect(directory?.description.contains("is a directory") == true)
        }
    }

    @Test(.enabled(if: toolsInstalled, "needs the openssl command-line tool"))
    func aKeyOfAnotherCertificateIsRefused() async throws {
        try await Self.withTemporaryDirectory { dir in
            let (cert, key) = try await Self.selfSigned(in: dir, name: "one")
            let (_, otherKey) = try await Self.selfSigned(in: dir, name: "two")
            #expect(throws: Never.self) { try ServerTLS.configuration(TLSFiles(certificatePath: cert, keyPath: key)) }
            let mismatch = #expect(throws: TLSFileError.self) {
                try ServerTLS.configuration(TLSFiles(certificatePath: cert, keyPath: otherKey))
            }
            #expect(mismatch?.description.contains("does not belong to the certificate") == true)
            // A certificate and key given the wrong way round: the certificate file is named.
            let swapped = #expect(throws: TLSFileError.self) {
                try ServerTLS.configuration(TLSFiles(certificatePath: key, keyPath: cert))
            }
            #expect(swapped?.description.contains(key) == true)
            #expect(swapped?.description.contains("--tls-cert") == true)
        }
    }
}
