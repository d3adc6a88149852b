"""What every layer uses: the frozen records, settings, errors, URLs, the clock, the language, the pool."""
