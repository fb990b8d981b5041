-- What the connection's jsonb codec does with a Python str: asyncpg's default codec and oddsstore's
-- send it as JSON text ('array' here); a host codec that JSON-encodes every value sends a JSON string
-- ('string'). COPY of market rows (outcomes as JSON text) is only correct in the first case.
SELECT jsonb_typeof($1::jsonb) AS kind
