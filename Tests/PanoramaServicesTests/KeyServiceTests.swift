import Testing

@testable import PanoramaServices

/// Keys are stored as SHA-256 hex; secrets have a kind prefix and enough entropy.
@Suite struct KeyServiceTests {
    @Test func hashesAreSHA256InLowerCaseHex() {
        #expect(KeyService.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func secretsCarryTheirKindAndDiffer() {
        let a = KeyService.makeSecret(kind: .write)
        let b = KeyService.makeSecret(kind: .write)
        #expect(a.hasPrefix("wk_") && a.count == 35)
        #expect(KeyService.makeSecret(kind: .admin).hasPrefix("ak_"))
        #expect(a != b)
    }
}
