-- Make sure a day partition exists for every time given and for now() (cheap when they all exist).
SELECT oddsstore_ensure_partitions(ARRAY(
    SELECT DISTINCT (t AT TIME ZONE 'UTC')::date FROM unnest($1::timestamptz[] || now()) AS t
))
