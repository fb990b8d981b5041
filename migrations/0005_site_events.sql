-- site_events: every site's row of an event, one shape for all three (bookmaker id, slug, the site's
-- event id): BetPawa's events (bookmaker 1) and the competitors' competitor_events. The reads of one
-- event by sportradar id (current odds, as of a moment, a market's history) start from it instead of
-- each spelling the same UNION out; a WHERE on sportradar_id reaches both branches' indexes.
CREATE VIEW site_events AS
SELECT e.sportradar_id, 1::smallint AS bookmaker_id, 'betpawa'::text AS platform, e.id AS event_id
FROM events AS e
UNION ALL
SELECT c.sportradar_id, b.id, c.source::text, c.id
FROM competitor_events AS c
JOIN bookmakers AS b ON b.slug = c.source;
