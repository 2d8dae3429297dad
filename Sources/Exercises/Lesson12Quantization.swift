// Exercise 12.1 (notebooks-md/12-quantization-context.md). Grade it with `swift run grade 12.1`.

/// Exercise 12.1: symmetric int8 quantization of one row ("absmax").
///
/// scale = max |xᵢ| / 127 (1 if every xᵢ is 0), qᵢ = round(xᵢ / scale) as Int8 (rounding half
/// away from zero, `Float.rounded()`). Then qᵢ · scale is within scale/2 of xᵢ.
public func quantizeInt8(_ row: [Float]) throws -> (scale: Float, values: [Int8]) {
    throw ExerciseError.notImplemented("Exercise 12.1")
}
