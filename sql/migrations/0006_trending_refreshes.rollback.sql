DROP TABLE trending_refreshes;
