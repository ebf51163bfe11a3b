import Foundation
import XCTest
@testable import GooseKit

/// Unit tests of compose-iso's pure parts: comps selection, provider order, metadata renderers, layout; and the
/// libsolv gather over a repository of fixture RPMs.
final class ComposeTests: XCTestCase {
    let comps = """
    <?xml version="1.0" encoding="UTF-8"?>
    <comps>
      <group>
        <id>core</id>
        <name>Core</name>
        <name xml:lang="de">Kern</name>
        <packagelist>
          <packagereq type="mandatory">bash</packagereq>
          <packagereq type="default">tour</packagereq>
          <packagereq type="optional">mystery-devel</packagereq>
          <packagereq type="conditional" requires="bash">bash-doc</packagereq>
          <packagereq>glibc</packagereq>
        </packagelist>
      </group>
      <group><id>empty</id><packagelist/></group>
      <environment><id>server</id><grouplist><groupid>core</groupid></grouplist></environment>
    </comps>
    """

    func testCompsGroupsAndIncludeLevels() throws {
        let document = try CompsDocument.parse(Data(comps.utf8), file: "comps.xml")
        XCTAssertEqual(document.groups.map(\.id), ["core", "empty"])
        let core = document.groups[0]
        XCTAssertEqual(core.selection(at: .required).names, ["bash", "glibc"])
        XCTAssertEqual(core.selection(at: .default).names, ["bash", "tour", "glibc"])
        XCTAssertEqual(core.selection(at: .all).names, ["bash", "tour", "mystery-devel", "glibc"])
        XCTAssertEqual(core.selection(at: .required).conditional.map { "\($0.name)<-\($0.condition)" }, ["bash-doc<-bash"])
        XCTAssertThrowsError(try document.groups(named: ["core", "nope", "gone"], file: "comps.xml")) { error in
            XCTAssertEqual((error as? GooseError)?.description, "comps.xml: no such comps group: nope, gone")
        }
        for bad in ["<comps><group></comps>", "not xml", "<html><body/></html>"] {
            XCTAssertThrowsError(try CompsDocument.parse(Data(bad.utf8), file: "bad.xml"), bad) { error in
                XCTAssertTrue((error as? GooseError)?.description.hasPrefix("bad.xml: not a comps document") ?? false, "\(error)")
            }
        }
        // libxml2's own message and line.
        XCTAssertThrowsError(try CompsDocument.parse(Data("<comps>\n<group>\n</comps>".utf8), file: "bad.xml")) { error in
            XCTAssertEqual((error as? GooseError)?.description,
                           "bad.xml: not a comps document: Opening and ending tag mismatch: group line 2 and comps (line 3)")
        }
        // External entities are neither fetched nor expanded.
        let secret = try TestSupport.temporaryDirectory(self) + "/secret"
        try Data("SECRET".utf8).write(to: URL(fileURLWithPath: secret))
        let hostile = "<?xml version=\"1.0\"?><!DOCTYPE comps [<!ENTITY x SYSTEM \"file://\(secret)\">]>"
            + "<comps><group><id>a&x;</id><packagelist><packagereq>&x;b</packagereq></packagelist></group></comps>"
        let parsed = try CompsDocument.parse(Data(hostile.utf8), file: "hostile.xml")
        XCTAssertEqual(parsed.groups.map(\.id), ["a"])
        XCTAssertEqual(parsed.groups[0].requests.map(\.name), ["b"])
    }

    func testCompsFixtureFromCreaterepo() throws {
        let path = TestSupport.fixture("repodata/comps/createrepo_c-comps-f19.xml")
        let document = try CompsDocument.parse(try FileSystem.contents(of: path), file: path)
        XCTAssertEqual(document.groups.map(\.id), ["3d-printing"])
        XCTAssertEqual(document.groups[0].selection(at: .default).names, ["blender", "cura"])
        XCTAssertEqual(document.groups[0].selection(at: .required).names, [])
    }

    func testProviderOrder() {
        let native: Set<String> = ["x86_64"]
        func candidate(_ name: String, _ arch: String, included: Bool = false, rank: Int = 0) -> ProviderCandidate {
            ProviderCandidate(name: name, arch: arch, included: included, evrRank: rank)
        }
        // Already included wins over everything.
        XCTAssertEqual(Gather.choose([candidate("a", "x86_64"), candidate("zzzz", "i686", included: true)], nativeArches: native), 1)
        // Native (or noarch) before multilib.
        XCTAssertEqual(Gather.choose([candidate("glibc", "i686"), candidate("glibc", "x86_64")], nativeArches: native), 1)
        XCTAssertEqual(Gather.choose([candidate("a", "i686"), candidate("long-name", "noarch")], nativeArches: native), 1)
        // Then the shortest name, then alphabetical, then the newest E:V-R.
        XCTAssertEqual(Gather.choose([candidate("sendmail", "x86_64"), candidate("exim", "x86_64"), candidate("postfix", "x86_64")], nativeArches: native), 1)
        XCTAssertEqual(Gather.choose([candidate("mb", "x86_64"), candidate("ma", "x86_64")], nativeArches: native), 1)
        XCTAssertEqual(Gather.choose([candidate("t", "noarch", rank: 1), candidate("t", "noarch", rank: 0)], nativeArches: native), 1)
        XCTAssertNil(Gather.choose([], nativeArches: native))
    }

    let release = ComposeRelease(name: "Goose Linux", short: "GL", version: "9.4")

    /// The expected text is what productmd 1.38's TreeInfo.dump writes for the same values.
    func testTreeinfoMatchesProductmdsOwnOutput() {
        let text = ComposeMetadata.treeinfo(release: release, variant: "BaseOS", arch: "x86_64", timestamp: 1_700_000_000,
                                            checksums: ["repodata/repomd.xml": String(repeating: "ab", count: 32)],
                                            images: ["kernel": "images/pxeboot/vmlinuz"], stage2: "images/install.img")
        XCTAssertEqual(text, """
        [checksums]
        repodata/repomd.xml = sha256:\(String(repeating: "ab", count: 32))

        [general]
        ; WARNING.0 = This section provides compatibility with pre-productmd treeinfos.
        ; WARNING.1 = Read productmd documentation for details about new format.
        arch = x86_64
        family = Goose Linux
        name = Goose Linux 9.4
        packagedir = Packages
        platforms = x86_64
        repository = .
        timestamp = 1700000000
        variant = BaseOS
        variants = BaseOS
        version = 9.4

        [header]
        type = productmd.treeinfo
        version = 1.2

        [images-x86_64]
        kernel = images/pxeboot/vmlinuz

        [release]
        name = Goose Linux
        short = GL
        version = 9.4

        [stage2]
        mainimage = images/install.img

        [tree]
        arch = x86_64
        build_timestamp = 1700000000
        platforms = x86_64
        variants = BaseOS

        [variant-BaseOS]
        id = BaseOS
        name = BaseOS
        packages = Packages
        repository = .
        type = variant
        uid = BaseOS


        """)
    }

    func testDiscinfoMediaRepoAndChecksum() {
        XCTAssertEqual(ComposeMetadata.discinfo(release: release, arch: "x86_64", timestamp: 1_700_000_000),
                       "1700000000.000000\nGoose Linux 9.4\nx86_64\nALL\n")
        XCTAssertEqual(ComposeMetadata.mediaRepo(release: release, timestamp: 5),
                       "[InstallMedia]\nname=Goose Linux 9.4\nmediaid=5.000000\nmetadata_expire=-1\ngpgcheck=0\ncost=500\n")
        XCTAssertEqual(ComposeMetadata.checksumFile(["b.iso": (2, "bb"), "a.iso": (10, "aa")]),
                       "# a.iso: 10 bytes\nSHA256 (a.iso) = aa\n# b.iso: 2 bytes\nSHA256 (b.iso) = bb\n")
    }

    func testLayoutAndIdentity() {
        XCTAssertEqual(ComposeLayout.packagePath("Bash-1-1.x86_64.rpm"), "Packages/b/Bash-1-1.x86_64.rpm")
        XCTAssertEqual(ComposeLayout.volumeId(release: release, arch: "x86_64"), "GL-9.4-x86_64-dvd")
        XCTAssertEqual(ComposeLayout.volumeId(release: ComposeRelease(name: "x", short: "VeryLongShortName", version: "10.1234"), arch: "aarch64").count, 32)
        XCTAssertEqual(ComposeLayout.isoName(release: release, variant: "BaseOS", arch: "x86_64"), "GL-9.4-BaseOS-x86_64-dvd1.iso")
        XCTAssertEqual(ComposeIdentity.next(release: release, timestamp: 1_700_000_000, existing: []).id, "GL-9.4-20231114.0")
        let next = ComposeIdentity.next(release: release, timestamp: 1_700_000_000, existing: ["GL-9.4-20231114.0", "GL-9.4-20231114.1"])
        XCTAssertEqual(next, ComposeIdentity(id: "GL-9.4-20231114.2", date: "20231114", respin: 2))
        XCTAssertEqual(try ComposeVariant.parse("AppStream:core,base"), ComposeVariant(id: "AppStream", groups: ["core", "base"]))
        XCTAssertEqual(try ComposeVariant.parse("BaseOS"), ComposeVariant(id: "BaseOS"))
        XCTAssertThrowsError(try ComposeVariant.parse("Base OS"))
        XCTAssertEqual(ISOWriter.volumeDate(1_700_000_000), "2023111422132000")
        XCTAssertEqual(ISOWriter.directoryRecordDate(1_700_000_000), [123, 11, 14, 22, 13, 20, 0])
    }

    func testMediaSizeLimits() throws {
        XCTAssertNoThrow(try Compose.checkMediaSize(4_700_000_000, of: "t", dualLayer: false))
        XCTAssertThrowsError(try Compose.checkMediaSize(4_700_000_001, of: "BaseOS/x86_64/os", dualLayer: false)) { error in
            XCTAssertEqual((error as? GooseError)?.exitCode, 3)
            XCTAssertTrue("\(error)".contains("BaseOS/x86_64/os needs 4700000001 bytes, more than a single-layer DVD holds (4700000000); use --dual-layer"), "\(error)")
        }
        XCTAssertNoThrow(try Compose.checkMediaSize(8_000_000_000, of: "t", dualLayer: true))
        XCTAssertThrowsError(try Compose.checkMediaSize(8_500_000_001, of: "t", dualLayer: true))
    }

    /// Enough files that the directory records span several of restamp's 64 KiB pieces: two images of the same tree
    /// written a second apart are byte-identical, every date is the timestamp (isoinfo), and the walk streams in
    /// the order the old array walk gave.
    func testImagesOfManyFilesAreReproducibleAcrossRestampPieces() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let tree = directory + "/tree"
        for index in 0..<1_500 {
            let folder = "\(tree)/Packages/\(["a", "b", "c"][index % 3])"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data("file \(index)\n".utf8).write(to: URL(fileURLWithPath: "\(folder)/package-with-a-long-name-\(index)-1.0-1.el9.x86_64.rpm"))
        }
        try FileManager.default.createDirectory(atPath: tree + "/repodata", withIntermediateDirectories: true)
        try Data("<repomd/>\n".utf8).write(to: URL(fileURLWithPath: tree + "/repodata/repomd.xml"))
        var visited: [String] = []
        try ISOWriter.walk(tree) { relative, _ in visited.append(relative) }
        XCTAssertEqual(visited.count, 1_500 + 6, "Packages, its three letters, repodata and the files")
        XCTAssertEqual(Array(visited.prefix(3)), ["Packages", "Packages/a", "Packages/a/package-with-a-long-name-0-1.0-1.el9.x86_64.rpm"])
        XCTAssertEqual(visited.last, "repodata/repomd.xml")
        XCTAssertEqual(visited, try ISOWriter.walk(tree))

        func image(_ name: String) throws -> String {
            let output = directory + "/" + name
            let writer = try ISOWriter(output: output, options: ISOOptions(volumeId: "GL-9.4-x86_64-dvd", timestamp: 1_700_000_000))
            try writer.add(tree: tree, timestamp: 1_700_000_000)
            try writer.finish(volumeId: "GL-9.4-x86_64-dvd", timestamp: 1_700_000_000)
            return output
        }
        let first = try image("first.iso")
        Thread.sleep(forTimeInterval: 1.1)
        let second = try image("second.iso")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: first)), try Data(contentsOf: URL(fileURLWithPath: second)))
        // The metadata area is bigger than one piece, so patterns were rewritten in several.
        let metadataSectors = try ISOWriter.firstFileSector(read: { start, count in
            let handle = try! FileHandle(forReadingFrom: URL(fileURLWithPath: first))
            try! handle.seek(toOffset: UInt64(start * 2048))
            return [UInt8](try! handle.read(upToCount: count * 2048) ?? Data())
        }, path: first)
        XCTAssertGreaterThan(metadataSectors - 16, 64, "the directory records span several 32-sector pieces")
        // xorriso reads the volume dates and id back; isoinfo every record's date (the clock second at close is gone).
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/xorriso") && TimeZone.current.secondsFromGMT() == 0 {
            let info = try TestSupport.shell("xorriso -indev \(first) -pvd_info 2>/dev/null")
            XCTAssertTrue(info.contains("Volume Id    : GL-9.4-x86_64-dvd"), info)
            XCTAssertTrue(info.contains("Creation Time: 2023111422132000"), info)
            XCTAssertTrue(info.contains("Modif. Time  : 2023111422132000"), info)
        }
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/isoinfo") && TimeZone.current.secondsFromGMT() == 0 {
            let records = try TestSupport.shell("isoinfo -R -l -i \(first) | grep -E '^[-d]r' | grep -vc ' Nov 14 2023 ' || true")
            XCTAssertEqual(records.trimmingCharacters(in: .whitespacesAndNewlines), "0", "records not dated SOURCE_DATE_EPOCH")
            let files = try TestSupport.shell("isoinfo -R -l -i \(first) | grep -c '^-r'")
            XCTAssertEqual(files.trimmingCharacters(in: .whitespacesAndNewlines), "1501")
        }
    }

    func testSourceNevraAndJSONRenderers() throws {
        let package = GatheredPackage(name: "bash-doc", epoch: "1", version: "4.4.12", release: "2", arch: "noarch",
                                      location: "Packages/bash-doc-4.4.12-2.noarch.rpm", buildTime: 1, sourceRPM: "bash-4.4.12-2.src.rpm")
        XCTAssertEqual(package.nevra, "bash-doc-1:4.4.12-2.noarch")
        XCTAssertEqual(package.sourceNevra, "bash-1:4.4.12-2.src")
        let identity = ComposeIdentity(id: "GL-9.4-20231114.0", date: "20231114", respin: 0)
        let rpms = try ComposeMetadata.rpms(identity: identity, packages: ["BaseOS": ["x86_64": [package]]])
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(rpms.utf8)) as? [String: Any])
        let payload = try XCTUnwrap(object["payload"] as? [String: Any])
        let record = try XCTUnwrap(((((payload["rpms"] as? [String: Any])?["BaseOS"] as? [String: Any])?["x86_64"] as? [String: Any])?["bash-1:4.4.12-2.src"] as? [String: Any])?["bash-doc-1:4.4.12-2.noarch"] as? [String: Any])
        XCTAssertEqual(record["path"] as? String, "BaseOS/x86_64/os/Packages/b/bash-doc-4.4.12-2.noarch.rpm")
        XCTAssertTrue(record["sigkey"] is NSNull)
        var signed = package
        signed.sigkey = "d6d4b7f1"
        let signedRecord = try ComposeMetadata.rpms(identity: identity, packages: ["BaseOS": ["x86_64": [signed]]])
        XCTAssertTrue(signedRecord.contains("\"sigkey\" : \"d6d4b7f1\""), signedRecord)
        // Same input, same bytes.
        XCTAssertEqual(try ComposeMetadata.composeinfo(release: release, identity: identity, variants: ["B": ["x86_64"], "A": ["x86_64"]]),
                       try ComposeMetadata.composeinfo(release: release, identity: identity, variants: ["A": ["x86_64"], "B": ["x86_64"]]))
    }

    /// A createrepo_c repository of the libdnf fixtures (bash, glibc i686/x86_64, bash-doc, tour 4-5/4-6, mystery-devel).
    private func fixtureRepository() throws -> String {
        let directory = try TestSupport.temporaryDirectory(self)
        let source = TestSupport.fixture("rpms/libdnf")
        var hrefs: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: source) where name.hasSuffix(".rpm") {
            try BuildImporter.linkOrCopy(source + "/" + name, to: directory + "/Packages/" + name)
            hrefs.append("Packages/" + name)
        }
        _ = try RepodataGenerator.generate(repository: directory, packages: hrefs.map { RepodataPackage(href: $0) }, previous: nil, options: RepodataOptions())
        return directory
    }

    func testGatherTakesNewestNativeAndListsEveryUnresolvable() throws {
        let repository = try fixtureRepository()
        let tour = try Gather.gather(repository: repository, arch: "x86_64", request: .names(["tour", "mystery-devel"]))
        XCTAssertEqual(tour.map(\.nevra), ["mystery-devel-0:19.67-1.noarch", "tour-0:4-6.noarch"])
        XCTAssertEqual(tour[1].location, "Packages/tour-4-6.noarch.rpm")
        XCTAssertGreaterThan(tour[1].buildTime, 1_000_000_000)

        // bash-doc needs bash, bash needs glibc (x86_64 chosen over i686), glibc needs what the repo lacks.
        XCTAssertThrowsError(try Gather.gather(repository: repository, arch: "x86_64", request: .names(["bash-doc", "nosuch"]))) { error in
            let message = (error as? GooseError)?.description ?? ""
            XCTAssertTrue(message.contains("no package nosuch for x86_64"), message)
            XCTAssertTrue(message.contains("glibc-2.25-4.x86_64 requires basesystem, nothing provides it"), message)
            XCTAssertTrue(message.contains("glibc-2.25-4.x86_64 requires glibc-common = 2.25-4"), message)
            XCTAssertFalse(message.contains("i686"), "the native glibc is chosen: \(message)")
        }
        let document = try CompsDocument.parse(Data(comps.utf8), file: "comps.xml")
        XCTAssertThrowsError(try Gather.gather(repository: repository, arch: "x86_64", request: .groups(document.groups, level: .required)))
    }
}
