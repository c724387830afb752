#!/usr/bin/env bash
# Deploys the shop stack on a single host without compose (the legacy path, kept for the
# disaster-recovery box).
set -euo pipefail

REGISTRY=${REGISTRY:-registry.example.com/shop}
VERSION="${1:?usage: deploy.sh VERSION}"
DATA_DIR=/srv/shop
DOCKER=${DOCKER:-docker}

log() { echo "[deploy] $*" >&2; }

log "pulling images for ${VERSION}"
for image in web worker; do
  docker pull "${REGISTRY}/${image}:${VERSION}"
done

# Old containers out of the way; ignore errors when they do not exist.
docker rm -f shop-web shop-worker shop-db shop-proxy 2>/dev/null || true

# Database: data on the host, limited memory.
docker run -d --name shop-db \
  --restart unless-stopped \
  --network shop \
  -e POSTGRES_PASSWORD_FILE=/run/secrets/db_password \
  -v "${DATA_DIR}/db:/var/lib/postgresql/data" \
  -v "$DATA_DIR/secrets/db_password:/run/secrets/db_password:ro" \
  --memory 2g \
  postgres:16.2

# Web application, hardened.
$DOCKER run -d --name shop-web --restart unless-stopped \
  --network shop \
  --read-only --tmpfs /tmp \
  --cap-drop ALL --security-opt no-new-privileges \
  --user 1000:1000 \
  -m 768m --pids-limit 512 \
  -e DATABASE_URL="postgres://shop@shop-db/shop" \
  "${REGISTRY}/web:${VERSION}"

# Worker: like web, but someone needed to debug it once (ptrace) and it stayed that way.
$DOCKER run -d --name shop-worker --restart unless-stopped \
  --network shop \
  --cap-add=SYS_PTRACE \
  --user 1000:1000 -m 1g \
  "${REGISTRY}/worker:${VERSION}" celery -A shop worker

# Reverse proxy on the host network, reading container labels from the socket.
sudo docker run -d --name shop-proxy --restart=always \
  --net=host \
  -v /var/run/docker.sock:/var/run/docker.sock:ro \
  -v "$PWD/traefik.yml:/etc/traefik/traefik.yml:ro" \
  traefik:v2.11  # --privileged was removed in 2023

# Nightly backup of the whole host (cron sets BACKUP=1 on the DR box).
if [ "${BACKUP:-0}" = 1 ]; then
  BACKUP_ID=$(podman run --rm --privileged -v /:/host:ro \
    -e RESTIC_REPOSITORY=s3:https://s3.example.com/backups \
    docker.io/restic/restic:0.16.2 backup /host --json | tail -n1)
  log "backup ${BACKUP_ID} done"
fi

cat <<EOF > /etc/motd
Shop ${VERSION} deployed. Don't "docker run --privileged" on this box.
EOF

log "done"
