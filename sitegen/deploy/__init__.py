"""`sitegen deploy`: targets (git, rsync, S3) and the checks before an upload."""
