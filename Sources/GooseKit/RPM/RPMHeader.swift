import CRPM
import Foundation

/// A package header read through librpm; owns the `Header` and frees it.
public final class RPMHeader {
    let pointer: Header

    init(owning pointer: Header) { self.pointer = pointer }

    deinit { headerFree(pointer) }

    public var isSource: Bool { headerIsSource(pointer) != 0 }

    func string(_ tag: rpmTag) -> String? {
        guard let value = headerGetString(pointer, rpmTagVal(tag.rawValue)) else { return nil }
        return String(cString: value)
    }

    func number(_ tag: rpmTag) -> UInt64? {
        guard headerIsEntry(pointer, rpmTagVal(tag.rawValue)) != 0 else { return nil }
        return headerGetNumber(pointer, rpmTagVal(tag.rawValue))
    }

    /// The first value of a numeric tag that may hold several (CHANGELOGTIME: the newest entry first); `number`
    /// (headerGetNumber) answers only for a tag with one value and gives 0 for an array.
    func firstNumber(_ tag: rpmTag) -> UInt64? {
        guard let data = rpmtdNew() else { return nil }
        defer { rpmtdFree(data) }
        guard headerGet(pointer, rpmTagVal(tag.rawValue), data, headerGetFlags(HEADERGET_MINMEM.rawValue)) != 0 else { return nil }
        defer { rpmtdFreeData(data) }
        guard rpmtdCount(data) > 0 else { return nil }
        return rpmtdGetNumber(data)
    }

    func has(_ tag: rpmTag) -> Bool { headerIsEntry(pointer, rpmTagVal(tag.rawValue)) != 0 }

    func strings(_ tag: rpmTag) -> [String] {
        guard let data = rpmtdNew() else { return [] }
        defer { rpmtdFree(data) }
        guard headerGet(pointer, rpmTagVal(tag.rawValue), data, headerGetFlags(HEADERGET_MINMEM.rawValue)) != 0 else { return [] }
        defer { rpmtdFreeData(data) }
        var result: [String] = []
        while let value = rpmtdNextString(data) { result.append(String(cString: value)) }
        return result
    }

    /// Dependencies of one kind (requires, provides, …) with their versions.
    func dependencies(_ nameTag: rpmTag) -> [Dependency] {
        guard let set = rpmdsNew(pointer, rpmTagVal(nameTag.rawValue), 0) else { return [] }
        defer { rpmdsFree(set) }
        var result: [Dependency] = []
        while rpmdsNext(set) >= 0 {
            guard let name = rpmdsN(set) else { continue }
            let evr = rpmdsEVR(set).map { String(cString: $0) } ?? ""
            result.append(Dependency(name: String(cString: name), flags: DependencyFlags(rawValue: UInt32(rpmdsFlags(set))), version: evr))
        }
        return result
    }

    /// The files the header lists, with sizes, modes and rpm's file flags.
    func files() -> [PackageFile] {
        guard let iterator = rpmfiNew(nil, pointer, rpmTagVal(RPMTAG_BASENAMES.rawValue), rpmfiFlags(RPMFI_NOHEADER.rawValue | RPMFI_NOFILEUSER.rawValue | RPMFI_NOFILEGROUP.rawValue)) else { return [] }
        defer { rpmfiFree(iterator) }
        var result: [PackageFile] = []
        while rpmfiNext(iterator) >= 0 {
            let path = rpmfiFN(iterator).map { String(cString: $0) } ?? ""
            var algorithm: Int32 = 0
            var digest: String?
            if let hex = rpmfiFDigestHex(iterator, &algorithm) {
                digest = String(cString: hex)
                free(hex)
            }
            let linkTarget = rpmfiFLink(iterator).map { String(cString: $0) } ?? ""
            result.append(PackageFile(
                path: path,
                size: UInt64(rpmfiFSize(iterator)),
                mode: UInt32(rpmfiFMode(iterator)),
                flags: FileFlags(rawValue: UInt32(rpmfiFFlags(iterator))),
                digest: digest?.isEmpty == false ? digest : nil,
                linkTarget: linkTarget.isEmpty ? nil : linkTarget))
        }
        return result
    }
}
