-- Each co-op keeps its clocks in an IANA time zone, in which its forms'
-- wall-clock times are read and its pages show times. Until now every
-- wall-clock time was read as UTC, so UTC is the zone existing co-ops keep:
-- their stored instants mean what they meant. An admin who chooses the
-- co-op's real zone changes how times are read and shown from then on.
ALTER TABLE coop ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

-- A person may read times in a zone of their own; NULL: the zone of the
-- co-op whose page they are on.
ALTER TABLE person ADD COLUMN time_zone TEXT;
