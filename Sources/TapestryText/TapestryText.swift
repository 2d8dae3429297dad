// TapestryText: tokenizers and corpus. (filled in below)
