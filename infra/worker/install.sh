#!/usr/bin/env bash
# Installs the worker bundle this file came in (unpacked under /opt/mediaport) on Debian 12
# and starts `mediaport worker` as a service, with the settings in the file given.
# Usage: install.sh SETTINGS_FILE   (MEDIAPORT__... lines; the launch template writes it)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
settings=${1:?usage: install.sh SETTINGS_FILE}

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends libssl3 ffmpeg mediainfo libimage-exiftool-perl poppler-utils

id mediaport >/dev/null 2>&1 || useradd --system --home-dir /var/lib/mediaport --create-home mediaport
install -d -o mediaport -m 0700 /var/lib/mediaport
install -m 0600 "$settings" /etc/mediaport-worker.env
{
  echo "MEDIAPORT__WORKER__MODELS_DIR=$here/models"
  echo "LD_LIBRARY_PATH=$here/lib"
} >> /etc/mediaport-worker.env

sed "s|@DIR@|$here|g" "$here/mediaport-worker.service" > /etc/systemd/system/mediaport-worker.service
systemctl daemon-reload
systemctl enable --now mediaport-worker.service
