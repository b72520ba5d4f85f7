#!/usr/bin/env bash
# provision.sh -- prepares one machine of the Vagrant lab for splitbrain's ssh
# backend. Runs as root (Vagrant's shell provisioner), once per machine, and
# again on `vagrant provision`; safe to repeat.
#
# The harness needs on each host: /usr/bin/redis-server (started with its own
# config file; sentinels as `redis-server CONF --sentinel`), nft, kill
# (procps), setsid (util-linux), tail (coreutils), and passwordless sudo for
# the ssh user (vagrant has it). Ports 6379 and 26379 must be free: the
# Debian packages start their own redis-server, which is stopped and
# disabled here.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

# Keep the packages from starting their services while they are installed.
policy=/usr/sbin/policy-rc.d
added=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  added=1
fi
trap '[ -z "$added" ] || rm -f "$policy"' EXIT

apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  redis-server redis-tools nftables procps util-linux coreutils >/dev/null

# No system redis: the harness starts its own redis-server and sentinels and
# needs 6379 and 26379 free.
for unit in redis-server redis-sentinel; do
  if systemctl cat "$unit.service" >/dev/null 2>&1; then
    systemctl disable --now "$unit" >/dev/null 2>&1 || true
    systemctl mask "$unit" >/dev/null 2>&1 || true
  fi
done

# nftables: only the nft tool is needed; the harness adds and removes its own
# table (inet splitbrain). The nftables service (disabled in Debian) is left
# alone: stopping it would flush every rule, a running test's included.

for t in redis-server nft kill setsid tail; do
  command -v "$t" >/dev/null || { echo "provision.sh: $t is missing" >&2; exit 1; }
done
if ss -Hltn '( sport = :6379 or sport = :26379 )' | grep -q .; then
  # a splitbrain run in progress, or what a killed one left (remove it with
  # `splitbrain clean --hosts SCENARIO` on the control machine)
  echo "provision.sh: warning: something listens on 6379 or 26379:" >&2
  ss -ltnp '( sport = :6379 or sport = :26379 )' >&2
fi
echo "provision.sh: $(hostname) ready ($(redis-server --version | cut -d' ' -f1-3))"
