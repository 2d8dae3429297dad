// Damaged checkpoints given to the real `sample` (model checkpoints) and `train --resume`
// (train states). Each file is made from the checkpoint of one tiny run, damaged in one way:
// truncated at each part, a lying header length, bad JSON, an unknown dtype, data offsets out of
// order or overlapping, a tensor with the wrong shape or missing, a future format version, a
// config that lies about the model's size, and one kind of file given where the other is
// expected. Every case must fail with one line naming the file, status 2, and change nothing.

import Foundation
import Testing
import TapestryTestSupport

/// A setup that copies the shared run into the scratch directory, then damages
/// `out/<name>` with `damage` (which gets the file's bytes).
func damaged(_ name: String = "model.safetensors", _ damage: @escaping @Sendable (inout Data) throws -> Void)
    -> @Sendable (URL) throws -> Void {
    { scratch in
        try TrainedCheckpoint.copy(to: scratch)
        let url = scratch.appendingPathComponent("out/\(name)")
        var bytes = try Data(contentsOf: url)
        try damage(&bytes)
        try bytes.write(to: url)
    }
}

/// A setup that damages the header (or data) of `out/<name>` through `EditableSafeTensors`.
func edited(_ name: String = "model.safetensors", _ edit: @escaping @Sendable (inout EditableSafeTensors) throws -> Void)
    -> @Sendable (URL) throws -> Void {
    damaged(name) { bytes in
        var file = try EditableSafeTensors(bytes)
        try edit(&file)
        bytes = file.encoded
    }
}

/// Changes fields of the GPTConfig JSON stored in the metadata.
func editConfig(_ file: inout EditableSafeTensors, _ changes: [String: Int]) throws {
    var config = try JSONSerialization.jsonObject(with: Data(file.metadata["config"]!.utf8)) as! [String: Any]
    for (key, value) in changes { config[key] = value }
    file.metadata["config"] = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
}

/// `sample` on the (damaged) model checkpoint.
let sampleArguments = ["--checkpoint", "out/model.safetensors", "--max-new-tokens", "2"]

/// A model-checkpoint case for `sample`.
func modelCase(_ name: String, _ mentions: [String], setup: @escaping @Sendable (URL) throws -> Void) -> BadInput {
    BadInput(name: name, program: "sample", arguments: sampleArguments, status: 2,
             mentions: ["checkpoint out/model.safetensors"] + mentions, setup: setup)
}

/// A train-state case for `train --resume`.
func resumeCase(_ name: String, _ mentions: [String], extraFlags: [String] = [],
                setup: @escaping @Sendable (URL) throws -> Void) -> BadInput {
    BadInput(name: name, program: "train", arguments: train(["--resume", "--max-iters", "6"] + extraFlags), status: 2,
             mentions: mentions, setup: setup)
}

@Suite struct BadCheckpointTests {
    static let modelCases: [BadInput] = [
        modelCase("missing", ["file not found"]) { try TrainedCheckpoint.copy(to: $0)
            try FileManager.default.removeItem(at: $0.appendingPathComponent("out/model.safetensors")) },
        modelCase("empty", ["file is empty"], setup: damaged { $0 = Data() }),
        modelCase("truncated in the header length", ["shorter than the 8-byte header length"],
                  setup: damaged { $0 = $0.prefix(4) }),
        modelCase("truncated in the header", ["header length says"], setup: damaged { bytes in
            let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16
            bytes = bytes.prefix(8 + headerLength / 2) }),
        modelCase("truncated in the data", ["truncated"], setup: damaged { $0 = $0.dropLast(10) }),
        modelCase("header length larger than the file", ["header length says"], setup: damaged { bytes in
            let lie = UInt64(bytes.count * 4)
            for index in 0..<8 { bytes[index] = UInt8(truncatingIfNeeded: lie >> (8 * UInt64(index))) } }),
        modelCase("header is not JSON", ["not valid JSON"], setup: damaged { $0[8] = UInt8(ascii: "x") }),
        modelCase("unsupported dtype", ["unsupported dtype \"Q4_0\""],
                  setup: edited { $0.set("transformer.wte.weight", "dtype", to: "Q4_0") }),
        modelCase("data offsets end before they begin", ["data_offsets", "end before they begin"], setup: edited { file in
            let name = file.tensorNames[0], span = file.offsets(name)
            file.set(name, "data_offsets", to: [span[1], span[0]]) }),
        modelCase("data offsets past the end of the file", ["data section"], setup: edited { file in
            let name = file.tensorNames.last!, span = file.offsets(name)
            file.set(name, "data_offsets", to: [span[0] + 1_000_000, span[1] + 1_000_000]) }),
        modelCase("overlapping data offsets", ["overlap"], setup: edited { file in
            // Two tensors of the same size: point the second at the first one's bytes.
            let spans = file.tensorNames.map { ($0, file.offsets($0)) }
            let pair = zip(spans, spans.dropFirst()).first { $0.1[1] - $0.1[0] == $1.1[1] - $1.1[0] }!
            file.set(pair.1.0, "data_offsets", to: pair.0.1) }),
        modelCase("a shape that disagrees with the config", ["transformer.wte.weight", "the config expects"],
                  setup: edited { file in file.set("transformer.wte.weight", "shape", to: Array(file.shape("transformer.wte.weight").reversed())) }),
        modelCase("a missing tensor", ["missing tensor transformer.ln_f.weight"],
                  setup: edited { $0.removeTensor("transformer.ln_f.weight") }),
        modelCase("a future format version", ["format version 2 is not supported"],
                  setup: edited { $0.metadata["format_version"] = "2" }),
        modelCase("no format", ["format is '(none)'"], setup: edited { $0.metadata["format"] = nil }),
        modelCase("a config that lies about the size", ["needs at least", "but the file holds"],
                  setup: edited { try editConfig(&$0, ["n_layer": 100_000, "n_embd": 65_536, "n_head": 1]) }),
        modelCase("a tokenizer larger than the vocabulary", ["vocab_size is 5"],
                  setup: edited { try editConfig(&$0, ["vocab_size": 5]) }),
        modelCase("a corrupt tokenizer", ["vocabulary"],
                  setup: edited { $0.metadata["tokenizer"] = "tapestry-char v1\nvocabulary lots\n" }),
        modelCase("a train state where a model is expected", ["this is a train state"], setup: { scratch in
            try TrainedCheckpoint.copy(to: scratch)
            let out = scratch.appendingPathComponent("out")
            try FileManager.default.removeItem(at: out.appendingPathComponent("model.safetensors"))
            try FileManager.default.copyItem(at: out.appendingPathComponent("train-state.safetensors"),
                                             to: out.appendingPathComponent("model.safetensors")) }),
    ]

    @Test(arguments: modelCases) func sampleRefusesADamagedModel(_ input: BadInput) throws { try input.check() }

    static let resumeCases: [BadInput] = [
        resumeCase("nothing to resume", ["--resume", "nothing to resume"], setup: withCorpus()),
        resumeCase("a model where a train state is expected", ["train state out/train-state.safetensors",
                                                               "this is a model checkpoint"], setup: { scratch in
            try TrainedCheckpoint.copy(to: scratch)
            let out = scratch.appendingPathComponent("out")
            try FileManager.default.removeItem(at: out.appendingPathComponent("train-state.safetensors"))
            try FileManager.default.copyItem(at: out.appendingPathComponent("model.safetensors"),
                                             to: out.appendingPathComponent("train-state.safetensors")) }),
        resumeCase("a truncated train state", ["train state out/train-state.safetensors", "truncated"],
                   setup: damaged("train-state.safetensors") { $0 = $0.dropLast(100) }),
        resumeCase("a future train-state version", ["train state out/train-state.safetensors", "format version 2"],
                   setup: edited("train-state.safetensors") { $0.metadata["format_version"] = "2" }),
        resumeCase("a missing optimizer moment", ["train state out/train-state.safetensors", "exp_avg"],
                   setup: edited("train-state.safetensors") { $0.removeTensor("transformer.wte.weight.exp_avg") }),
        resumeCase("other flags than the saved run", ["was trained with config", "flags of the original run"],
                   extraFlags: ["--n-embd", "32"], setup: TrainedCheckpoint.copy),
    ]

    @Test(arguments: resumeCases) func resumeRefusesADamagedTrainState(_ input: BadInput) throws { try input.check() }
}
