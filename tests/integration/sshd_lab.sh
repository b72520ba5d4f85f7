#!/usr/bin/env bash
# sshd_lab.sh -- remote hosts for the ssh backend's tests, without a VM:
# one network namespace per host running its own sshd (Debian's
# openssh-server) with generated host and user keys, and a namespace for the
# control machine, all on a bridge in a namespace of its own (the machine's
# own network is never touched).
#
#   sshd_lab.sh up DIR N    hosts h1..hN at 10.78.0.11.., control at
#                           10.78.0.2; writes DIR/lab.env (SSHLAB_CTL_NS,
#                           SSHLAB_KEY, SSHLAB_HOSTS, SSHLAB_ADDR_<h>, ...)
#   sshd_lab.sh down DIR    stops every sshd and removes the namespaces
#
# Each host gets its own file tree DIR/<h>/root for what a run puts there;
# its bin/ comes first on the PATH of commands run over ssh.
# Namespaces are named sbt-<owner>-<n>-*, never sb-*, so `splitbrain clean`
# (which owns sb-*) leaves them to this script. <owner> is the pid (hex) of
# the test that asked for the lab (SSHLAB_OWNER, else the caller): a test
# killed before its `down` (a ctest timeout sends SIGKILL) leaves its lab
# behind, and the next `up` removes every lab whose owner is gone.
set -euo pipefail

cmd=${1:?usage: sshd_lab.sh up DIR N | down DIR}
dir=${2:?usage: sshd_lab.sh up DIR N | down DIR}

down() {
  local d=$1 id
  [ -f "$d/lab.env" ] || return 0
  id=$(sed -n 's/^SSHLAB_ID=//p' "$d/lab.env")
  for pidf in "$d"/h*/sshd.pid; do
    [ -f "$pidf" ] && kill "$(cat "$pidf")" 2>/dev/null || true
  done
  for ns in $(ip netns list | awk '{print $1}' | grep "^sbt-$id-" || true); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
}

sweep() { # removes the labs whose owner process is gone
  local ns owner
  for ns in $(ip netns list | awk '{print $1}' | grep -E '^sbt-[0-9a-f]+-[0-9a-f]{2}-' || true); do
    owner=${ns#sbt-}
    owner=${owner%%-*}
    kill -0 "$((16#$owner))" 2>/dev/null && continue
    echo "sshd_lab.sh: removing $ns, left by test process $((16#$owner)), which is gone" >&2
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
}

case $cmd in
  down) down "$dir"; exit 0 ;;
  up) ;;
  *) echo "sshd_lab.sh: unknown command $cmd; allowed: up, down" >&2; exit 2 ;;
esac

n=${3:?usage: sshd_lab.sh up DIR N}
[ "$n" -ge 1 ] && [ "$n" -le 8 ] || { echo "sshd_lab.sh: N must be 1..8" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
owner=${SSHLAB_OWNER:-$PPID}
kill -0 "$owner" 2>/dev/null || { echo "sshd_lab.sh: owner process $owner is not running" >&2; exit 2; }
sweep
id=$(printf '%x-%02x' "$owner" $((RANDOM % 256)))
sw=sbt-$id-sw ctl=sbt-$id-ctl
mkdir -p /run/sshd
chmod 0755 /run/sshd

ssh-keygen -q -t ed25519 -N '' -C splitbrain-test -f "$dir/id_ed25519"
cp "$dir/id_ed25519.pub" "$dir/authorized_keys"

{
  echo "SSHLAB_ID=$id"
  echo "SSHLAB_CTL_NS=$ctl"
  echo "SSHLAB_CTL_ADDR=10.78.0.2"
  echo "SSHLAB_KEY=$dir/id_ed25519"
} >"$dir/lab.env"
trap 'down "$dir"' ERR

ip netns add "$sw"
ip -n "$sw" link add br0 type bridge
ip -n "$sw" link set br0 up
ip -n "$sw" link set lo up

attach() { # attach NS ADDR: veth from NS's eth0 to the bridge
  local ns=$1 addr=$2 port=p$3
  ip netns add "$ns"
  ip link add "$port" netns "$sw" type veth peer name eth0 netns "$ns"
  ip -n "$sw" link set "$port" master br0 up
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
}
attach "$ctl" 10.78.0.2 0

hosts=""
for i in $(seq 1 "$n"); do
  h=h$i addr=10.78.0.$((10 + i)) ns=sbt-$id-h$i
  attach "$ns" "$addr" "$i"
  mkdir -p "$dir/$h/root"
  ssh-keygen -q -t ed25519 -N '' -f "$dir/$h/ssh_host_ed25519_key"
  # The hosts share this machine's /root. Bash sources ~/.bashrc for a
  # command run by sshd unless SHLVL says it is not a top-level shell;
  # SHLVL=1 makes each host a fresh server rather than this image's
  # developer set-up (its .bashrc runs `pyenv init`: 0.5 s per command,
  # 1.3 s under load, and puts its own folders before the host's bin/).
  cat >"$dir/$h/sshd_config" <<EOF
ListenAddress $addr
Port 22
HostKey $dir/$h/ssh_host_ed25519_key
PidFile $dir/$h/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxSessions 64
MaxStartups 64:30:128
LogLevel VERBOSE
SetEnv PATH=$dir/$h/root/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin SHLVL=1
EOF
  ip netns exec "$ns" /usr/sbin/sshd -f "$dir/$h/sshd_config" -E "$dir/$h/sshd.log"
  hosts="$hosts $h"
  {
    echo "SSHLAB_ADDR_$h=$addr"
    echo "SSHLAB_NS_$h=$ns"
    echo "SSHLAB_ROOT_$h=$dir/$h/root"
  } >>"$dir/lab.env"
done
echo "SSHLAB_HOSTS=\"${hosts# }\"" >>"$dir/lab.env"

# Ready when every sshd accepts connections from the control namespace.
for i in $(seq 1 "$n"); do
  addr=10.78.0.$((10 + i)) ok=""
  for _ in $(seq 1 200); do
    ip netns exec "$ctl" bash -c "exec 3<>/dev/tcp/$addr/22" 2>/dev/null && { ok=1; break; }
    sleep 0.05
  done
  [ -n "$ok" ] || { echo "sshd_lab.sh: sshd on h$i ($addr) does not accept connections" >&2
                    down "$dir"; exit 1; }
done
