DROP FUNCTION oddsstore_compact_history(text);
