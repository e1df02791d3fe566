-- The open-data directory: the lists imported (sources), each list's own
-- rows (records), the organisations they describe (merged field by
-- field), every change to a shown field, pairs of organisations waiting
-- for a person to say whether they are one, and suggested edits.
CREATE TABLE directory_moderator (
    person_id  BIGINT  PRIMARY KEY REFERENCES person (id) ON DELETE CASCADE,
    granted_at BIGINT  NOT NULL
);

-- Source and organisation ids are given by the importer under the write
-- lock, so that a million new organisations go in as batches and their
-- rows and provenance can name them before they are written.
CREATE TABLE directory_source (
    id          BIGINT  PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    -- 'csv', 'geojson', 'murmurations', 'edits', 'hosted'.
    format      TEXT    NOT NULL,
    licence     TEXT    NOT NULL,
    attribution TEXT    NOT NULL,
    imported_at BIGINT  NOT NULL,
    rows_read   BIGINT  NOT NULL,
    -- JSON: the problems the last import met, row by row.
    report      TEXT    NOT NULL
);

CREATE TABLE directory_org (
    id          BIGINT  PRIMARY KEY,
    -- JSON: the record shown, and each field's source and date.
    record      TEXT    NOT NULL,
    provenance  TEXT    NOT NULL,
    -- Set when a reviewer found it the same as another; its address
    -- then leads there.
    merged_into BIGINT  REFERENCES directory_org (id),
    updated_at  BIGINT  NOT NULL
);

CREATE TABLE directory_record (
    source_id  BIGINT  NOT NULL REFERENCES directory_source (id),
    -- The list's own id for the row: how a re-import finds it again.
    source_key TEXT    NOT NULL,
    org_id     BIGINT  NOT NULL REFERENCES directory_org (id),
    row_number BIGINT  NOT NULL,
    -- The date the list describes, in milliseconds (or when an edit was
    -- accepted): the newest statement of a field wins.
    as_of      BIGINT  NOT NULL,
    record     TEXT    NOT NULL,
    PRIMARY KEY (source_id, source_key)
);
CREATE INDEX directory_record_by_org ON directory_record (org_id);

CREATE TABLE directory_history (
    id        BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id    BIGINT  NOT NULL REFERENCES directory_org (id),
    field     TEXT    NOT NULL,
    old_value TEXT    NOT NULL,
    new_value TEXT    NOT NULL,
    -- Who changed it: an import, or a person (a moderator's decision).
    source_id BIGINT  REFERENCES directory_source (id),
    person_id BIGINT  REFERENCES person (id),
    at        BIGINT  NOT NULL
);
CREATE INDEX directory_history_by_org ON directory_history (org_id, id);

CREATE TABLE directory_review (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    left_org    BIGINT  NOT NULL REFERENCES directory_org (id),
    right_org   BIGINT  NOT NULL REFERENCES directory_org (id),
    -- The linker's log2 odds that they are one, in thousandths.
    score_milli BIGINT  NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('open', 'accepted', 'rejected')),
    created_at  BIGINT  NOT NULL,
    decided_by  BIGINT  REFERENCES person (id),
    decided_at  BIGINT ,
    UNIQUE (left_org, right_org)
);
CREATE INDEX directory_review_open ON directory_review (state, id);

CREATE TABLE directory_edit (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     BIGINT  NOT NULL REFERENCES directory_org (id),
    field      TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    note       TEXT    NOT NULL,
    person_id  BIGINT  NOT NULL REFERENCES person (id),
    state      TEXT    NOT NULL CHECK (state IN ('open', 'accepted', 'rejected')),
    created_at BIGINT  NOT NULL,
    decided_by BIGINT  REFERENCES person (id),
    decided_at BIGINT 
);
CREATE INDEX directory_edit_open ON directory_edit (state, id);
