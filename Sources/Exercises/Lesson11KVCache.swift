// Exercise 11.1 (notebooks-md/11-kv-cache.md). Grade it with `swift run grade 11.1`.

import Tapestry

/// Exercise 11.1: append a step's keys (or values) to a KV cache, along the time axis.
///
/// `cache` is [B, T, C]: for each sequence of the batch, the keys of the T positions cached so
/// far. `new` is [B, Tnew, C]: the keys of the positions just computed (Tnew = 1 while
/// decoding one token at a time). Return [B, T + Tnew, C], where sequence b's rows are its T
/// cached rows followed by its Tnew new rows. (T may be 0.)
public func appendToCache(_ cache: Tensor, _ new: Tensor) throws -> Tensor {
    throw ExerciseError.notImplemented("Exercise 11.1")
}
