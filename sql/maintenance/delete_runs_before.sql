-- Remove the runs that started before $1 and are not running (their rows went with their partitions).
DELETE FROM scrape_runs WHERE started_at < $1 AND status <> 'running'
