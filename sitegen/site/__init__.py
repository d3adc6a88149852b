"""The site model: grouping articles into a Site, old addresses to new."""
