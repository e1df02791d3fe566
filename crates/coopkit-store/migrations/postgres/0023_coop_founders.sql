-- Who founded each co-op, so that an operator can limit how many co-ops
-- one account founds. Co-ops founded before this: their first member,
-- who is their founder.
ALTER TABLE coop ADD COLUMN founded_by BIGINT REFERENCES person (id);
UPDATE coop SET founded_by = (
    SELECT m.person_id FROM membership m WHERE m.coop_id = coop.id ORDER BY m.id LIMIT 1
);
CREATE INDEX coop_founded_by ON coop (founded_by);
