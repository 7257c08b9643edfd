#!/bin/sh
# Writes the .env that docker compose reads, with fresh random secrets: the database
# passwords, the session secret and the monitoring token. It never overwrites a file.
#   sh docker/generate-env.sh [FILE]      (default: .env beside docker-compose.yml)
# PostgreSQL takes the passwords when it first initialises its volume; to change them later,
# ALTER ROLE them in the database as well.
set -eu
file=${1:-"$(dirname "$0")/../.env"}
if [ -e "$file" ]; then
  echo "$file exists: left as it is (remove it first to generate new secrets)" >&2
  exit 1
fi
# Hex: safe inside the database URLs compose builds from these.
secret() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
umask 077
cat > "$file" <<ENV
POSTGRES_PASSWORD=$(secret 24)
PM_OWNER_PASSWORD=$(secret 24)
PM_APP_PASSWORD=$(secret 24)
SESSION_SECRET=$(secret 32)
METRICS_TOKEN=$(secret 32)
# The public name Caddy serves (and gets a certificate for); localhost uses Caddy's local CA.
SITE_ADDRESS=localhost
ENV
echo "wrote $file"
