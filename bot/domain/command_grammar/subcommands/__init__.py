"""One module per `/cost` subcommand: its query, how its text parses, how it is written back."""
