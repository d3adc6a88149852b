"""What the last build did and the next may reuse: the build cache, the manifest, kept warnings."""
