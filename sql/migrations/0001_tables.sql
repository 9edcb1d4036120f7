-- The seven tables of the design (README, "The database"), their keys and indexes.
--
-- ON DELETE rules, chosen on purpose:
--   * deleting a user removes everything the user made and did (entries, resonances,
--     amplifications, follows in both directions);
--   * deleting an entry removes its interactions (counts row, resonances, amplifications,
--     branch links) while its branches stay, as roots (parent_id SET NULL).
-- Counter columns are written by the trigger functions of 0002 alone.

CREATE TABLE users (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    username        TEXT NOT NULL,
    email           TEXT,
    name            TEXT,
    bio             TEXT,
    location        TEXT,
    avatar          TEXT,
    role            TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    stats           JSONB NOT NULL DEFAULT '{}'::jsonb,
    follower_count  INTEGER NOT NULL DEFAULT 0 CHECK (follower_count >= 0),
    following_count INTEGER NOT NULL DEFAULT 0 CHECK (following_count >= 0),
    -- Bumped by trigger on every counter change: subscribers drop events older than a snapshot.
    counts_version  BIGINT NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Usernames are unique case-insensitively ("Ada" and "ada" are one name).
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));

CREATE TABLE stream_entries (
    id              BIGSERIAL PRIMARY KEY,
    user_id         UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The thread link; entry_branches mirrors it by trigger. A deleted parent leaves a root.
    parent_id       BIGINT REFERENCES stream_entries (id) ON DELETE SET NULL,
    -- Legacy: kept for old readers, never written. entry_branches is the list of children.
    children        BIGINT[] NOT NULL DEFAULT '{}',
    type            TEXT NOT NULL DEFAULT 'logbook' CHECK (type IN ('logbook', 'dream')),
    agent           TEXT,
    content         TEXT NOT NULL,
    title           TEXT,
    privacy         TEXT NOT NULL DEFAULT 'public'
                    CHECK (privacy IN ('public', 'followers', 'private')),
    tags            TEXT[] NOT NULL DEFAULT '{}',
    -- Legacy aggregates, superseded by entry_interaction_counts; kept, never written.
    metrics         JSONB NOT NULL DEFAULT '{}'::jsonb,
    interactions    JSONB NOT NULL DEFAULT '{}'::jsonb,
    -- Legacy fields of the dream logbook; kept as they are.
    resonance_field JSONB,
    quantum_layer   JSONB,
    metadata        JSONB,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT stream_entries_not_own_parent CHECK (parent_id <> id)
);

-- Read paths: an author's entries newest first, all entries newest first (keyset on
-- created_at, id), entries by tag, and the children of a parent (also serves SET NULL).
CREATE INDEX idx_stream_entries_user_id_created ON stream_entries (user_id, created_at DESC, id DESC);
CREATE INDEX idx_stream_entries_created ON stream_entries (created_at DESC, id DESC);
CREATE INDEX idx_stream_entries_tags ON stream_entries USING GIN (tags);
CREATE INDEX idx_stream_entries_parent_id ON stream_entries (parent_id) WHERE parent_id IS NOT NULL;

-- No index on the count columns: an indexed column changing rules out HOT updates, and
-- these rows are the hottest in the database. Ranking is served by the trending view.
CREATE TABLE entry_interaction_counts (
    entry_id            BIGINT PRIMARY KEY REFERENCES stream_entries (id) ON DELETE CASCADE,
    resonance_count     INTEGER NOT NULL DEFAULT 0 CHECK (resonance_count >= 0),
    branch_count        INTEGER NOT NULL DEFAULT 0 CHECK (branch_count >= 0),
    amplification_count INTEGER NOT NULL DEFAULT 0 CHECK (amplification_count >= 0),
    share_count         INTEGER NOT NULL DEFAULT 0 CHECK (share_count >= 0),
    -- Bumped by trigger on every counter change: subscribers drop events older than a snapshot.
    version             BIGINT NOT NULL DEFAULT 0,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE user_resonances (
    id         BIGSERIAL PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    entry_id   BIGINT NOT NULL REFERENCES stream_entries (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- One resonance per user per entry; also the by-user index.
    CONSTRAINT user_resonances_user_id_entry_id_key UNIQUE (user_id, entry_id)
);
CREATE INDEX idx_user_resonances_entry_id ON user_resonances (entry_id, created_at DESC, id DESC);
CREATE INDEX idx_user_resonances_created_at ON user_resonances (created_at);

CREATE TABLE user_amplifications (
    id         BIGSERIAL PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    entry_id   BIGINT NOT NULL REFERENCES stream_entries (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT user_amplifications_user_id_entry_id_key UNIQUE (user_id, entry_id)
);
CREATE INDEX idx_user_amplifications_entry_id ON user_amplifications (entry_id, created_at DESC, id DESC);
-- The feed reads what followed users amplified, newest first.
CREATE INDEX idx_user_amplifications_user_id_created ON user_amplifications (user_id, created_at DESC, id DESC);
CREATE INDEX idx_user_amplifications_created_at ON user_amplifications (created_at);

CREATE TABLE entry_branches (
    id              BIGSERIAL PRIMARY KEY,
    parent_entry_id BIGINT NOT NULL REFERENCES stream_entries (id) ON DELETE CASCADE,
    child_entry_id  BIGINT NOT NULL REFERENCES stream_entries (id) ON DELETE CASCADE,
    branch_order    INTEGER NOT NULL CHECK (branch_order > 0),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT entry_branches_parent_entry_id_child_entry_id_key UNIQUE (parent_entry_id, child_entry_id),
    -- An entry has one parent at most.
    CONSTRAINT entry_branches_child_entry_id_key UNIQUE (child_entry_id),
    -- Branches of a parent in order: the read index, and a guard against a duplicate order.
    CONSTRAINT entry_branches_parent_order_key UNIQUE (parent_entry_id, branch_order)
);
CREATE INDEX idx_entry_branches_created_at ON entry_branches (created_at);

CREATE TABLE user_follows (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    follower_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followed_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT user_follows_follower_id_followed_id_key UNIQUE (follower_id, followed_id),
    CONSTRAINT user_follows_not_self CHECK (follower_id <> followed_id)
);
-- Who a user follows, and who follows a user, newest first (keyset on created_at, id).
CREATE INDEX idx_user_follows_follower_id ON user_follows (follower_id, created_at DESC, id DESC);
CREATE INDEX idx_user_follows_followed_id ON user_follows (followed_id, created_at DESC, id DESC);
