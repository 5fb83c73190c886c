-- docker-compose.yml mounts this into postgres:16's /docker-entrypoint-initdb.d: it runs once,
-- as POSTGRES_USER, when the data volume is empty. One database per service (DESIGN.md section 1);
-- each service creates its own tables with its migrations at start-up.
CREATE DATABASE sextant_auth;
CREATE DATABASE sextant_session;
CREATE DATABASE sextant_file;
CREATE DATABASE sextant_agent;
