# The Vagrant lab's files: its scenarios parse and pass the ssh backend's
# checks (splitbrain validate), provision.sh is valid shell, and the
# Vagrantfile passes `vagrant validate` where Vagrant is installed (on this
# machine it usually is not: the check is skipped with the reason printed).
source "$(dirname "$0")/lib.sh"
V="$SB_SOURCE_DIR/vagrant"
"$SB_BIN" validate "$V"/scenarios/*.json || fail "a Vagrant scenario does not validate"
for f in "$V"/scenarios/*.json; do
  python3 - "$f" <<'PY' || fail "$f: not every redis host is a remote machine"
import json, sys
s = json.load(open(sys.argv[1]))
remote = {h["name"] for h in s["hosts"] if isinstance(h, dict) and "address" in h}
assert remote, "no remote host"
PY
done
bash -n "$V/provision.sh" || fail "provision.sh is not valid shell"
if command -v vagrant >/dev/null; then
  (cd "$V" && vagrant validate) || fail "vagrant validate failed"
else
  echo "skipped: vagrant validate (Vagrant is not installed on this machine)"
fi
echo PASS
