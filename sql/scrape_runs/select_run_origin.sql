-- Where a run lives: the cluster's system identifier, the database's name and the run's start time
-- (written into spill files, checked by replay). NULLs for a run that does not exist.
SELECT (SELECT system_identifier FROM pg_control_system())::text AS system_identifier,
    current_database()::text AS database,
    (SELECT started_at FROM scrape_runs WHERE id = $1) AS started_at
