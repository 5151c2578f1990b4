"""Core: where data live (paths), how tables are read and checked (store, schema), errors, hashes, atomic
writes and the source registry. Every other package builds on this one; it imports none of them."""
