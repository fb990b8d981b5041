DROP VIEW site_events;
