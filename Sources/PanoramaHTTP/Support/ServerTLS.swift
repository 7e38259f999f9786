import Foundation
import Hummingbird
import HummingbirdTLS
import NIOSSL
import PanoramaServices

/// A TLS certificate or key that cannot be used, said so that the operator knows which file and
/// what to do about it (`panorama serve` prints it and stops before listening).
public struct TLSFileError: Error, CustomStringConvertible {
    public let description: String
}

/// The HTTPS listener: HTTP/1.1 over TLS 1.2 or newer, with the certificate chain and key of
/// `--tls-cert` and `--tls-key`.
enum ServerTLS {
    /// Reads both PEM files, refuses TLS 1.0 and 1.1 (deprecated by RFC 8996), offers HTTP/1.1 by
    /// ALPN, and checks that the key belongs to the certificate by building the context once.
    static func configuration(_ files: TLSFiles) throws -> TLSConfiguration {
        let chain = try certificateChain(files.certificatePath)
        let key = try privateKey(files.keyPath)
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        tls.applicationProtocols = ["http/1.1"]
        do {
            _ = try NIOSSLContext(configuration: tls)
        } catch {
            throw TLSFileError(
                description: "the private key in \(files.keyPath) (--tls-key) does not belong to the certificate in "
                    + "\(files.certificatePath) (--tls-cert); pass the key the certificate was issued for (\(error))")
        }
        return tls
    }

    /// The certificates of a PEM file, the server's own first.
    static func certificateChain(_ path: String) throws -> [NIOSSLCertificate] {
        let bytes = try read(path, what: "certificate", option: "--tls-cert", variable: "PANORAMA_TLS_CERT")
        guard let chain = try? NIOSSLCertificate.fromPEMBytes(bytes), !chain.isEmpty else {
            throw TLSFileError(
                description: "the TLS certificate file \(path) (--tls-cert) holds no PEM certificate; it should start "
                    + "with '-----BEGIN CERTIFICATE-----' (convert a DER file with "
                    + "'openssl x509 -inform der -in cert.der -out cert.pem')")
        }
        return chain
    }

    /// The unencrypted private key of a PEM file.
    static func privateKey(_ path: String) throws -> NIOSSLPrivateKey {
        let bytes = try read(path, what: "key", option: "--tls-key", variable: "PANORAMA_TLS_KEY")
        guard let key = try? NIOSSLPrivateKey(bytes: bytes, format: .pem) else {
            throw TLSFileError(
                description: "the TLS key file \(path) (--tls-key) holds no unencrypted PEM private key; it should "
                    + "start with '-----BEGIN PRIVATE KEY-----' (or RSA/EC PRIVATE KEY); remove a passphrase with "
                    + "'openssl pkey -in key.pem -out key-plain.pem'")
        }
        return key
    }

    /// The bytes of `path`, or an error naming the file, the option that gave it, and the fix.
    private static func read(_ path: String, what: String, option: String, variable: String) throws -> [UInt8] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
            // A relative path is resolved against a working directory a service manager may have chosen.
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            let shown = absolute == path ? path : "\(path) (that is \(absolute))"
            throw TLSFileError(
                description: "the TLS \(what) file \(shown) (\(option) or \(variable)) does not exist; "
                    + "give the path of a PEM \(what) file")
        }
        guard !isDirectory.boolValue else {
            throw TLSFileError(
                description: "the TLS \(what) path \(path) (\(option) or \(variable)) is a directory; "
                    + "give the path of the PEM \(what) file inside it")
        }
        guard let data = manager.contents(atPath: path) else {
            throw TLSFileError(
                description: "the TLS \(what) file \(path) (\(option) or \(variable)) cannot be read; "
                    + "make it readable by the user running panorama")
        }
        return [UInt8](data)
    }
}
