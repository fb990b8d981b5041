-- Market shapes by id ($1): the market name and the outcome names.
SELECT id, market_name, outcome_names FROM market_shapes WHERE id = ANY ($1::integer[])
