"""Device platforms: turn vendor configuration text into the core's plain-data IkeConfig."""
