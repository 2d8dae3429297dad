// A checkpoint Tapestry wrote, loaded unchanged by the PyTorch reference (torch_gpt.py eval),
// gives the same loss on the same strided val windows as Tapestry computes.
// Fixtures/pytorch_eval_of_tapestry_checkpoint.sh made pytorch_eval.json from that file.

import Foundation
import Testing
import TapestryText
@testable import TapestryGPT

@Suite struct PyTorchInteropTests {
    @Test func pytorchAndTapestryAgreeOnTheLossOfATapestryCheckpoint() throws {
        let checkpoint = Bundle.module.url(forResource: "tapestry_written_checkpoint", withExtension: "safetensors",
                                           subdirectory: "Fixtures")!
        let evalURL = Bundle.module.url(forResource: "pytorch_eval", withExtension: "json", subdirectory: "Fixtures")!
        let pytorch = try JSONSerialization.jsonObject(with: Data(contentsOf: evalURL)) as! [String: Any]
        let expected = (pytorch["mean_ce"] as! NSNumber).doubleValue
        let windows = (pytorch["windows"] as! NSNumber).intValue

        let loaded = try ModelCheckpoint.load(path: checkpoint.path)
        let text = try Corpus.load(path: resolveDatasetPath("datasets/shakespeare.txt"))
        let (_, val) = Corpus.split(tokens: try loaded.tokenizer.encode(text))
        let loss = loaded.model.stridedLoss(on: val, windows: windows)
        print("PyTorch mean cross-entropy \(expected), Tapestry \(loss), difference \(abs(loss - expected))")
        #expect(abs(loss - expected) < 2e-5)   // PyTorch's figure is rounded to 6 decimals
    }
}
