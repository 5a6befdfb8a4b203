-- From now on the server keeps the first answers of idempotent creates sealed
-- under a key derived from the caller's credential, and their request
-- fingerprints keyed the same way (see server/idempotency.go). Answers kept
-- by an older server are plain text, and some carry a new access key's
-- secret: they go. They only served replays for 24 hours; with
-- secure_delete on, their bytes are overwritten.
DELETE FROM idempotency_keys;
