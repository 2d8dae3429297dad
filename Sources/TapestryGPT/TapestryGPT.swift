// TapestryGPT: the GPT. (filled in below)
