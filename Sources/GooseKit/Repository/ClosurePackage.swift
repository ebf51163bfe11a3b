@preconcurrency import CSolv
import CCreaterepo
import Foundation

/// What the closure check needs of one package, taken from the libcreaterepo_c package its primary XML is dumped
/// from: so that a freshly read package reaches libsolv through its API instead of through a round trip of its
/// primary XML (libsolv's XML parser was a sixth of a full mash's CPU time).
/// The fields are those of the primary record that decide what resolves: name, EVR, arch, checksum (libsolv joins
/// filelists.xml to the package by it), provides, requires and the primary file list.
public struct ClosurePackage: Sendable, Equatable {
    public struct Dependency: Sendable, Equatable {
        public var name: String
        /// rpm-md's flags (`EQ`, `LT`, `GE`, …); nil for an unversioned dependency.
        public var flags: String?
        public var epoch: String?
        public var version: String?
        public var release: String?
        public var pre = false
    }
    public var name: String
    public var epoch: String?
    public var version: String
    public var release: String?
    public var arch: String
    public var checksumType: String
    public var checksum: String
    public var provides: [Dependency]
    public var requires: [Dependency]
    /// The files primary.xml lists (createrepo_c's primary filter: /etc/…, …/bin/…, /usr/lib/sendmail).
    public var primaryFiles: [String]

    /// The facts of a package read by libcreaterepo_c, as `cr_xml_dump` writes them into primary.xml.
    init(_ package: UnsafeMutablePointer<cr_Package>) {
        let text = { (pointer: UnsafeMutablePointer<CChar>?) in pointer.map(Self.asDumped) }
        let nonEmpty = { (pointer: UnsafeMutablePointer<CChar>?) -> String? in
            guard let pointer, pointer.pointee != 0 else { return nil }
            return Self.asDumped(pointer)
        }
        func dependencies(_ list: UnsafeMutablePointer<GSList>?) -> [Dependency] {
            var result: [Dependency] = []
            var node = list
            while let current = node {
                if let dependency = current.pointee.data?.assumingMemoryBound(to: cr_Dependency.self).pointee, let name = dependency.name {
                    result.append(Dependency(name: Self.asDumped(name), flags: nonEmpty(dependency.flags), epoch: nonEmpty(dependency.epoch),
                                             version: nonEmpty(dependency.version), release: nonEmpty(dependency.release), pre: dependency.pre != 0))
                }
                node = current.pointee.next
            }
            return result
        }
        name = text(package.pointee.name) ?? ""
        epoch = nonEmpty(package.pointee.epoch)
        version = text(package.pointee.version) ?? ""
        release = text(package.pointee.release)
        arch = text(package.pointee.arch) ?? ""
        checksumType = text(package.pointee.checksum_type) ?? "sha256"
        checksum = text(package.pointee.pkgId) ?? ""
        provides = dependencies(package.pointee.provides)
        requires = dependencies(package.pointee.requires)
        var files: [String] = []
        var node = package.pointee.files
        while let current = node {
            if let file = current.pointee.data?.assumingMemoryBound(to: cr_PackageFile.self).pointee {
                let path = (text(file.path) ?? "") + (text(file.name) ?? "")
                if cr_is_primary(path) != 0 { files.append(path) }
            }
            node = current.pointee.next
        }
        primaryFiles = files
    }

    /// A header string as createrepo_c's XML dumper writes it: text that is not UTF-8 or holds control characters
    /// goes through its ISO-8859-1 conversion (which also drops the control characters).
    static func asDumped(_ pointer: UnsafeMutablePointer<CChar>) -> String {
        let bytes = UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self)
        guard g_utf8_validate(pointer, -1, nil) == 0 || cr_hascontrollchars(bytes) != 0 else { return String(cString: pointer) }
        var converted = [UInt8](repeating: 0, count: strlen(pointer) * 2 + 1)
        cr_latin1_to_utf8(bytes, &converted)
        return String(decoding: converted.prefix { $0 != 0 }, as: UTF8.self)
    }

    public init(name: String, epoch: String? = nil, version: String, release: String?, arch: String, checksumType: String = "sha256", checksum: String,
                provides: [Dependency] = [], requires: [Dependency] = [], primaryFiles: [String] = []) {
        self.name = name
        self.epoch = epoch
        self.version = version
        self.release = release
        self.arch = arch
        self.checksumType = checksumType
        self.checksum = checksum
        self.provides = provides
        self.requires = requires
        self.primaryFiles = primaryFiles
    }
}

extension ClosureCheck {
    /// Adds `packages` to `repo` through libsolv's API, with what libsolv's rpm-md parser makes of the same packages'
    /// primary XML: EVR strings as rpm-md spells them, `name = evr` self-provides, pre-requires after the marker,
    /// rich dependencies parsed by libsolv, the primary files as a filtered file list and the checksum.
    static func add(_ packages: [ClosurePackage], to repo: UnsafeMutablePointer<Repo>, pool: UnsafeMutablePointer<Pool>) {
        guard !packages.isEmpty, let data = repo_add_repodata(repo, 0) else { return }
        func evr(epoch: String?, version: String?, release: String?) -> Id {
            var epoch = epoch == "0" ? nil : epoch
            // An epoch-less version that looks like `N:…` keeps its meaning: rpm-md's reader makes it `0:N:…`.
            if epoch == nil, let version, let colon = version.firstIndex(of: ":"), colon != version.startIndex,
               version[..<colon].allSatisfy({ $0.isASCII && $0.isNumber }) {
                epoch = "0"
            }
            let text = (epoch.map { $0 + ":" } ?? "") + (version ?? "") + (release.map { "-" + $0 } ?? "")
            return text.isEmpty ? 0 : pool_str2id(pool, text, 1)
        }
        func dependency(_ dependency: ClosurePackage.Dependency) -> Id {
            guard let flags = dependency.flags else {
                return dependency.name.hasPrefix("(") ? pool_parserpmrichdep(pool, dependency.name) : pool_str2id(pool, dependency.name, 1)
            }
            let relation: Int32
            switch flags {
            case "GT": relation = REL_GT
            case "EQ": relation = REL_EQ
            case "GE": relation = REL_GT | REL_EQ
            case "LT": relation = REL_LT
            case "NE": relation = REL_GT | REL_LT
            case "LE": relation = REL_LT | REL_EQ
            default: relation = 0
            }
            return pool_rel2id(pool, pool_str2id(pool, dependency.name, 1),
                               evr(epoch: dependency.epoch, version: dependency.version, release: dependency.release), relation, 1)
        }
        let prerequisiteMarker = Id(SOLVABLE_PREREQMARKER.rawValue)
        for package in packages {
            let handle = repo_add_solvable(repo)
            let solvable = pool.pointee.solvables + Int(handle)
            solvable.pointee.name = pool_str2id(pool, package.name, 1)
            solvable.pointee.arch = package.arch.isEmpty ? Id(ARCH_NOARCH.rawValue) : pool_str2id(pool, package.arch, 1)
            let packageEVR = evr(epoch: package.epoch, version: package.version, release: package.release)
            solvable.pointee.evr = packageEVR == 0 ? Id(ID_EMPTY.rawValue) : packageEVR
            for provide in package.provides {
                let id = dependency(provide)
                if id != 0 { solvable.pointee.provides = repo_addid_dep(repo, solvable.pointee.provides, id, 0) }
            }
            for require in package.requires {
                let id = dependency(require)
                if id != 0 { solvable.pointee.requires = repo_addid_dep(repo, solvable.pointee.requires, id, require.pre ? prerequisiteMarker : -prerequisiteMarker) }
            }
            if package.arch != "src" && package.arch != "nosrc" {
                let selfProvide = pool_rel2id(pool, solvable.pointee.name, solvable.pointee.evr, Int32(REL_EQ), 1)
                solvable.pointee.provides = repo_addid_dep(repo, solvable.pointee.provides, selfProvide, 0)
            }
            let checksumType = solv_chksum_str2type(package.checksumType)
            if checksumType != 0 && !package.checksum.isEmpty {
                repodata_set_checksum(data, handle, Id(SOLVABLE_CHECKSUM.rawValue), checksumType, package.checksum)
            }
            for file in package.primaryFiles {
                let slash = file.lastIndex(of: "/")
                let directory = slash.map { $0 == file.startIndex ? "/" : String(file[..<$0]) } ?? "/"
                let base = slash.map { String(file[file.index(after: $0)...]) } ?? file
                repodata_add_dirstr(data, handle, Id(SOLVABLE_FILELIST.rawValue), repodata_str2dir(data, directory, 1), base)
            }
        }
        repodata_free_dircache(data)
        // As libsolv marks a primary's file list: filtered, so that a file dependency outside the filter is looked up
        // in the filelists extension rather than taken as missing.
        repodata_set_filelisttype(data, REPODATA_FILELIST_FILTERED)
        repodata_set_void(data, SOLVID_META, Id(REPOSITORY_FILTEREDFILELIST.rawValue))
        repodata_internalize(data)
    }
}
