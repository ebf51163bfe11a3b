import Foundation
import XCTest
@testable import GooseKit

/// Pure parts of Signing/: names, passphrase lines, key ownership, the [signing] settings.
final class SigningTests: XCTestCase {
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
}
