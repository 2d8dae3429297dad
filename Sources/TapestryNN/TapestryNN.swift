// TapestryNN: modules and optimizers. (filled in below)
