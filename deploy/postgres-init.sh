#!/bin/sh
# Run once by the postgres image on a new volume. Three roles: Prefect's, and the store's two
# (README, "Production"): cpo_owner owns the store and migrates it (cpo-setup); cpo_app is
# what the workers, the clock and cpo connect as, granted by cpo db upgrade --app-role only
# what it may do: read, add, deliver. Passwords come from the compose file's secrets.
set -eu
password() { tr -d '\n' < "/run/secrets/$1"; }
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE prefect LOGIN PASSWORD '$(password prefect_db_password)';
CREATE ROLE cpo_owner LOGIN PASSWORD '$(password store_owner_password)';
CREATE ROLE cpo_app LOGIN PASSWORD '$(password store_app_password)';
CREATE DATABASE prefect OWNER prefect;
CREATE DATABASE cpo_store OWNER cpo_owner;
REVOKE ALL ON DATABASE cpo_store FROM PUBLIC;
GRANT CONNECT ON DATABASE cpo_store TO cpo_app;
SQL
