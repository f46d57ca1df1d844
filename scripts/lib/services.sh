# Shared by scripts/dev and scripts/test: install what is missing, start a private
# PostgreSQL and Redis on free ports under a directory, stop them by their pid files.
# Source it; it defines functions only.

prepq_as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

prepq_pg_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Debian packages the build and the platform need; installed only when missing.
prepq_install_deps() {
    local missing=()
    [ -n "$(prepq_pg_bin)" ] && [ -x "$(prepq_pg_bin)/initdb" ] || missing+=(postgresql)
    command -v redis-server >/dev/null || missing+=(redis-server)
    command -v cc >/dev/null || missing+=(gcc libc6-dev)
    command -v pkg-config >/dev/null || missing+=(pkg-config)
    command -v make >/dev/null || missing+=(make)
    # OCR of images and scanned PDFs: libtesseract with English and Simplified Chinese (the
    # bindings are generated at build time, with libclang), and poppler's pdftoppm to
    # rasterise pages.
    pkg-config --exists tesseract 2>/dev/null || missing+=(libtesseract-dev)
    pkg-config --exists lept 2>/dev/null || missing+=(libleptonica-dev)
    ls /usr/lib/llvm-*/lib/libclang.so* >/dev/null 2>&1 || missing+=(libclang-dev)
    ls /usr/share/tesseract-ocr/*/tessdata/eng.traineddata >/dev/null 2>&1 || missing+=(tesseract-ocr-eng)
    ls /usr/share/tesseract-ocr/*/tessdata/chi_sim.traineddata >/dev/null 2>&1 || missing+=(tesseract-ocr-chi-sim)
    command -v pdftoppm >/dev/null || missing+=(poppler-utils)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing: ${missing[*]}"
        prepq_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        prepq_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    if ! command -v cargo >/dev/null; then
        echo "cargo (Rust 1.95 or newer) is required: install it with rustup" >&2
        return 1
    fi
}

prepq_free_port() {
    local port
    while :; do
        port=$(( (RANDOM << 15 | RANDOM) % 30000 + 20000 ))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
}

# Starts PostgreSQL and Redis under $1 and exports DATABASE_URL, REDIS_URL and
# PREPQ_PG_ADMIN_URL (the server's maintenance database, for tests that create databases).
prepq_start_services() {
    local dir=$1 pg_bin pg_port redis_port run_as=()
    pg_bin=$(prepq_pg_bin)
    mkdir -p "$dir/pg" "$dir/redis"
    # PostgreSQL refuses to run as root: run its binaries as the postgres user.
    if [ "$(id -u)" -eq 0 ]; then
        chown -R postgres:postgres "$dir/pg"
        chmod 755 "$dir"
        run_as=(runuser -u postgres --)
    fi
    pg_port=$(prepq_free_port)
    "${run_as[@]}" "$pg_bin/initdb" -D "$dir/pg/data" -A trust -U postgres -E UTF8 >"$dir/pg/initdb.log" 2>&1 \
        || { cat "$dir/pg/initdb.log" >&2; return 1; }
    "${run_as[@]}" "$pg_bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w \
        -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400 ${PREPQ_PG_OPTS:-}" \
        start >/dev/null || { cat "$dir/pg/server.log" >&2; return 1; }
    "${run_as[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres prepq
    # A free port can be taken between the check and the bind (a connection's own port,
    # another suite): a Redis that does not answer is stopped and started on another one.
    local started=0 round tries
    for round in 1 2 3 4 5; do
        redis_port=$(prepq_free_port)
        redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
            --daemonize yes --pidfile "$dir/redis/redis.pid" --dir "$dir/redis" \
            --logfile "$dir/redis/redis.log"
        tries=0
        until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do
            tries=$((tries + 1)); [ $tries -lt 200 ] || break
            sleep 0.05
        done
        if redis-cli -p "$redis_port" ping >/dev/null 2>&1; then started=1; break; fi
        [ -f "$dir/redis/redis.pid" ] && kill "$(cat "$dir/redis/redis.pid")" 2>/dev/null
        echo "redis did not answer on port $redis_port (try $round); trying another port" >&2
    done
    [ $started -eq 1 ] || { echo "redis did not start" >&2; tail -20 "$dir/redis/redis.log" >&2; return 1; }
    export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/prepq"
    export PREPQ_PG_ADMIN_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
    export REDIS_URL="redis://127.0.0.1:$redis_port"
    echo "postgres on 127.0.0.1:$pg_port, redis on 127.0.0.1:$redis_port (data in $dir)"
}

prepq_stop_services() {
    local dir=$1 pg_bin run_as=()
    pg_bin=$(prepq_pg_bin)
    [ "$(id -u)" -eq 0 ] && run_as=(runuser -u postgres --)
    if [ -f "$dir/pg/data/postmaster.pid" ]; then
        "${run_as[@]}" "$pg_bin/pg_ctl" -D "$dir/pg/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    if [ -f "$dir/redis/redis.pid" ]; then
        kill "$(cat "$dir/redis/redis.pid")" 2>/dev/null || true
    fi
}

# What the checks need besides the build: rustfmt and clippy, diesel's CLI (built against
# libpq) to print the schema the migrations make, and Debian's Chromium for the console's
# browser scenario.
DIESEL_CLI_VERSION=2.3.14
prepq_install_check_tools() {
    if ! dpkg -s libpq-dev >/dev/null 2>&1; then
        echo "installing: libpq-dev"
        prepq_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        prepq_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpq-dev >/dev/null
    fi
    if ! command -v chromium >/dev/null; then
        echo "installing: chromium"
        prepq_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        prepq_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
    if command -v rustup >/dev/null; then
        cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
        cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
    fi
    if ! diesel --version 2>/dev/null | grep -q "$DIESEL_CLI_VERSION"; then
        echo "installing: diesel_cli $DIESEL_CLI_VERSION"
        cargo install --quiet --locked diesel_cli --version "$DIESEL_CLI_VERSION" \
            --no-default-features --features postgres
    fi
}

# The suite's Python tools (tests/client/requirements.txt), pinned, in a virtualenv of the
# checkout's own under target/, so nothing is installed into the system's Python.
PREPQ_PY_VENV=target/pyvenv
prepq_install_python_tools() {
    if ! python3 -m venv --help >/dev/null 2>&1; then
        echo "installing: python3 python3-venv"
        prepq_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        prepq_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
    fi
    [ -x "$PREPQ_PY_VENV/bin/pip" ] || python3 -m venv "$PREPQ_PY_VENV"
    "$PREPQ_PY_VENV/bin/pip" install --quiet --disable-pip-version-check -r tests/client/requirements.txt
}

# Generates the Python client from openapi/openapi.json, failing on any warning or dropped
# schema, installs it into the virtualenv, and points the client scenario at it.
prepq_generate_client() {
    local out
    out=$("$PREPQ_PY_VENV/bin/openapi-python-client" generate --path openapi/openapi.json \
        --config tests/client/generator.yaml --output-path target/python-client --overwrite 2>&1)
    if grep -qiE "warning|unable|error" <<<"$out"; then
        echo "$out" >&2
        echo "openapi-python-client did not take openapi/openapi.json cleanly (above)" >&2
        return 1
    fi
    "$PREPQ_PY_VENV/bin/pip" install --quiet --disable-pip-version-check --force-reinstall target/python-client
    PREPQ_CLIENT_PYTHON="$(cd "$PREPQ_PY_VENV" && pwd)/bin/python"
    export PREPQ_CLIENT_PYTHON
}

# Fails when schema/src/schema.rs is not what `diesel print-schema` makes of a database
# migrated from migrations/ (on the server started by prepq_start_services), after
# schema/src/schema.patch. The migrations run under a configuration of their own, so that
# diesel does not rewrite schema.rs in the checkout as it would under diesel.toml.
prepq_check_schema() {
    local base=${PREPQ_PG_ADMIN_URL%/*} url scratch
    url="$base/prepq_schema_check"
    scratch=$(mktemp -d)
    : >"$scratch/diesel.toml"
    diesel database reset --database-url "$url" --migration-dir migrations \
        --config-file "$scratch/diesel.toml" >/dev/null
    sed -e 's#^file = .*#file = "'"$scratch"'/schema.rs"#' \
        -e 's#^patch_file = "#patch_file = "'"$PWD"'/#' diesel.toml >"$scratch/print.toml"
    diesel print-schema --database-url "$url" --config-file "$scratch/print.toml" >"$scratch/generated.rs"
    if ! diff -u schema/src/schema.rs "$scratch/generated.rs"; then
        echo "schema/src/schema.rs is not what the migrations make (diff above); regenerate it:" >&2
        echo "  diesel migration run --database-url URL   # with diesel.toml, rewrites schema.rs" >&2
        rm -rf "$scratch"
        return 1
    fi
    rm -rf "$scratch"
    echo "schema.rs matches the migrations"
}
