DROP MATERIALIZED VIEW trending_entries;
