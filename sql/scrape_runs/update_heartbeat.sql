UPDATE scrape_runs SET heartbeat_at = now() WHERE id = $1 AND status = 'running'
