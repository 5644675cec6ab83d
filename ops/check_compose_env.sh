#!/usr/bin/env bash
# `make up`: refuse to start the compose stack without the secrets the gateway needs, naming
# each missing one. docker-compose.yml does not require them itself (a `:?` there would break
# `make down` and `docker compose logs` in a shell without them).
#
#   ops/check_compose_env.sh [ENV_FILE]   (default .env, which docker compose reads too)
set -euo pipefail

env_file=${1:-.env}
required=(JWT_SECRET PINGJIAN_ADMIN_USER PINGJIAN_ADMIN_PASSWORD PINGJIAN_DATA_KEYS)

# Set and non-empty in the environment, or as NAME=value (optionally `export NAME=value`) in the env file.
is_set() {
  [[ -n "${!1:-}" ]] && return 0
  [[ -f "$env_file" ]] && grep -Eq "^[[:space:]]*(export[[:space:]]+)?$1=[\"']?[^\"'[:space:]]" "$env_file"
}

missing=()
for name in "${required[@]}"; do
  is_set "$name" || missing+=("$name")
done

if (( ${#missing[@]} )); then
  echo "make up: missing ${missing[*]} (set in the shell or in $env_file), e.g." >&2
  echo "  export JWT_SECRET=\$(openssl rand -base64 48) PINGJIAN_ADMIN_USER=admin PINGJIAN_ADMIN_PASSWORD='…'" >&2
  echo "  export PINGJIAN_DATA_KEYS=k1:\$(openssl rand -base64 32 | tr '+/' '-_')   # seals personal data; keep it safe" >&2
  exit 1
fi
