-- Two databases on one server: Prefect's own and the case store (each with its own owner
-- in production; one owner here keeps the compose file short).
CREATE DATABASE prefect OWNER cpo;
CREATE DATABASE cpo_store OWNER cpo;
