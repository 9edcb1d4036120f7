-- When trending_entries was last refreshed. Every server process wakes up each interval to
-- refresh it, but a refresh of a week of interactions is seconds of database time: the
-- process that finds it refreshed within the interval leaves it be, so many processes cost
-- one refresh per interval (db/trending.py).
--
-- depends: 0005_subscription_rechecks

CREATE TABLE trending_refreshes (
    view_name TEXT PRIMARY KEY,
    refreshed_at TIMESTAMPTZ NOT NULL
);

-- The view was filled when 0004 created it.
INSERT INTO trending_refreshes (view_name, refreshed_at) VALUES ('trending_entries', now());
