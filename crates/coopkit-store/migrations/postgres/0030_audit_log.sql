-- A co-op's audit log reads its events of a few kinds, newest first.
CREATE INDEX event_by_kind ON event (coop_id, kind, seq);
