#!/usr/bin/env bash
# Builds the .deb or .rpm package from a configured and built tree, unpacks it into a scratch
# root and checks its files, that the programs run from there, and that the systemd units pass
# `systemd-analyze verify` and an offline `systemd-analyze security` check.
#
# usage: check_package.sh deb|rpm BUILD_DIR PREFIX SYSCONFDIR WITH_GUI VERSION
set -euo pipefail

format=$1
build_dir=$2
prefix=$3
sysconfdir=$4
with_gui=$5
version=$6

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
pass() {
    echo "ok: $*"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"

# Packages go to a scratch folder so that a test run leaves the build folder as it was.
generator=$(echo "$format" | tr '[:lower:]' '[:upper:]')
if ! (cd "$build_dir" && cpack -G "$generator" -B "$work/out" >"$work/cpack.log" 2>&1); then
    cat "$work/cpack.log" >&2
    echo "FAIL: cpack -G $generator failed" >&2
    exit 1
fi
package=$(find "$work/out" -maxdepth 1 -name "*.$format" | head -n 1)
if [ -z "$package" ]; then
    echo "FAIL: cpack wrote no .$format file" >&2
    exit 1
fi
pass "built $(basename "$package")"

# Unpack, and list every file with its mode as the package manager would install it.
if [ "$format" = deb ]; then
    dpkg-deb -x "$package" "$root"
    dpkg-deb -e "$package" "$work/control"
    listing=$(dpkg-deb -c "$package" | awk '{print $1, $6}' | sed 's# \./# /#')
else
    (cd "$root" && rpm2cpio "$package" | cpio -idm --quiet)
    listing=$(rpm -qlp --dump "$package" | awk '{printf "%s %s\n", $5, $1}')
fi

unit_dir=$prefix/lib/systemd/system
expected_files=(
    "$prefix/bin/vcs-agent"
    "$prefix/bin/vcs-gateway"
    "$unit_dir/vcs-agent.service"
    "$unit_dir/vcs-gateway.service"
    "$prefix/lib/sysusers.d/vcs-gateway.conf"
    "$sysconfdir/vcs-agent/agent.env"
    "$sysconfdir/vcs-gateway/gateway.env"
)
gui_files=(
    "$prefix/share/applications/vcs-agent.desktop"
    "$prefix/share/icons/hicolor/scalable/apps/vcs-agent.svg"
)
if [ "$with_gui" = ON ]; then
    expected_files+=("${gui_files[@]}")
fi
for file in "${expected_files[@]}"; do
    if [ -f "$root$file" ]; then
        pass "contains $file"
    else
        fail "missing $file"
    fi
done
if [ "$with_gui" != ON ]; then
    for file in "${gui_files[@]}"; do
        if [ -e "$root$file" ]; then
            fail "$file is in a package built without the desktop agent"
        fi
    done
fi

# The environment files hold the pool token and the API key.
for file in "$sysconfdir/vcs-agent/agent.env" "$sysconfdir/vcs-gateway/gateway.env"; do
    mode=$(echo "$listing" | awk -v path="$file" '$2 == path {print $1}')
    case "$mode" in
    -rw-------* | 0100600) pass "$file has mode 0600" ;;
    *) fail "$file has mode '$mode', expected 0600" ;;
    esac
done

if [ "$format" = deb ]; then
    for file in "$sysconfdir/vcs-agent/agent.env" "$sysconfdir/vcs-gateway/gateway.env"; do
        if grep -qx "$file" "$work/control/conffiles"; then
            pass "$file is a conffile"
        else
            fail "$file is not listed in conffiles"
        fi
    done
    for script in postinst prerm postrm; do
        if [ -x "$work/control/$script" ] && sh -n "$work/control/$script"; then
            pass "maintainer script $script is executable shell"
        else
            fail "maintainer script $script is missing or not valid shell"
        fi
    done
else
    scripts=$(rpm -qp --scripts "$package")
    for section in postinstall preuninstall postuninstall; do
        if grep -q "^$section scriptlet" <<<"$scripts"; then
            pass "rpm has a $section scriptlet"
        else
            fail "rpm has no $section scriptlet"
        fi
    done
    # grep reads a variable, not a pipe: with pipefail, grep -q stopping early would fail
    # the pipeline when rpm gets SIGPIPE.
    config_files=$(rpm -qp --configfiles "$package")
    if grep -qx "$sysconfdir/vcs-agent/agent.env" <<<"$config_files"; then
        pass "agent.env is a %config file"
    else
        fail "agent.env is not a %config file"
    fi
fi

# Every dependency the package declares must exist on this system; apt only simulates here.
if [ "$format" = deb ]; then
    if simulation=$(apt-get install --simulate --quiet "$package" 2>&1); then
        pass "apt-get can install the package and its dependencies"
    else
        fail "apt-get cannot install the package: $(tail -n 3 <<<"$simulation")"
    fi
fi

if [ "$with_gui" = ON ]; then
    desktop=$root$prefix/share/applications/vcs-agent.desktop
    for line in Type=Application Exec=vcs-agent Icon=vcs-agent; do
        if grep -qx "$line" "$desktop"; then
            pass "the desktop entry sets $line"
        else
            fail "the desktop entry does not set $line"
        fi
    done
fi

# The programs run from the scratch root: Qt is installed system-wide.
for program in vcs-agent vcs-gateway; do
    output=$("$root$prefix/bin/$program" --version 2>&1) || true
    if [ "$output" = "$program $version" ]; then
        pass "$program --version prints '$output'"
    else
        fail "$program --version printed '$output', expected '$program $version'"
    fi
done

# The units name the installed paths under the prefix and /etc. The copies checked here point
# into the scratch root instead, so that verify finds the programs.
mkdir -p "$work/units"
for unit in vcs-agent vcs-gateway; do
    source_unit=$root$unit_dir/$unit.service
    sed -e "s#^ExecStart=$prefix/bin/#ExecStart=$root$prefix/bin/#" \
        -e "s#^EnvironmentFile=$sysconfdir/#EnvironmentFile=$root$sysconfdir/#" \
        "$source_unit" >"$work/units/$unit.service"
    for setting in Type=notify WatchdogSec= Restart=on-failure NoNewPrivileges=yes \
        ProtectSystem=strict PrivateTmp=yes "EnvironmentFile=$sysconfdir/"; do
        if grep -q "^$setting" "$source_unit"; then
            pass "$unit.service sets $setting"
        else
            fail "$unit.service does not set $setting"
        fi
    done
    if grep -q "^ExecStart=$prefix/bin/$unit " "$source_unit"; then
        pass "$unit.service starts $prefix/bin/$unit"
    else
        fail "$unit.service does not start $prefix/bin/$unit"
    fi
done
if grep -q '^DynamicUser=yes' "$root$unit_dir/vcs-agent.service"; then
    pass "vcs-agent.service runs as a dynamic user"
else
    fail "vcs-agent.service does not set DynamicUser=yes"
fi
if grep -q '^User=vcs-gateway' "$root$unit_dir/vcs-gateway.service" \
    && grep -q '^u vcs-gateway ' "$root$prefix/lib/sysusers.d/vcs-gateway.conf"; then
    pass "vcs-gateway.service runs as the vcs-gateway user from sysusers.d"
else
    fail "vcs-gateway.service and sysusers.d do not agree on the vcs-gateway user"
fi
if grep -q -- '--no-gui' "$root$unit_dir/vcs-agent.service"; then
    pass "vcs-agent.service runs the headless agent"
else
    fail "vcs-agent.service does not pass --no-gui"
fi

if verify_output=$(systemd-analyze verify "$work/units/vcs-agent.service" \
    "$work/units/vcs-gateway.service" 2>&1) && [ -z "$verify_output" ]; then
    pass "systemd-analyze verify reports nothing"
else
    fail "systemd-analyze verify: $verify_output"
fi
# Exposure is rated from 0 (locked down) to 10, and --threshold takes tenths of a point.
for unit in vcs-agent vcs-gateway; do
    if exposure=$(systemd-analyze security --offline=yes --threshold=20 \
        "$work/units/$unit.service" 2>&1); then
        pass "$(echo "$exposure" | tail -n 1 | sed 's/^→ //')"
    else
        fail "$unit.service exposure above 2.0: $(echo "$exposure" | tail -n 1)"
    fi
done

if [ "$failures" -ne 0 ]; then
    echo "$failures checks failed" >&2
    exit 1
fi
echo "all checks passed"
