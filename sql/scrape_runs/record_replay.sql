-- After a replay: the run's status and error say what the replay stored (its counters were recomputed).
UPDATE scrape_runs
SET status = $2, error = $3
WHERE id = $1 AND status <> 'running'
