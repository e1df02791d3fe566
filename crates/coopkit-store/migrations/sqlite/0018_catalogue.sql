-- A creator or goods co-op's catalogue: works (photos, tracks, films,
-- texts) with their creators' shares, and goods with a seller, a price and
-- stock; what its sales pay; licences; badges; orders.

-- One per co-op that sells: the currency sales are paid in, the
-- creators' (or sellers') part of each kind of sale, in basis points, and
-- the key download links are signed with (made once, never shown).
CREATE TABLE catalogue_settings (
    coop_id          INTEGER PRIMARY KEY REFERENCES coop (id) ON DELETE CASCADE,
    currency         TEXT    NOT NULL,
    licence_rate_bp  INTEGER NOT NULL CHECK (licence_rate_bp BETWEEN 0 AND 10000),
    play_rate_bp     INTEGER NOT NULL CHECK (play_rate_bp BETWEEN 0 AND 10000),
    goods_rate_bp    INTEGER NOT NULL CHECK (goods_rate_bp BETWEEN 0 AND 10000),
    download_key     TEXT    NOT NULL
);

CREATE TABLE catalogue_item (
    id           INTEGER PRIMARY KEY,
    coop_id      INTEGER NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('photo', 'track', 'film', 'text', 'good')),
    title        TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    -- Lower-case tags separated by single spaces.
    tags         TEXT    NOT NULL,
    -- The original and its preview, by their keys in the file store.
    file_key     TEXT    NOT NULL,
    file_name    TEXT    NOT NULL,
    file_type    TEXT    NOT NULL,
    file_bytes   INTEGER NOT NULL,
    preview_key  TEXT    NOT NULL,
    preview_type TEXT    NOT NULL,
    -- Goods only: the price in the catalogue currency's smallest unit,
    -- and how many are left.
    price        INTEGER CHECK (price > 0),
    stock        INTEGER CHECK (stock >= 0),
    created_by   INTEGER NOT NULL REFERENCES person (id),
    created_at   INTEGER NOT NULL
);
CREATE INDEX catalogue_item_by_coop ON catalogue_item (coop_id, id);

-- A work's creators (a good's seller is its only one), in order, with
-- shares in basis points summing to 10,000.
CREATE TABLE catalogue_creator (
    item_id   INTEGER NOT NULL REFERENCES catalogue_item (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    person_id INTEGER NOT NULL REFERENCES person (id),
    share_bp  INTEGER NOT NULL CHECK (share_bp BETWEEN 1 AND 10000),
    PRIMARY KEY (item_id, position),
    UNIQUE (item_id, person_id)
);
CREATE INDEX catalogue_creator_by_person ON catalogue_creator (person_id);

-- What a licence of a kind of work costs: a photo's `standard` or
-- `extended`, in the catalogue currency.
CREATE TABLE catalogue_licence (
    coop_id INTEGER NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    kind    TEXT    NOT NULL,
    name    TEXT    NOT NULL,
    price   INTEGER NOT NULL CHECK (price > 0),
    terms   TEXT    NOT NULL,
    PRIMARY KEY (coop_id, kind, name)
);

-- Badges coordinators give sellers (`fair-trade`, `organic`,
-- `member-coop`); `featured` sellers are shown first.
CREATE TABLE catalogue_badge (
    coop_id   INTEGER NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES person (id),
    badge     TEXT    NOT NULL,
    PRIMARY KEY (coop_id, person_id, badge)
);

-- An order of a licence or of goods. `order_key` is the buyer's form's, so a
-- repeated submission is the same order; the payment's transfer ids are
-- derived from the order. `pending` holds the stock until the payment is
-- judged; `paid` or `refused` then; goods paid for are `sent` once their
-- seller says so.
CREATE TABLE catalogue_order (
    id         INTEGER PRIMARY KEY,
    coop_id    INTEGER NOT NULL REFERENCES coop (id) ON DELETE CASCADE,
    order_key  TEXT    NOT NULL,
    item_id    INTEGER NOT NULL REFERENCES catalogue_item (id),
    buyer_id   INTEGER NOT NULL REFERENCES person (id),
    licence    TEXT    NOT NULL,
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    amount     INTEGER NOT NULL CHECK (amount > 0),
    state      TEXT    NOT NULL CHECK (state IN ('pending', 'paid', 'refused', 'sent')),
    created_at INTEGER NOT NULL,
    UNIQUE (coop_id, order_key)
);
CREATE INDEX catalogue_order_by_buyer ON catalogue_order (buyer_id, coop_id);
