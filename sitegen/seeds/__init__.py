"""The converter: raw seeds to content files, tag inference and its gazetteer."""
