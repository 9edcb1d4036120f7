DROP TABLE user_follows;
DROP TABLE entry_branches;
DROP TABLE user_amplifications;
DROP TABLE user_resonances;
DROP TABLE entry_interaction_counts;
DROP TABLE stream_entries;
DROP TABLE users;
