#!/usr/bin/env bash
# Prisma in JS-engine mode (nothing downloaded). prisma/schema.prisma is for SQLite;
# the PostgreSQL schema is derived from it by swapping the provider.
#   prisma.sh generate            generate both clients (skipped when the schema is unchanged)
#   prisma.sh migration NAME      author a new migration for both providers from the schema change
set -euo pipefail
cd "$(dirname "$0")/.."
export PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1
# `prisma generate` only needs the variable set; the schema engine itself is never run.
export PRISMA_SCHEMA_ENGINE_BINARY=${PRISMA_SCHEMA_ENGINE_BINARY:-$PWD/scripts/prisma.sh}
mkdir -p prisma/generated .data
pg_schema=prisma/generated/postgresql.prisma
derive_pg() {
  sed -e 's/provider = "sqlite"/provider = "postgresql"/' \
      -e 's#url      = "file:./unused.db"#url      = "postgresql://unused@127.0.0.1/unused"#' \
      -e 's#output       = "./generated/sqlite"#output       = "./postgresql"#' prisma/schema.prisma > "$pg_schema"
}
case "${1:-generate}" in
  generate)
    want=$(cat prisma/schema.prisma node_modules/prisma/package.json | sha256sum | cut -d' ' -f1)
    stamp=prisma/generated/.stamp
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d prisma/generated/sqlite ] && [ -d prisma/generated/postgresql ]; then exit 0; fi
    derive_pg
    npx prisma generate --schema prisma/schema.prisma >/dev/null
    npx prisma generate --schema "$pg_schema" >/dev/null
    echo "$want" > "$stamp"
    ;;
  migration)
    name=${2:?usage: prisma.sh migration NAME}
    derive_pg
    n=$(printf '%04d' $(( $(ls prisma/migrations/sqlite | wc -l) + 1 )))
    for provider in sqlite postgresql; do
      schema=prisma/schema.prisma; [ $provider = postgresql ] && schema=$pg_schema
      mkdir -p "prisma/migrations/$provider/${n}_$name"
      npx prisma migrate diff --from-migrations "prisma/migrations/$provider" --to-schema-datamodel "$schema" \
        --script --shadow-database-url "file:./.data/shadow.db" > "prisma/migrations/$provider/${n}_$name/migration.sql"
    done
    echo "wrote prisma/migrations/*/${n}_$name/migration.sql: review them"
    ;;
  *) echo "usage: prisma.sh generate | migration NAME" >&2; exit 2 ;;
esac
