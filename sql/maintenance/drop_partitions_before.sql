-- Drop every day partition (history, snapshots, status rows) whose day ends at or before $1.
SELECT oddsstore_drop_partitions_before($1) AS name
