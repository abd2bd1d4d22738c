-- The table Orleans' ADO.NET providers (clustering, grain persistence, reminders; 10.4.2,
-- invariant "Npgsql") read their SQL from. Each provider runs, once at start,
--     SELECT QueryKey, QueryText FROM OrleansQuery
-- and from then on executes only the texts found there, by key, with named parameters
-- (@Name) that Npgsql binds. The packages ship no SQL: 0011-0013 insert the queries, each
-- next to the tables it uses and with a comment on its parameters and the rows it answers.
--
-- The name is unquoted on purpose: the providers' own query is unquoted, so PostgreSQL folds
-- both to orleansquery. The other Orleans tables use snake_case and answer the column names
-- the providers read through quoted aliases ("Version", "GrainId", ...).

CREATE TABLE OrleansQuery
(
    QueryKey  varchar(64) NOT NULL PRIMARY KEY,
    QueryText text        NOT NULL
);
