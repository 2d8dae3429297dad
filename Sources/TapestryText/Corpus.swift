// Corpus: load a training text and split its tokens into a training and a validation part.
//
// The split follows nanoGPT's `prepare.py`: the first 90% of the token stream trains, the last
// 10% validates, with `n = Int(0.9 * count)`. Splitting the token stream (not the text) keeps
// both parts exact token sequences. It is a contiguous split, not a shuffle: validation text
// is text the model has never seen, which is the honest test for a language model.
//
// What it is not: a batcher. Drawing random (input, target) windows needs a random generator
// and belongs with the trainer.

/// Loading and splitting a text corpus.
public enum Corpus {
    /// Reads the UTF-8 text file at `path`.
    ///
    /// Every failure is one line naming the path: a missing file, a directory, an empty file,
    /// or bytes that are not UTF-8 (a binary file), for example
    /// `datasets/model.bin: not UTF-8 text (invalid byte at offset 0); is it a binary file?`.
    public static func load(path: String) throws(TextError) -> String {
        let bytes = try TextFile.readBytes(path: path)
        if bytes.isEmpty { throw .emptyFile(path: path) }
        return try TextFile.decodeUTF8(bytes, name: path)
    }

    /// Splits `tokens` into the first `fraction` (training) and the rest (validation).
    ///
    /// `n = Int(fraction * count)`, as in nanoGPT, so 1000 tokens give 900 and 100:
    ///
    ///     Corpus.split(tokens: Array(0..<10))   // (train: [0, 1, ..., 8], val: [9])
    public static func split(tokens: [Int], trainingFraction fraction: Double = 0.9) -> (train: [Int], val: [Int]) {
        precondition(fraction >= 0 && fraction <= 1, "Corpus.split: fraction \(fraction) is not in 0...1")
        let n = Int(fraction * Double(tokens.count))
        return (Array(tokens[..<n]), Array(tokens[n...]))
    }
}
