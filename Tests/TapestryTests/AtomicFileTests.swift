// AtomicFile: replaces files whole, leaves the old file and no temporary behind when a write
// fails, and reports failures in one line naming the path.
//
// The tests may run as root, which ignores directory permissions, so "cannot write here" is
// produced by paths that fail for everyone (missing directory, a file used as a directory)
// and by an injected failure halfway through the contents.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import Tapestry

private func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "tapestry-atomic-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

private func contents(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
}

private func listing(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}

@Suite struct AtomicFileTests {
    @Test func writesAndReplacesWithoutLeavingTemporaryFiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/log.csv"
        try AtomicFile.write(text: "step,loss\n", to: path)
        #expect(contents(path) == "step,loss\n")
        try AtomicFile.write([UInt8]("replaced".utf8), to: path)
        #expect(contents(path) == "replaced")
        try AtomicFile.write(Data("from Data".utf8), to: path)
        #expect(contents(path) == "from Data")
        try AtomicFile.write([], to: path)
        #expect(contents(path) == "")
        #expect(listing(directory) == ["log.csv"])
    }

    @Test func relativePathsWriteIntoTheCurrentDirectory() {
        #expect(AtomicFile.splitPath("model.safetensors") == (".", "model.safetensors"))
        #expect(AtomicFile.splitPath("/model.safetensors") == ("/", "model.safetensors"))
        #expect(AtomicFile.splitPath("out/ckpt/model.safetensors") == ("out/ckpt", "model.safetensors"))
    }

    @Test func failureHalfwayKeepsTheOldFileAndRemovesTheTemporary() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/model.safetensors"
        try AtomicFile.write(text: "old checkpoint", to: path)
        var temporary = ""
        let error = #expect(throws: FileError.self) {
            try AtomicFile.write(to: path) { (descriptor, temporaryPath) throws(FileError) in
                temporary = temporaryPath
                try [UInt8]("half of a new chec".utf8).withUnsafeBytes { raw in
                    Result { () throws(FileError) in try writeAll(raw, to: descriptor, path: path, step: "write") }
                }.get()
                throw FileError(path: path, operation: "write", step: "write", reason: "simulated crash")
            }
        }
        #expect(error?.description == "cannot write \(path): write: simulated crash")
        #expect(temporary.hasPrefix(directory + "/.model.safetensors.tmp."))
        #expect(contents(path) == "old checkpoint")
        #expect(listing(directory) == ["model.safetensors"])
    }

    @Test func missingDirectoryIsReportedWithThePath() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/no/such/dir/model.safetensors"
        let error = #expect(throws: FileError.self) { try AtomicFile.write(text: "x", to: path) }
        #expect(error?.description == "cannot write \(path): check directory: directory \(directory)/no/such/dir does not exist")
        #expect(listing(directory).isEmpty)
    }

    @Test func aFileUsedAsADirectoryFails() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try AtomicFile.write(text: "I am a file", to: directory + "/plain")
        let error = #expect(throws: FileError.self) { try AtomicFile.write(text: "x", to: directory + "/plain/inside.txt") }
        #expect(error?.description.contains("is not a directory") == true)
        #expect(contents(directory + "/plain") == "I am a file")
        #expect(listing(directory) == ["plain"])
    }

    @Test func aDirectoryIsNotReplaced() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/out", withIntermediateDirectories: false)
        let error = #expect(throws: FileError.self) { try AtomicFile.write(text: "x", to: directory + "/out") }
        #expect(error?.description == "cannot write \(directory)/out: check target: is a directory")
        #expect(fileKind(directory + "/out") == .directory)
        let trailingSlash = #expect(throws: FileError.self) { try AtomicFile.write(text: "x", to: directory + "/out/") }
        #expect(trailingSlash?.reason == "is a directory path")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full")))
    func devFullIsRefusedAndReportsNoSpace() throws {
        // Renaming over /dev/full would replace the device node, so the target check refuses it.
        let error = #expect(throws: FileError.self) { try AtomicFile.write(text: "x", to: "/dev/full") }
        #expect(error?.description == "cannot write /dev/full: check target: is not a regular file")
        #expect(fileKind("/dev/full") == .other)
        // The write loop itself, pointed at /dev/full, reports the disk-full error by name.
        let descriptor = open("/dev/full", O_WRONLY)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        let full = #expect(throws: FileError.self) {
            try [UInt8](repeating: 7, count: 100).withUnsafeBytes { raw in
                Result { () throws(FileError) in try writeAll(raw, to: descriptor, path: "/dev/full", step: "write") }
            }.get()
        }
        #expect(full?.code == ENOSPC)
        #expect(full?.description == "cannot write /dev/full: write: \(String(cString: strerror(ENOSPC)))")
    }

    @Test(.enabled(if: geteuid() != 0, "root ignores directory permissions"))
    func readOnlyDirectoryKeepsTheTarget() throws {
        let directory = try temporaryDirectory()
        defer {
            chmod(directory, 0o755)
            try? FileManager.default.removeItem(atPath: directory)
        }
        try AtomicFile.write(text: "old", to: directory + "/a.txt")
        chmod(directory, 0o555)
        let error = #expect(throws: FileError.self) { try AtomicFile.write(text: "new", to: directory + "/a.txt") }
        #expect(error?.code == EACCES)
        #expect(contents(directory + "/a.txt") == "old")
        #expect(listing(directory) == ["a.txt"])
    }

    @Test func safeTensorsWriteFailureNamesThePath() throws {
        let path = NSTemporaryDirectory() + "tapestry-no-such-dir-\(UUID().uuidString)/model.safetensors"
        let error = #expect(throws: SafeTensorsError.self) {
            try SafeTensorsFile(floatTensors: ["w": Tensor([1])]).write(to: path)
        }
        #expect(error?.reason == .writeFailed)
        #expect(error?.description.hasPrefix("\(path): cannot write: check directory:") == true)
    }
}
