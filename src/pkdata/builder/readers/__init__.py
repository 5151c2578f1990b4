"""One reader per upstream format. Each turns a source file into canonical rows, or fails loudly."""
