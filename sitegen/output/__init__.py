"""Files written to the output folder: the all-or-nothing writer, search, hosting rules."""
