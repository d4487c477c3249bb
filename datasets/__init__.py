"""Sample recordings, simulator and readers (installed as emgkit.datasets)."""
