#!/usr/bin/env bash
# Security scans: Debian's wapiti and sqlmap against the app served by gunicorn with
# production-like settings on 127.0.0.1, logged in as a field monitor and as a supervisor.
# Exit 1 on any finding: a wapiti vulnerability or anomaly not in security/check_reports.py's
# short accepted list, an injection sqlmap confirms, any 5xx or server traceback, a scanner
# session lost during the scan, `check --deploy` not clean. README "Security scans" says what
# is excluded and why.
#
#   security/scan.sh        (or `make scan`; `.ci/run` runs it after `make test`)
#
# Needs PostgreSQL on 127.0.0.1 (user postgres, trust), Debian's wapiti and sqlmap
# (apt-get install wapiti sqlmap) and the project's virtualenv (`make install`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# --- Knobs (environment) ----------------------------------------------------------------
VENV=${VENV:-.venv}
case $VENV in /*) ;; *) VENV=$ROOT/$VENV ;; esac
PY=$VENV/bin/python
SYSTEM_PYTHON=/usr/bin/python3 # Debian's wapiti lives in the system python
SCAN_DB=${SCAN_DB:-scan_monitoring}
SCAN_DB_HOST=${SCAN_DB_HOST:-127.0.0.1}
SCAN_PORT=${SCAN_PORT:-8765}
BASE=http://127.0.0.1:$SCAN_PORT
# The whole scan's time. wapiti's attacks stop 15 s before it wherever they are, and the
# summary says what they did not finish.
SCAN_BUDGET=${SCAN_BUDGET:-240}
WAPITI_ROLES=${WAPITI_ROLES:-monitor supervisor}
WAPITI_MODULES=${WAPITI_MODULES:-http_headers,cookieflags,csp,csrf,crlf,redirect,sql,xss,permanentxss}
WAPITI_MAX_CRAWL_TIME=${WAPITI_MAX_CRAWL_TIME:-90}
WAPITI_MAX_ATTACK_TIME=${WAPITI_MAX_ATTACK_TIME:-90} # seconds per module, so xss leaves time
# sqlmap as the supervisor only: the monitor's forms are a subset of the supervisor's, through
# the same views and filters; only the ORM conditions of what they may see differ.
SQLMAP_ROLES=${SQLMAP_ROLES:-supervisor}
SQLMAP_CRAWL=${SQLMAP_CRAWL:-2}
SQLMAP_LEVEL=${SQLMAP_LEVEL:-1}
SQLMAP_RISK=${SQLMAP_RISK:-1}
# Error-based, stacked queries, time-based: not boolean-based blind and UNION, which compare
# page contents and gave false positives here.
SQLMAP_TECHNIQUE=${SQLMAP_TECHNIQUE:-EST}
SCANNER_TIMEOUT=${SCANNER_TIMEOUT:-300} # hard stop for one scanner: the scan then fails
SCAN_KEEP=${SCAN_KEEP:-5}               # report folders kept in security/reports/

# Never crawled or attacked: logging out ends the scanner's session, and a confirmed delete
# deletes (the rest of the scan would find fewer pages). As wapiti wildcards (-x) and as one
# regex (sqlmap --crawl-exclude, seeds.py).
EXCLUDE_WILDCARDS=("$BASE/accounts/logout/*" "$BASE/*/delete/*")
EXCLUDE_REGEX='/accounts/logout/|/delete/'

read -r -a wapiti_roles <<<"$WAPITI_ROLES"
read -r -a sqlmap_roles <<<"$SQLMAP_ROLES"
RUNS=() # scanner-role, for example wapiti-monitor
for role in "${wapiti_roles[@]}"; do RUNS+=("wapiti-$role"); done
for role in "${sqlmap_roles[@]}"; do RUNS+=("sqlmap-$role"); done
ROLES=($(printf '%s\n' "${wapiti_roles[@]}" "${sqlmap_roles[@]}" | sort -u))
for role in "${ROLES[@]}"; do
  case $role in monitor | supervisor) ;; *) echo "error: unknown role $role" >&2; exit 2 ;; esac
done

case $SCAN_DB in
  monitoring | test_*) echo "error: SCAN_DB=$SCAN_DB is not a scan database" >&2; exit 2 ;;
esac
for tool in wapiti sqlmap; do
  command -v $tool >/dev/null || { echo "error: $tool is missing (apt-get install wapiti sqlmap)" >&2; exit 2; }
done
$SYSTEM_PYTHON -c 'import wapitiCore' 2>/dev/null || { echo "error: $SYSTEM_PYTHON cannot import wapitiCore" >&2; exit 2; }
[ -x "$PY" ] || { echo "error: no virtualenv at $VENV (make install)" >&2; exit 2; }

# One scan of a database at a time; a port another program holds is refused before anything.
exec 9>"${TMPDIR:-/tmp}/scan-$SCAN_DB.lock"
flock -n 9 || { echo "error: another scan of $SCAN_DB is running" >&2; exit 2; }
if curl -s -o /dev/null "$BASE/"; then
  echo "error: something already answers on $BASE (set SCAN_PORT)" >&2
  exit 2
fi

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/scan.XXXXXX") # passwords, cookies, scanner state: not kept
OUT=$WORK/reports                               # copied to security/reports/ at the end
mkdir -p "$OUT" "$WORK/state"
REPORTS=$ROOT/security/reports
SERVER_PID=
BACKGROUND_PIDS=()
T0=$(date +%s)

elapsed() { echo $(($(date +%s) - T0)); }
step() { printf '[%4ss] %s\n' "$(elapsed)" "$*"; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${BACKGROUND_PIDS[@]}"; do # subshells running `timeout`, which passes TERM on
    pkill -TERM -P "$pid" 2>/dev/null || true # to its scanner (by parent id)
    kill -TERM "$pid" 2>/dev/null || true
  done
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  mkdir -p "$REPORTS"
  cp -r "$OUT" "$REPORTS/$STAMP" 2>/dev/null || true
  ln -sfn "$STAMP" "$REPORTS/latest"
  ls -1d "$REPORTS"/20*/ 2>/dev/null | sort | head -n -"$SCAN_KEEP" | xargs -r rm -rf
  rm -rf "$WORK"
  echo "Reports: security/reports/$STAMP (total $(elapsed) s)"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- A production-like server -----------------------------------------------------------
export DATABASE_URL=postgres://postgres@$SCAN_DB_HOST:5432/$SCAN_DB
unset REDIS_URL # no broker: web requests queue no tasks, and nothing leaks into CI's Redis
export DJANGO_DEBUG=0 DEMO_MODE=0 DJANGO_SECURE=0 STATIC_MANIFEST=1
export DJANGO_SECRET_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')
export DJANGO_ALLOWED_HOSTS=127.0.0.1 DJANGO_CSRF_TRUSTED_ORIGINS=
# The scan users log in with a password only (two-factor authentication has its tests), and
# the scanners' wrong passwords in the password forms must not lock them out (and log them out).
export REQUIRE_2FA=0 AXES_FAILURE_LIMIT=1000000
export EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend # no mail leaves the scan
export LOG_LEVEL=WARNING PYTHONUNBUFFERED=1

step "database $SCAN_DB: fresh, migrated, the report's cases loaded"
dropdb -h "$SCAN_DB_HOST" -U postgres --if-exists "$SCAN_DB"
createdb -h "$SCAN_DB_HOST" -U postgres "$SCAN_DB"
$PY manage.py migrate --noinput >/dev/null
$PY manage.py loaddata report_cases >/dev/null
$PY manage.py collectstatic --noinput >/dev/null

step "HTTPS settings the plain-HTTP scan cannot see: check --deploy with DJANGO_SECURE=1"
DJANGO_SECURE=1 EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend \
  $PY manage.py check --deploy --fail-level WARNING >"$OUT/check-deploy.txt" 2>&1 || true
cat "$OUT/check-deploy.txt" # check_reports.py fails the scan unless it says "no issues"

step "scan users: a field monitor (3 cases assigned) and a supervisor, random passwords"
for role in monitor supervisor; do
  $PY -c 'import secrets; print(secrets.token_urlsafe(24))' >"$WORK/state/$role.password"
done
SCAN_PASSWORD_MONITOR=$(<"$WORK/state/monitor.password") \
SCAN_PASSWORD_SUPERVISOR=$(<"$WORK/state/supervisor.password") \
  $PY manage.py shell --no-imports -c '
import os
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from cases import access
from cases.models import Case
User = get_user_model()
for username, role, password in (
    ("scan-monitor", access.ROLE_MONITOR, os.environ["SCAN_PASSWORD_MONITOR"]),
    ("scan-supervisor", access.ROLE_SUPERVISOR, os.environ["SCAN_PASSWORD_SUPERVISOR"]),
):
    user = User.objects.create_user(username, email=f"{username}@example.org", password=password)
    user.groups.add(Group.objects.get(name=role))
monitor = User.objects.get(username="scan-monitor")
for case in Case.objects.order_by("pk")[:3]:
    case.monitors.add(monitor)
'

step "gunicorn on $BASE"
"$VENV/bin/gunicorn" monitoring.wsgi:application --bind "127.0.0.1:$SCAN_PORT" \
  --workers 4 --timeout 30 --no-control-socket \
  --access-logfile "$OUT/access.log" --access-logformat '%(s)s %(L)s "%(r)s" %(b)s' \
  --error-logfile - >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
answers() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/accounts/login/")" = 200 ]; }
for _ in $(seq 1 60); do
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -30 "$OUT/server.log" >&2; echo "error: gunicorn died" >&2; exit 1; }
  answers && break
  sleep 0.5
done
answers || { tail -30 "$OUT/server.log" >&2; echo "error: $BASE/accounts/login/ does not answer 200" >&2; exit 1; }

step "log in (a real POST with the CSRF token, one session per scanner) and list start URLs"
for run in "${RUNS[@]}"; do
  role=${run#*-}
  $PY security/login.py "$BASE" "scan-$role" "$WORK/state/$run" <"$WORK/state/$role.password" &
  BACKGROUND_PIDS+=($!)
done
for pid in "${BACKGROUND_PIDS[@]}"; do wait "$pid" || exit 1; done
BACKGROUND_PIDS=()
for role in "${wapiti_roles[@]}"; do
  $PY security/seeds.py "$BASE" "$WORK/state/wapiti-$role.cookie" "$EXCLUDE_REGEX" \
    "$OUT/start-urls-$role.txt" /accounts/login/ /admin/login/ &
  BACKGROUND_PIDS+=($!)
done
for pid in "${BACKGROUND_PIDS[@]}"; do wait "$pid" || exit 1; done
BACKGROUND_PIDS=()

run_timed() { # run_timed NAME COMMAND...: in the background; output and timing in $OUT
  local name=$1
  shift
  (
    start=$(date +%s)
    set +e
    timeout --kill-after=10 "$SCANNER_TIMEOUT" "$@" </dev/null >"$OUT/$name.log" 2>&1
    rc=$?
    echo "$name $((start - T0)) $(($(date +%s) - start)) $rc" >"$WORK/state/$name.time"
  ) &
  BACKGROUND_PIDS+=($!)
}

# All at once: the server and the scanners share the 2 cores best that way. sqlmap's
# error-based, stacked-queries and time-based tests do not compare pages, so wapiti changing
# the records at the same time cannot make it see an injection that is not there.
step "scanning until about $SCAN_BUDGET s: wapiti as ${wapiti_roles[*]}, sqlmap as ${sqlmap_roles[*]}"
for role in "${sqlmap_roles[@]}"; do
  # TMPDIR: sqlmap leaves a temporary folder behind; here it goes with $WORK.
  TMPDIR=$WORK/state run_timed "sqlmap-$role" \
    sqlmap -u "$BASE/" --cookie "$(<"$WORK/state/sqlmap-$role.cookie")" \
    --drop-set-cookie --batch --forms --crawl "$SQLMAP_CRAWL" --crawl-exclude "$EXCLUDE_REGEX" \
    --level "$SQLMAP_LEVEL" --risk "$SQLMAP_RISK" --technique "$SQLMAP_TECHNIQUE" \
    --dbms PostgreSQL --skip-waf --skip-static --param-exclude '^csrfmiddlewaretoken$' \
    --threads 2 --timeout 20 --retries 1 --disable-coloring \
    --output-dir "$WORK/state/sqlmap-$role" --results-file "$OUT/sqlmap-$role-results.csv"
done
excludes=()
for pattern in "${EXCLUDE_WILDCARDS[@]}"; do excludes+=(-x "$pattern"); done
for role in "${wapiti_roles[@]}"; do
  starts=()
  while read -r url; do starts+=(-s "$url"); done <"$OUT/start-urls-$role.txt"
  # -d 1: the start URLs are every route already; depth 1 reaches the forms on them. A fixed
  # hash seed: wapiti picks "one link per page" from a set, so each run crawls the same pages.
  PYTHONHASHSEED=0 TMPDIR=$WORK/state WAPITI_DEADLINE=$((T0 + SCAN_BUDGET - 15)) \
    run_timed "wapiti-$role" $SYSTEM_PYTHON security/wapiti_run.py \
    -u "$BASE/" --scope folder -c "$WORK/state/wapiti-$role.wapiti.json" \
    "${starts[@]}" "${excludes[@]}" -m "$WAPITI_MODULES" -d 1 --max-links-per-page 1 \
    --max-scan-time "$WAPITI_MAX_CRAWL_TIME" --max-attack-time "$WAPITI_MAX_ATTACK_TIME" \
    --timeout 20 --flush-session --store-session "$WORK/state/wapiti-$role" \
    --store-config "$WORK/state/wapiti-config-$role" --no-bugreport --verbose 1 \
    -f json -o "$OUT/wapiti-$role.json"
done
for pid in "${BACKGROUND_PIDS[@]}"; do wait "$pid" || true; done
BACKGROUND_PIDS=()
for run in "${RUNS[@]}"; do
  read -r name started took rc <"$WORK/state/$run.time"
  printf '         %-18s started at %3ss, took %3ss, exit %s\n' "$name" "$started" "$took" "$rc"
  echo "$name $started $took $rc" >>"$OUT/timings.txt"
done
for role in "${sqlmap_roles[@]}"; do # what sqlmap stores per target when it finds something
  cat "$WORK"/state/sqlmap-$role/*/log 2>/dev/null >"$OUT/sqlmap-$role-found.log" || true
done

step "sessions still logged in after the scan"
: >"$OUT/sessions.txt"
for run in "${RUNS[@]}"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $(<"$WORK/state/$run.cookie")" "$BASE/")
  echo "$run $code" | tee -a "$OUT/sessions.txt"
done

step "stopping gunicorn"
kill -TERM "$SERVER_PID"
for _ in $(seq 1 20); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
SERVER_PID=

step "checking the reports"
$PY security/check_reports.py "$OUT" "${RUNS[@]}"
