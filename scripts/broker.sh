#!/usr/bin/env bash
# A local Mosquitto configured for External mode (docs/contract.md "External broker", docs/operations.md).
#
#   scripts/broker.sh          start (installs Debian's mosquitto if missing); returns once it accepts connections
#   scripts/broker.sh stop     stops the broker started from BROKER_DIR (by its PID file)
#
# Environment: MQTT_PORT (default 1883), BROKER_DIR (default .osr/broker), OSR_BROKER_USER / OSR_BROKER_PASSWORD
# (the silos' account; default osr-silo / a random password written to BROKER_DIR/silo-password on first start).
# The configuration is deploy/mosquitto/mosquitto.conf with the port and paths of BROKER_DIR. The broker listens on
# 127.0.0.1 only unless MQTT_BIND is set (e.g. 0.0.0.0).
set -euo pipefail
cd "$(dirname "$0")/.."

port=${MQTT_PORT:-1883}
dir=${BROKER_DIR:-.osr/broker}
bind=${MQTT_BIND:-127.0.0.1}
user=${OSR_BROKER_USER:-osr-silo}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
pidfile="$dir/mosquitto.pid"

running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

if [ "${1:-start}" = "stop" ]; then
  if pid=$(running_pid); then
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then echo "mosquitto ($pid) did not stop in 10 s" >&2; exit 1; fi
    echo "mosquitto ($pid) stopped"
  fi
  rm -f "$pidfile"
  exit 0
fi

if ! command -v mosquitto >/dev/null 2>&1 && [ ! -x /usr/sbin/mosquitto ] || ! command -v mosquitto_ctrl >/dev/null 2>&1; then
  if [ "$(id -u)" != "0" ]; then echo "Mosquitto is missing: install the Debian packages mosquitto and mosquitto-clients (as root)" >&2; exit 1; fi
  echo "installing mosquitto (Debian package)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto mosquitto-clients >/dev/null 2>&1
fi
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)

if pid=$(running_pid); then echo "mosquitto already running from $dir (PID $pid)" >&2; exit 1; fi

# The silos' account: created once, with the role "osr-silo" (below) and the dynamic-security admin role.
if [ ! -f "$dir/dynamic-security.json" ]; then
  password=${OSR_BROKER_PASSWORD:-}
  if [ -z "$password" ]; then
    password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
    umask 077; echo "$password" > "$dir/silo-password"
    echo "created the silos' broker account $user; its password is in $dir/silo-password" >&2
  fi
  mosquitto_ctrl dynsec init "$dir/dynamic-security.json" "$user" "$password" >/dev/null 2>&1
  fresh=1
else
  fresh=0
  password=${OSR_BROKER_PASSWORD:-$(cat "$dir/silo-password" 2>/dev/null || true)}
fi

mkdir -p "$dir/data"
sed -e "s|^listener .*# osr:listener|listener $port $bind|" \
    -e "s|^persistence_location .*# osr:persistence|persistence_location $dir/data/|" \
    -e "s|^plugin_opt_config_file .*# osr:dynsec|plugin_opt_config_file $dir/dynamic-security.json|" \
    deploy/mosquitto/mosquitto.conf > "$dir/mosquitto.conf"
echo "log_dest file $dir/mosquitto.log" >> "$dir/mosquitto.conf"
echo "pid_file $pidfile" >> "$dir/mosquitto.conf"
# Run as whoever started the script (as root, mosquitto would switch to the user "mosquitto", who cannot write BROKER_DIR).
echo "user $(id -un)" >> "$dir/mosquitto.conf"

"$mosquitto_bin" -c "$dir/mosquitto.conf" -d

# Ready when the silos' account can connect (and so the plugin has loaded).
ctrl=(mosquitto_ctrl -h 127.0.0.1 -p "$port" -u "$user" -P "$password")
for i in $(seq 1 100); do
  if "${ctrl[@]}" dynsec getDefaultACLAccess >/dev/null 2>&1; then break; fi
  if [ "$i" = 100 ]; then echo "mosquitto did not accept connections on port $port within 10 s; see $dir/mosquitto.log" >&2; exit 1; fi
  sleep 0.1
done

if [ "$fresh" = 1 ]; then
  # The silos consume the devices' messages through shared subscriptions and publish errors and notifications.
  "${ctrl[@]}" dynsec createRole osr-silo >/dev/null 2>&1
  for t in 'osr/v1/devices/+/readings' 'osr/v1/devices/+/events' '$share/osr/osr/v1/devices/+/readings' '$share/osr/osr/v1/devices/+/events'; do
    "${ctrl[@]}" dynsec addRoleACL osr-silo subscribePattern "$t" allow 5 >/dev/null 2>&1
  done
  "${ctrl[@]}" dynsec addRoleACL osr-silo subscribePattern '$CONTROL/dynamic-security/#' allow 5 >/dev/null 2>&1
  "${ctrl[@]}" dynsec addRoleACL osr-silo publishClientSend 'osr/v1/users/+/notifications' allow 5 >/dev/null 2>&1
  "${ctrl[@]}" dynsec addRoleACL osr-silo publishClientSend 'osr/v1/devices/+/errors' allow 5 >/dev/null 2>&1
  "${ctrl[@]}" dynsec addRoleACL osr-silo publishClientSend '$CONTROL/dynamic-security/#' allow 5 >/dev/null 2>&1
  "${ctrl[@]}" dynsec addClientRole "$user" osr-silo 5 >/dev/null 2>&1
fi
echo "mosquitto listening on $bind:$port (PID $(cat "$pidfile"), directory $dir)"
