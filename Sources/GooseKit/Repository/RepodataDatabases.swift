import CCreaterepo
import Foundation

/// The optional sqlite databases of a repository (primary_db, filelists_db, other_db), made with libcreaterepo_c's
/// sqlite API from the XML files just written, as createrepo_c without --no-database does.
enum RepodataDatabases {
    /// One database to make: its record type, the XML it is filled from and that XML's published checksum.
    struct Source: Sendable {
        var kind: cr_XmlFileType
        var xml: String
        var xmlChecksum: String
    }

    /// A finished, compressed database and the statistics of its uncompressed content.
    struct Made: @unchecked Sendable {
        // The content statistics are owned here until `addRecords` hands them to repomd records.
        var path: String
        var record: String
        var contentStat: UnsafeMutablePointer<cr_ContentStat>
    }

    /// Builds the three databases in parallel (each its own sqlite connection), compressed with bzip2 (createrepo_c's
    /// default for databases); returns them in the order given.
    static func make(_ sources: [Source], in repodata: String) throws -> [Made] {
        var results = [Result<Made, GooseError>?](repeating: nil, count: sources.count)
        results.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: sources.count) { index in
                do { out[index] = .success(try makeOne(sources[index], in: repodata)) } catch let error as GooseError {
                    out[index] = .failure(error)
                } catch {
                    out[index] = .failure(.io(path: repodata, reason: "\(error)"))
                }
            }
        }
        var made: [Made] = []
        var failure: GooseError?
        for result in results {
            switch result {
            case .success(let database): made.append(database)
            case .failure(let error): failure = failure ?? error
            case nil: break
            }
        }
        if let failure {
            for database in made { cr_contentstat_free(database.contentStat, nil) }
            throw failure
        }
        return made
    }

    static func makeOne(_ source: Source, in repodata: String) throws -> Made {
        let (name, type): (String, cr_DatabaseType) = switch source.kind {
        case CR_XMLFILE_PRIMARY: ("primary", CR_DB_PRIMARY)
        case CR_XMLFILE_FILELISTS: ("filelists", CR_DB_FILELISTS)
        default: ("other", CR_DB_OTHER)
        }
        let database = "\(repodata)/\(name).sqlite"
        FileSystem.remove(database)
        var error: UnsafeMutablePointer<GError>?
        guard let connection = cr_db_open(database, type, &error) else { throw RepodataGenerator.failure(database, error) }
        var closed = false
        defer { if !closed { cr_db_close(connection, nil) } }
        // The parser hands each package to the callback, which owns it from then on.
        let addPackage: cr_XmlParserPkgCb = { package, data, error in
            let connection = data!.assumingMemoryBound(to: cr_SqliteDb.self)
            let status = cr_db_add_pkg(connection, package, error)
            cr_package_free(package)
            return status == CRE_OK.rawValue ? CR_CB_RET_OK : CR_CB_RET_ERR
        }
        let parsed: Int32 = switch source.kind {
        case CR_XMLFILE_PRIMARY: cr_xml_parse_primary(source.xml, nil, nil, addPackage, connection, nil, nil, 1, &error)
        case CR_XMLFILE_FILELISTS: cr_xml_parse_filelists(source.xml, nil, nil, addPackage, connection, nil, nil, &error)
        default: cr_xml_parse_other(source.xml, nil, nil, addPackage, connection, nil, nil, &error)
        }
        guard parsed == CRE_OK.rawValue else { throw RepodataGenerator.failure(database, error) }
        // yum and dnf compare this with the XML record's checksum to decide whether the database is current.
        guard cr_db_dbinfo_update(connection, source.xmlChecksum, &error) == CRE_OK.rawValue else {
            throw RepodataGenerator.failure(database, error)
        }
        closed = true
        guard cr_db_close(connection, &error) == CRE_OK.rawValue else { throw RepodataGenerator.failure(database, error) }
        defer { FileSystem.remove(database) }
        guard let stat = cr_contentstat_new(CR_CHECKSUM_SHA256, &error) else { throw RepodataGenerator.failure(database, error) }
        let compressed = database + (cr_compression_suffix(CR_CW_BZ2_COMPRESSION).map { String(cString: $0) } ?? ".bz2")
        guard cr_compress_file_with_stat(database, compressed, CR_CW_BZ2_COMPRESSION, stat, nil, 0, &error) == CRE_OK.rawValue else {
            cr_contentstat_free(stat, nil)
            throw RepodataGenerator.failure(compressed, error)
        }
        return Made(path: compressed, record: name + "_db", contentStat: stat)
    }
}
