#!/bin/sh
# Runs once, when the postgres container initialises an empty data volume. It does what
# src/db/bootstrap.ts does for the demo and the tests: the policy target role, the owner
# role (owns the schema, runs migrations and backups, BYPASSRLS), the application's login
# role (NOBYPASSRLS, a member of application_role) and the database, owned by the owner.
set -eu

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v database="$PM_DATABASE" \
  -v owner_password="$PM_OWNER_PASSWORD" \
  -v app_password="$PM_APP_PASSWORD" <<'SQL'
CREATE ROLE application_role NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
CREATE ROLE pm_owner LOGIN NOSUPERUSER BYPASSRLS CREATEROLE PASSWORD :'owner_password';
CREATE ROLE pm_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT PASSWORD :'app_password';
GRANT application_role TO pm_app;
-- The owner grants application_role's privileges in the migrations.
GRANT application_role TO pm_owner WITH ADMIN OPTION;

CREATE DATABASE :"database" OWNER pm_owner;
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO pm_app;
SQL
