"""Tools around the library, not its core: the bookmaker simulator, an embedded PostgreSQL server and
realistic batch generators, for the demo, tests and benchmarks."""
