"""What the command modules share: option types and the typer app factory (:mod:`.options`,
light), the settings and the data directory check (:mod:`.runtime`) and the log lines
(:mod:`.logs`). Importing this package imports nothing else."""
