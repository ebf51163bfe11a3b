import XCTest
@testable import GooseKit

/// The workspace store's layout, the local backend, and the checkout index updates of `lookaside upload`.
final class LookasideStoreTests: XCTestCase {
    func write(_ text: String, to path: String) throws -> String {
        try AtomicFileWriter.write(text, to: path)
        return try ContentDigest.hexDigest(ofFile: path, algorithm: .sha512)
    }

    func modificationTime(_ path: String) throws -> Int {
        try VerifiedCopy.modificationTime(of: path)
    }

    func testLayoutIsDistGits() throws {
        let store = LookasideStore(root: "/srv/lookaside")
        let hash = String(repeating: "0f", count: 64)
        XCTAssertEqual(try store.path(package: "bash", filename: "bash-5.2.tar.gz", hashType: .sha512, hash: hash),
                       "/srv/lookaside/bash/bash-5.2.tar.gz/sha512/\(hash)/bash-5.2.tar.gz")
        let key = LookasideKey(package: "bash", filename: "b.tar", hashType: .md5, hash: String(repeating: "a", count: 32))
        XCTAssertEqual(key.relativePath, "bash/b.tar/md5/\(key.hash)/b.tar")
        XCTAssertEqual(key.legacyRelativePath, "bash/b.tar/\(key.hash)/b.tar")
        XCTAssertThrowsError(try store.path(package: "..", filename: "a", hashType: .sha512, hash: hash))
        XCTAssertThrowsError(try store.path(package: "bash", filename: "a/b", hashType: .sha512, hash: hash))
        XCTAssertThrowsError(try store.path(package: "bash", filename: "a", hashType: .sha512, hash: hash.uppercased()))
        XCTAssertThrowsError(try store.path(package: "bash", filename: "a", hashType: .sha512, hash: "abc"))
        XCTAssertThrowsError(try LookasideKey(package: "bash", filename: "a", hashType: .sha256, hash: "../../etc").validate())
    }

    func testLocalBackendStoresOnceAndFetchesVerifiedCopies() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let source = directory + "/bash-5.2.tar.gz"
        let hash = try write("archive bytes", to: source)
        let client = LookasideClient(backend: LocalLookaside(store: LookasideStore(root: directory + "/lookaside")))
        XCTAssertEqual(try client.store(package: "bash", filename: "bash-5.2.tar.gz", sha512: hash, sourcePath: source, modificationTime: 1234), .stored)
        XCTAssertEqual(try client.store(package: "bash", filename: "bash-5.2.tar.gz", sha512: hash, sourcePath: source), .alreadyPresent)
        let stored = directory + "/lookaside/bash/bash-5.2.tar.gz/sha512/\(hash)/bash-5.2.tar.gz"
        XCTAssertEqual(try String(contentsOfFile: stored, encoding: .utf8), "archive bytes")
        XCTAssertEqual(try modificationTime(stored), 1234)

        let key = LookasideKey(package: "bash", filename: "bash-5.2.tar.gz", hashType: .sha512, hash: hash)
        XCTAssertTrue(try client.contains(key))
        let destination = directory + "/checkout/bash-5.2.tar.gz"
        try client.fetch(key, to: destination)
        XCTAssertEqual(try String(contentsOfFile: destination, encoding: .utf8), "archive bytes")
        XCTAssertEqual(try modificationTime(destination), 1234)
    }

    func testStoringAFileWithTheWrongHashLeavesNothing() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let source = directory + "/a.tar"
        _ = try write("real", to: source)
        let wrong = String(repeating: "e", count: 128)
        let client = LookasideClient(backend: LocalLookaside(store: LookasideStore(root: directory + "/lookaside")))
        XCTAssertThrowsError(try client.store(package: "a", filename: "a.tar", sha512: wrong, sourcePath: source)) { error in
            guard case GooseError.hashMismatch = error else { return XCTFail("\(error)") }
        }
        let objectDirectory = directory + "/lookaside/a/a.tar/sha512/\(wrong)"
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: objectDirectory)) ?? [], [])
    }

    func testFetchingACorruptObjectLeavesNoFile() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let hash = ContentDigest.hexDigest(of: Data("good".utf8), algorithm: .sha512)
        let key = LookasideKey(package: "a", filename: "a.tar", hashType: .sha512, hash: hash)
        _ = try write("evil", to: directory + "/lookaside/" + key.relativePath)
        let client = LookasideClient(backend: LocalLookaside(store: LookasideStore(root: directory + "/lookaside")))
        XCTAssertThrowsError(try client.fetch(key, to: directory + "/checkout/a.tar")) { error in
            guard case GooseError.hashMismatch = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory + "/checkout"), [])
    }

    func testHardLinkForStagedFiles() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let staged = directory + "/staged"
        let hash = try write("staged bytes", to: staged)
        let client = LookasideClient(backend: LocalLookaside(store: LookasideStore(root: directory + "/lookaside")))
        XCTAssertEqual(try client.store(package: "p", filename: "p.tar", sha512: hash, sourcePath: staged, allowHardLink: true), .stored)
        let stored = directory + "/lookaside/p/p.tar/sha512/\(hash)/p.tar"
        let links = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: stored)[.referenceCount] as? Int)
        XCTAssertEqual(links, 2)
    }

    func testOldMD5LayoutIsFound() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let md5 = ContentDigest.hexDigest(of: Data("old".utf8), algorithm: .md5)
        let key = LookasideKey(package: "z", filename: "z.tar", hashType: .md5, hash: md5)
        try AtomicFileWriter.write("old", to: directory + "/lookaside/" + key.legacyRelativePath)
        let backend = LocalLookaside(store: LookasideStore(root: directory + "/lookaside"))
        XCTAssertTrue(try backend.contains(key))
        try backend.fetch(key, to: directory + "/out/z.tar")
        XCTAssertEqual(try String(contentsOfFile: directory + "/out/z.tar", encoding: .utf8), "old")
    }

    // MARK: - Checkouts

    func testIndexMergeReplacesAndAppends() throws {
        let one = String(repeating: "1", count: 128), two = String(repeating: "2", count: 128)
        let existing = [SourceEntry(filename: "a", hashType: .sha512, hash: one), SourceEntry(filename: "b", hashType: .sha512, hash: one)]
        let merged = try DistGitCheckout.merged(existing: existing, adding: [
            SourceEntry(filename: "b", hashType: .sha512, hash: two), SourceEntry(filename: "c", hashType: .sha512, hash: two),
        ], format: .bsd, file: "sources")
        XCTAssertEqual(merged.map(\.filename), ["a", "b", "c"])
        XCTAssertEqual(merged.map(\.hash), [one, two, two])
    }

    func testSourcesFileKeepsOneHashType() {
        let md5 = [SourceEntry(filename: "a", hashType: .md5, hash: String(repeating: "1", count: 32))]
        let sha = [SourceEntry(filename: "b", hashType: .sha512, hash: String(repeating: "2", count: 128))]
        XCTAssertThrowsError(try DistGitCheckout.merged(existing: md5, adding: sha, format: .bsd, file: "sources"))
        XCTAssertNoThrow(try DistGitCheckout.merged(existing: md5, adding: sha, format: .centosMetadata, file: ".a.metadata"))
    }

    func testGitignoreGainsMissingPathsOnly() {
        XCTAssertEqual(DistGitCheckout.gitignore("", ignoring: ["a.tar"]), "/a.tar\n")
        XCTAssertEqual(DistGitCheckout.gitignore("/a.tar\nb.tar", ignoring: ["a.tar", "b.tar", "SOURCES/c.tar", "SOURCES/c.tar"]),
                       "/a.tar\nb.tar\n/SOURCES/c.tar\n")
    }

    func testCheckoutDetectionAndPackageName() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let fedora = directory + "/checkout-of-bash"
        try AtomicFileWriter.write("Name: bash\n", to: fedora + "/bash.spec")
        XCTAssertEqual(DistGitCheckout.packageName(in: fedora, explicit: nil), "bash")
        XCTAssertEqual(DistGitCheckout.packageName(in: fedora, explicit: "other"), "other")
        XCTAssertEqual(DistGitCheckout.detect(directory: fedora, package: "bash")?.layout, .fedora)
        XCTAssertNil(DistGitCheckout.detect(directory: fedora, package: "zsh"))

        let centos = directory + "/c"
        try AtomicFileWriter.write("x\n", to: centos + "/SPECS/kernel.spec")
        XCTAssertEqual(DistGitCheckout.packageName(in: centos, explicit: nil), "kernel")
        let checkout = try XCTUnwrap(DistGitCheckout.detect(directory: centos, package: "kernel"))
        XCTAssertEqual(checkout.layout, .centos)
        XCTAssertEqual(checkout.indexPath, centos + "/.kernel.metadata")
        XCTAssertEqual(checkout.checkoutPath(forFilename: "linux.tar.xz"), "SOURCES/linux.tar.xz")

        let metadataOnly = directory + "/m"
        try AtomicFileWriter.write("", to: metadataOnly + "/.zlib.metadata")
        XCTAssertEqual(DistGitCheckout.packageName(in: metadataOnly, explicit: nil), "zlib")
        XCTAssertEqual(DistGitCheckout.packageName(in: directory + "/plain-dir", explicit: nil), "plain-dir")
    }

    func testPackageNameFromGitOrigin() throws {
        let config = "[core]\n\tbare = false\n[remote \"upstream\"]\n\turl = https://x/other.git\n[remote \"origin\"]\n\turl = /srv/ws/git/kernel-ml.git\n"
        XCTAssertEqual(DistGitCheckout.originName(gitConfig: config), "kernel-ml")
        XCTAssertEqual(DistGitCheckout.originName(gitConfig: "[remote \"origin\"]\nurl = ssh://pkgs.example.org/rpms/bash/\n"), "bash")
        XCTAssertEqual(DistGitCheckout.originName(gitConfig: "[remote \"origin\"]\nurl = git@host:bash.git\n"), "bash")
        XCTAssertNil(DistGitCheckout.originName(gitConfig: "[core]\nbare = true\n"))

        // The remote names the package even when the spec file is named otherwise.
        let directory = try TestSupport.temporaryDirectory(self)
        try AtomicFileWriter.write("", to: directory + "/kernel-ml-6.15.spec")
        try AtomicFileWriter.write(config, to: directory + "/.git/config")
        XCTAssertEqual(DistGitCheckout.packageName(in: directory, explicit: nil), "kernel-ml")
    }

    func testCheckoutWithoutIndexHasNothingToFetch() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        XCTAssertThrowsError(try DistGitCheckout.sourcesIndex(directory: directory, package: "p"))
        try AtomicFileWriter.write("", to: directory + "/p.spec")
        XCTAssertEqual(try DistGitCheckout.sourcesIndex(directory: directory, package: "p").entries, [])
    }

    func testRecordWritesIndexAndGitignore() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let hash = String(repeating: "3", count: 128)
        let fedora = DistGitCheckout(directory: directory, package: "p", layout: .fedora)
        try fedora.record([SourceEntry(filename: "p.tar", hashType: .sha512, hash: hash)])
        XCTAssertEqual(try String(contentsOfFile: directory + "/sources", encoding: .utf8), "SHA512 (p.tar) = \(hash)\n")
        XCTAssertEqual(try String(contentsOfFile: directory + "/.gitignore", encoding: .utf8), "/p.tar\n")
        let centos = DistGitCheckout(directory: directory, package: "p", layout: .centos)
        try centos.record([SourceEntry(filename: "p.tar", checkoutPath: "SOURCES/p.tar", hashType: .sha512, hash: hash)])
        XCTAssertEqual(try String(contentsOfFile: directory + "/.p.metadata", encoding: .utf8), "\(hash) SOURCES/p.tar\n")
        XCTAssertEqual(try String(contentsOfFile: directory + "/.gitignore", encoding: .utf8), "/p.tar\n/SOURCES/p.tar\n")
    }

    // MARK: - Small pieces of the server

    func testListenAddresses() throws {
        XCTAssertEqual(try ListenAddress.parse("127.0.0.1:8080"), ListenAddress(host: "127.0.0.1", port: 8080))
        XCTAssertEqual(try ListenAddress.parse("localhost:0"), ListenAddress(host: "127.0.0.1", port: 0))
        XCTAssertEqual(try ListenAddress.parse(":80"), ListenAddress(host: "0.0.0.0", port: 80))
        XCTAssertEqual(try ListenAddress.parse("[::1]:8443"), ListenAddress(host: "::1", port: 8443))
        XCTAssertEqual(try ListenAddress.parse("[::1]:8443").url(port: 8443), "http://[::1]:8443")
        for bad in ["8080", "host:port", "127.0.0.1:70000", "::1:80", "[::1]8080"] {
            XCTAssertThrowsError(try ListenAddress.parse(bad), bad)
        }
    }

    func testByteRanges() {
        func range(_ header: String) -> String {
            switch LookasideRequestHandler.byteRange(header, size: 100) {
            case nil: return "whole file"
            case .some(nil): return "unsatisfiable"
            case let .some(.some(range)): return "\(range.lowerBound)..<\(range.upperBound)"
            }
        }
        XCTAssertEqual(range("bytes=10-"), "10..<100")
        XCTAssertEqual(range("bytes=10-19"), "10..<20")
        XCTAssertEqual(range("bytes=90-200"), "90..<100")
        XCTAssertEqual(range("bytes=-5"), "95..<100")
        XCTAssertEqual(range("bytes=100-"), "unsatisfiable")
        XCTAssertEqual(range("bytes=1-2,5-6"), "whole file")
        XCTAssertEqual(range("items=1-2"), "whole file")
        XCTAssertEqual(range("bytes=5-1"), "whole file")
    }

    func testHTTPDate() {
        XCTAssertEqual(LookasideRequestHandler.httpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    func testTokenComparison() {
        XCTAssertTrue(LookasideToken.constantTimeEquals("secret", "secret"))
        XCTAssertFalse(LookasideToken.constantTimeEquals("secret", "secreT"))
        XCTAssertFalse(LookasideToken.constantTimeEquals("secret", "secret2"))
        XCTAssertFalse(LookasideToken.constantTimeEquals("", "x"))
    }
}
