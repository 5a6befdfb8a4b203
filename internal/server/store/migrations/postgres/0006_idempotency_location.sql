-- 0006: deleting an object forgets the stored answers of the creates that
-- made it or anything under it (ForgetIdempotencyRecords), by location.
-- Without an index that was a scan of every stored answer on every delete,
-- so a destroy of N objects cost N times the table. location is
-- COLLATE "C", so the index serves the query's byte-order range.
CREATE INDEX idempotency_keys_location ON idempotency_keys (location);
