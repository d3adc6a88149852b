"""`sitegen serve`: the preview server with live reload."""
