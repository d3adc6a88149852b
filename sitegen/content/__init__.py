"""Reading content files: front matter, Markdown bodies, shortcodes, the directory walker, photos."""
