import Foundation
import XCTest
@testable import GooseKit

/// Pure parts of Signing/: names, passphrase lines, key ownership, the [signing] settings.
final class SigningTests: XCTestCase {
    /// The probe check of signatures made through gpg-agent: librpm's verification of a detached signature made by
    /// gpg itself, good for the signed data and its key only.
    func testKeyringVerifiesDetachedSignaturesMadeByGpg() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let home = directory + "/gnupg"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { _ = try? TestSupport.run("/usr/bin/gpgconf", ["--homedir", home, "--kill", "gpg-agent"]) }
        func gpg(_ arguments: [String]) throws -> String {
            let result = try TestSupport.run("/usr/bin/gpg", ["--homedir", home, "--batch", "--quiet"] + arguments)
            XCTAssertEqual(result.status, 0, result.error)
            return result.output
        }
        for (name, algorithm) in [("one", "ed25519"), ("two", "rsa2048")] {
            _ = try gpg(["--passphrase", "", "--quick-gen-key", "\(name) <\(name)@example.org>", algorithm, "sign", "never"])
            _ = try gpg(["--armor", "--output", "\(directory)/\(name).asc", "--export", "\(name)@example.org"])
        }
        let data = Data("repomd or probe\n".utf8)
        try data.write(to: URL(fileURLWithPath: directory + "/data"))
        for name in ["one", "two"] {
            _ = try gpg(["--local-user", "\(name)@example.org", "--output", "\(directory)/data.\(name).sig", "--detach-sign", directory + "/data"])
        }
        let one = try RPMKeyring(keyFiles: [directory + "/one.asc"])
        let both = try RPMKeyring(keyFiles: [directory + "/one.asc", directory + "/two.asc"])
        let signatureOne = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/data.one.sig")))
        let signatureTwo = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/data.two.sig")))
        XCTAssertTrue(one.verifies(signature: signatureOne, over: data))
        XCTAssertTrue(both.verifies(signature: signatureTwo, over: data))
        XCTAssertFalse(one.verifies(signature: signatureTwo, over: data), "another key's signature")
        XCTAssertFalse(one.verifies(signature: signatureOne, over: Data("repomd or probe!\n".utf8)), "other data")
        var damaged = signatureOne
        damaged[damaged.count - 3] ^= 0x01
        XCTAssertFalse(one.verifies(signature: damaged, over: data), "a flipped byte")
        XCTAssertFalse(one.verifies(signature: [1, 2, 3], over: data), "not a packet")
    }

    /// Directories are searched for `*.rpm` below them (sorted, hidden entries skipped, links to directories not
    /// followed unless named); a file named twice is signed once.
    func testCollectFindsPackagesBelowDirectories() throws {
        let root = NSTemporaryDirectory() + "goose-collect-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        for directory in ["tree/b", "tree/a/c", "tree/.hidden", "elsewhere"] {
            try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        for file in ["tree/z.rpm", "tree/b/y.rpm", "tree/a/c/x.rpm", "tree/a/notes.txt", "tree/.hidden/h.rpm", "tree/.dot.rpm",
                     "elsewhere/w.rpm"] {
            FileManager.default.createFile(atPath: root + "/" + file, contents: Data())
        }
        try FileManager.default.createSymbolicLink(atPath: root + "/tree/linked", withDestinationPath: root + "/elsewhere")
        try FileManager.default.createSymbolicLink(atPath: root + "/named", withDestinationPath: root + "/elsewhere")
        let found = try RPMSigningRun.collect([root + "/tree", root + "/named", root + "/tree/z.rpm"])
        XCTAssertEqual(found, [root + "/tree/a/c/x.rpm", root + "/tree/b/y.rpm", root + "/tree/z.rpm", root + "/named/w.rpm"])
        XCTAssertThrowsError(try RPMSigningRun.collect([root + "/missing"]))
    }

    func testKeyFileNameFromUserIDName() {
        XCTAssertEqual(FileSigner.keyFileName("Goose Linux 9 Release"), "goose-linux-9-release")
        XCTAssertEqual(FileSigner.keyFileName("  ACME (signing) key! "), "acme-signing-key")
        XCTAssertEqual(FileSigner.keyFileName("???"), "key")
    }

    func testPassphraseIsTheFirstLineOnly() {
        XCTAssertEqual(Passphrase.firstLine(Array("secret\nsecond\n".utf8)), Array("secret".utf8))
        XCTAssertEqual(Passphrase.firstLine(Array("crlf\r\n".utf8)), Array("crlf".utf8))
        XCTAssertEqual(Passphrase.firstLine([]), [])
    }

    func testPassphraseTravelsToWorkersAsHex() {
        let settings = RPMSigningSettings(fingerprint: "AB", homeDirectory: nil, resign: false)
            .withPassphrase(Passphrase(bytes: Array("pä ss\u{0}".utf8)))
        XCTAssertEqual(settings.passphrase?.bytes, Array("pä ss\u{0}".utf8))
        XCTAssertNil(RPMSigningSettings(fingerprint: "AB", homeDirectory: nil, resign: false).passphrase)
    }

    func testKeyOwnsSignaturesOfItsSigningSubkeys() {
        let key = SigningKey(fingerprint: "90CD38B3279F287EB036BAADD6D4B7F1C8B6609A", signingKeyIDs: ["1122334455667788"],
                             name: "x", userID: "x <x@example.org>", algorithm: "RSA")
        XCTAssertTrue(key.owns(keyID: "D6D4B7F1C8B6609A"))
        XCTAssertTrue(key.owns(keyID: "1122334455667788"))
        XCTAssertFalse(key.owns(keyID: "0000000000000001"))
    }

    func testSigningSectionRoundTripsThroughGooseToml() throws {
        var configuration = WorkspaceConfiguration()
        configuration.signingKey = "90CD38B3279F287EB036BAADD6D4B7F1C8B6609A"
        configuration.signingGnupgHome = "keys/gnupg"
        let parsed = try WorkspaceConfiguration.parse(configuration.rendered(), file: "goose.toml")
        XCTAssertEqual(parsed, configuration)
        XCTAssertThrowsError(try WorkspaceConfiguration.parse("[signing]\npassphrase = \"x\"\n", file: "goose.toml")) { error in
            XCTAssertEqual("\(error)", "goose.toml: unknown key 'passphrase' in [signing]")
        }
    }

    func testStagingCleanupTouchesOnlyItsOwnDirectories() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        // A package whose name ends in what looks like a pid must survive.
        let package = directory + "/bash-5.1.8.rpm"
        FileManager.default.createFile(atPath: package, contents: Data("x".utf8))
        let abandoned = directory + "/.goose-sign.999999.abcdef"
        try FileManager.default.createDirectory(atPath: abandoned, withIntermediateDirectories: true)
        let live = try SigningStaging.create(beside: directory)
        SigningStaging.removeAbandoned(in: directory)
        XCTAssertTrue(FileSystem.exists(package))
        XCTAssertTrue(FileSystem.exists(live))
        XCTAssertFalse(FileSystem.exists(abandoned))
    }

    // MARK: - OpenPGP packets around gpg-agent's signatures

    private let fingerprint = Hex.bytes("E315AB4370D02B97CC84A32491AA7485E0FA62B3")

    func testHashedPartAndTrailerFollowRFC4880() {
        let packet = OpenPGPSignaturePacket(algorithm: .rsa, issuerFingerprint: fingerprint, creationTime: 0x6A0B_1C2D)
        let hashed = packet.hashedPart
        // version 4, binary document, RSA, SHA-256, 29 bytes of subpackets: issuer fingerprint (33) then creation time (2).
        XCTAssertEqual(Array(hashed.prefix(6)), [4, 0x00, 1, 8, 0, 29])
        XCTAssertEqual(Array(hashed[6..<9]), [22, 33, 4])
        XCTAssertEqual(Array(hashed[9..<29]), fingerprint)
        XCTAssertEqual(Array(hashed[29...]), [5, 2, 0x6A, 0x0B, 0x1C, 0x2D])
        XCTAssertEqual(packet.hashTrailer, hashed + [4, 0xFF, 0, 0, 0, UInt8(hashed.count)])
        XCTAssertEqual(packet.issuerKeyID, Array(fingerprint.suffix(8)))
    }

    func testPacketCarriesDigestPrefixIssuerAndMPIs() throws {
        let packet = OpenPGPSignaturePacket(algorithm: .eddsa, issuerFingerprint: fingerprint, creationTime: 1)
        let r = [UInt8](repeating: 0, count: 2) + [0x01, 0xFF] + [UInt8](repeating: 7, count: 28)
        let s = [UInt8](repeating: 0x80, count: 32)
        let answer = Array("(7:sig-val(5:eddsa(1:r32:".utf8) + r + Array(")(1:s32:".utf8) + s + Array(")))".utf8)
        let values = try packet.signatureValues(fromAgentAnswer: answer)
        XCTAssertEqual(values, [r, s])
        let bytes = packet.packet(digest: [0xAB, 0xCD, 0xEF], values: values)
        let hashed = packet.hashedPart
        XCTAssertEqual(bytes[0], 0x89)
        XCTAssertEqual(Int(bytes[1]) << 8 | Int(bytes[2]), bytes.count - 3)
        XCTAssertEqual(Array(bytes[3..<(3 + hashed.count)]), hashed)
        var rest = Array(bytes[(3 + hashed.count)...])
        XCTAssertEqual(Array(rest.prefix(12)), [0, 10, 9, 16] + Array(fingerprint.suffix(8)))
        rest.removeFirst(12)
        XCTAssertEqual(Array(rest.prefix(2)), [0xAB, 0xCD])
        rest.removeFirst(2)
        // r loses its two leading zero bytes: 30 bytes whose first is 0x01 → 233 bits; s keeps all 256 bits.
        XCTAssertEqual(Array(rest.prefix(2)), [0, 233])
        XCTAssertEqual(Array(rest[2..<32]), Array(r.dropFirst(2)))
        XCTAssertEqual(Array(rest[32..<34]), [1, 0])
        XCTAssertEqual(Array(rest[34...]), s)
    }

    func testAgentAnswersThatDoNotFitAreRefused() {
        let rsa = OpenPGPSignaturePacket(algorithm: .rsa, issuerFingerprint: fingerprint, creationTime: 1)
        XCTAssertEqual(try rsa.signatureValues(fromAgentAnswer: Array("(7:sig-val(3:rsa(1:s2:\u{1}\u{2})))".utf8)), [[1, 2]])
        for answer in ["(7:sig-val(5:eddsa(1:r1:x)(1:s1:y)))", "(7:sig-val(3:rsa(1:s9:short)))", "(7:sig-val(3:rsa))", "garbage", ""] {
            XCTAssertThrowsError(try rsa.signatureValues(fromAgentAnswer: Array(answer.utf8)), answer)
        }
        XCTAssertEqual(OpenPGPSignaturePacket.multiprecisionInteger([]), [0, 0])
        XCTAssertEqual(OpenPGPSignaturePacket.multiprecisionInteger([0, 0, 1]), [0, 1, 1])
    }

    func testDigestBytesAndHexAgree() {
        let data = Data("goose".utf8)
        let bytes = { let digest = ContentDigest(.sha256); digest.update(data); return digest.finalizeBytes() }()
        XCTAssertEqual(bytes.count, 32)
        XCTAssertEqual(Hex.string(bytes), ContentDigest.hexDigest(of: data, algorithm: .sha256))
        XCTAssertEqual(Hex.bytes(Hex.string(bytes, uppercase: true)), bytes)
    }

    func testRelayCommandQuotesPathsForRpmMacrosAndPopt() {
        XCTAssertEqual(SignatureRelay.quoted("/opt/my goose/100%/x\"y"), "\"/opt/my goose/100%%/x\\\"y\"")
    }

    /// Batches cover every file once, in order, and shrink towards the end so that workers finish together.
    func testSigningBatchesShrinkTowardsTheEnd() {
        let files = (0..<500).map { "p\($0).rpm" }
        let queue = SigningBatchQueue(files, batchSize: 62, workers: 2)
        var sizes: [Int] = []
        var covered: [String] = []
        while let (start, batch) = queue.next() {
            XCTAssertEqual(start, covered.count)
            covered += batch
            sizes.append(batch.count)
        }
        XCTAssertEqual(covered, files)
        XCTAssertEqual(sizes.first, 62)
        XCTAssertEqual(sizes, sizes.sorted(by: >), "never growing")
        XCTAssertLessThanOrEqual(sizes.dropLast().last ?? 0, 7, "the last batches are an eighth of the first")
        XCTAssertEqual(SigningBatchQueue.size(remaining: 3, batchSize: 62, workers: 2), 3)
        XCTAssertEqual(SigningBatchQueue.size(remaining: 10, batchSize: 1, workers: 4), 1)
    }
}
