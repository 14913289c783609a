"""One module per input dataset. Loaders read files, validate them and return typed frames."""
