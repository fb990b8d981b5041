DROP TABLE board_events;
