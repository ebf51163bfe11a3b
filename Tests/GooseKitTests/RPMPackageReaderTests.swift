import XCTest
@testable import GooseKit

final class RPMPackageReaderTests: XCTestCase {
    func testSourcePackageHeader() throws {
        let package = try RPMPackageReader.read(TestSupport.fixture("srpms/git-buildpackage/gbp-test2-3.0-0.src.rpm"))
        XCTAssertTrue(package.isSource)
        XCTAssertEqual(package.nevra.name, "gbp-test2")
        XCTAssertEqual(package.nevra.evr, EVR(epoch: 2, version: "3.0", release: "0"))
        XCTAssertEqual(package.nevra.arch, "src")
        XCTAssertEqual(package.specFile?.path, "gbp-test2.spec")
        XCTAssertEqual(package.patchNames.sorted(), ["my.patch", "my2.patch", "my3.patch"])
    }

    func testBuildRequiresMatchRpm() throws {
        let path = TestSupport.fixture("srpms/mock/test-B-1.1-0.src.rpm")
        let package = try RPMPackageReader.read(path)
        let expected = try TestSupport.run("rpm", ["-qp", "--requires", path]).output
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(package.buildRequires.map(\.description), expected)
        XCTAssertTrue(package.buildRequires.contains { $0.name == "test-C" })
    }

    func testBinaryPackageDependenciesAndFilesMatchRpm() throws {
        let path = TestSupport.fixture("rpms/el7-git218/git-2.18.1-3.el7.x86_64.rpm")
        let package = try RPMPackageReader.read(path)
        XCTAssertFalse(package.isSource)
        XCTAssertEqual(package.nevra.arch, "x86_64")
        XCTAssertEqual(package.sourceRPM, "git-2.18.1-3.el7.src.rpm")
        func rpmLines(_ query: String) throws -> [String] {
            try TestSupport.run("rpm", ["-qp", query, path]).output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        XCTAssertEqual(package.requires.map(\.description), try rpmLines("--requires"))
        XCTAssertEqual(package.provides.map(\.description), try rpmLines("--provides"))
        XCTAssertEqual(package.files.map(\.path), try rpmLines("--list"))
        XCTAssertEqual(package.payloadCompressor, try rpmLines("--qf=%{PAYLOADCOMPRESSOR}").first)
    }

    func testSignatureStateAndKeyID() throws {
        let signed = try RPMPackageReader.read(TestSupport.fixture("rpms/rpm-tests/hello-2.0-1.x86_64-signed.rpm"))
        XCTAssertEqual(signed.signature, .signed(keyID: "4344591e1964c5fc"))
        XCTAssertEqual(try RPMPackageReader.read(TestSupport.fixture("rpms/rpm-tests/hello-2.0-1.x86_64.rpm")).signature, .unsigned)
    }

    func testVerifyWithKeyring() throws {
        let signed = TestSupport.fixture("rpms/rpm-tests/hello-2.0-1.x86_64-signed.rpm")
        let keyring = try RPMKeyring(keyFiles: [TestSupport.fixture("keys/rpm-tests/rpm.org-rsa-2048-test.pub")])
        XCTAssertNoThrow(try RPMPackageReader.verify(signed, keyring: keyring))
        // Digests only: no key needed.
        XCTAssertNoThrow(try RPMPackageReader.verify(signed))
        let otherKey = try RPMKeyring(keyFiles: [TestSupport.fixture("keys/rpm-tests/rpm.org-ed25519-test.pub")])
        XCTAssertThrowsError(try RPMPackageReader.verify(signed, keyring: otherKey)) { error in
            XCTAssertTrue("\(error)".contains("NOKEY"), "\(error)")
        }
        XCTAssertThrowsError(try RPMPackageReader.verify(TestSupport.fixture("rpms/rpm-tests/hello-2.0-1.x86_64.rpm"), keyring: keyring)) { error in
            XCTAssertTrue("\(error)".contains("not signed"), "\(error)")
        }
    }

    func testCorruptTruncatedAndForeignFilesAreRefused() throws {
        XCTAssertThrowsError(try RPMPackageReader.verify(TestSupport.fixture("rpms/rpm-tests/hello-2.0-1.x86_64-corrupted.rpm"))) { error in
            XCTAssertTrue("\(error)".hasPrefix(TestSupport.fixture("rpms/rpm-tests/hello-2.0-1.x86_64-corrupted.rpm") + ": "), "\(error)")
        }
        let directory = try TestSupport.temporaryDirectory(self)
        let truncated = directory + "/truncated.src.rpm"
        let original = try FileSystem.contents(of: TestSupport.fixture("srpms/rpm-tests/hello-1.0-1.src.rpm"))
        FileManager.default.createFile(atPath: truncated, contents: original.prefix(original.count / 2))
        XCTAssertThrowsError(try RPMPackageReader.verify(truncated))
        let headerOnly = directory + "/header-only.src.rpm"
        FileManager.default.createFile(atPath: headerOnly, contents: original.prefix(200))
        XCTAssertThrowsError(try RPMPackageReader.read(headerOnly))
        let text = directory + "/notes.src.rpm"
        FileManager.default.createFile(atPath: text, contents: Data("just text\n".utf8))
        XCTAssertThrowsError(try RPMPackageReader.read(text)) { error in
            XCTAssertEqual("\(error)", "\(text): not an RPM package (bad lead magic)")
        }
    }

    /// SOURCE_DATE_EPOCH of a build comes from the newest changelog entry; with several entries CHANGELOGTIME is an
    /// array, which headerGetNumber answers with 0 (builds dated 1970, mtimes not clamped). rpm itself is the reference.
    func testChangelogTimeIsTheNewestEntryOfSeveral() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let spec = """
        Name: dated
        Version: 1
        Release: 1
        Summary: changelog dates
        License: MIT
        BuildArch: noarch
        %description
        dated
        %files
        %changelog
        * Mon Jan 01 2024 A <a@example.org> - 1-1
        - newer
        * Thu May 16 2013 B <b@example.org> - 0-1
        - older
        """
        try spec.write(toFile: directory + "/dated.spec", atomically: true, encoding: .utf8)
        try TestSupport.shell("rpmbuild --quiet -bs --define '_topdir \(directory)/top' --define '_srcrpmdir \(directory)' \(directory)/dated.spec")
        let package = try RPMPackageReader.read(directory + "/dated-1-1.src.rpm")
        let newest = try TestSupport.shell("rpm -qp --qf '%{CHANGELOGTIME}' \(directory)/dated-1-1.src.rpm")
        XCTAssertEqual(package.changelogTime.map(String.init), newest)
        XCTAssertEqual(package.changelogTime, 1_704_110_400)
    }
}
