-- Tollgate's database, one role and one schema per service. Idempotent: run it again at
-- any time. psql runs it as a superuser: in compose from docker-entrypoint-initdb.d, locally
-- from ./dev. Settings come from the environment (psql \getenv):
--   TOLLGATE_PG_DATABASE            database name (default tollgate)
--   TOLLGATE_GATEWAY_DB_PASSWORD    password of role tollgate_gateway
--   TOLLGATE_AUDIT_DB_PASSWORD      password of role tollgate_audit
--   TOLLGATE_KEYS_DB_PASSWORD       password of role tollgate_keys
--   TOLLGATE_PORTAL_DB_PASSWORD     password of role tollgate_portal
-- Each role may connect and use only its own schema; it owns that schema, so its
-- migrations can create tables there, and it has no privilege on any other schema.
\set ON_ERROR_STOP on
\getenv dbname TOLLGATE_PG_DATABASE
\if :{?dbname}
\else
\set dbname tollgate
\endif
\getenv gateway_pw TOLLGATE_GATEWAY_DB_PASSWORD
\getenv audit_pw TOLLGATE_AUDIT_DB_PASSWORD
\getenv keys_pw TOLLGATE_KEYS_DB_PASSWORD
\getenv portal_pw TOLLGATE_PORTAL_DB_PASSWORD

SELECT format('CREATE DATABASE %I', :'dbname')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'dbname') \gexec

SELECT format('CREATE ROLE %I LOGIN', name)
FROM unnest(ARRAY['tollgate_gateway', 'tollgate_audit', 'tollgate_keys', 'tollgate_portal']) AS name
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) \gexec

ALTER ROLE tollgate_gateway WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD :'gateway_pw';
ALTER ROLE tollgate_audit WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD :'audit_pw';
ALTER ROLE tollgate_keys WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD :'keys_pw';
ALTER ROLE tollgate_portal WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD :'portal_pw';

REVOKE ALL ON DATABASE :"dbname" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"dbname" TO tollgate_gateway, tollgate_audit, tollgate_keys, tollgate_portal;
-- The audit consumer copies a batch that holds a redelivered event into session-local staging tables (AuditCopy).
GRANT TEMPORARY ON DATABASE :"dbname" TO tollgate_audit;

\connect :"dbname"

REVOKE ALL ON SCHEMA public FROM PUBLIC;

CREATE SCHEMA IF NOT EXISTS gateway AUTHORIZATION tollgate_gateway;
CREATE SCHEMA IF NOT EXISTS audit AUTHORIZATION tollgate_audit;
CREATE SCHEMA IF NOT EXISTS keys AUTHORIZATION tollgate_keys;
CREATE SCHEMA IF NOT EXISTS portal AUTHORIZATION tollgate_portal;

ALTER SCHEMA gateway OWNER TO tollgate_gateway;
ALTER SCHEMA audit OWNER TO tollgate_audit;
ALTER SCHEMA keys OWNER TO tollgate_keys;
ALTER SCHEMA portal OWNER TO tollgate_portal;

REVOKE ALL ON SCHEMA gateway, audit, keys, portal FROM PUBLIC;

ALTER ROLE tollgate_gateway IN DATABASE :"dbname" SET search_path = gateway;
ALTER ROLE tollgate_audit IN DATABASE :"dbname" SET search_path = audit;
ALTER ROLE tollgate_keys IN DATABASE :"dbname" SET search_path = keys;
ALTER ROLE tollgate_portal IN DATABASE :"dbname" SET search_path = portal;
