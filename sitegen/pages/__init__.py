"""The page plan, template contexts and rendering; feeds, sitemaps, JSON-LD; a site's editions."""
