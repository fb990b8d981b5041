-- Day partitions from $1 days before today (UTC) to $2 days after it; returns how many were created.
SELECT oddsstore_ensure_partitions(ARRAY(
    SELECT ((now() AT TIME ZONE 'UTC')::date + d)::date FROM generate_series(-$1::int, $2::int) AS d
))
