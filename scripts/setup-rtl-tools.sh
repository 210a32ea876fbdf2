#!/usr/bin/env bash
# Make sure the RTL tools the tests need (Icarus Verilog, Verilator, Yosys) are installed.
# - all three present: do nothing (the common case; costs a few milliseconds);
# - some missing and running as root: install the Debian packages;
# - some missing and not root: stop with a message naming the packages, so the RTL tests never
#   silently skip (they fail without the tools, and this script says why first).
set -euo pipefail

# Commands the tests run, each with the Debian package that provides it.
missing=()
for pair in iverilog:iverilog vvp:iverilog verilator:verilator yosys:yosys; do
  cmd=${pair%%:*}
  pkg=${pair#*:}
  if ! command -v "$cmd" >/dev/null 2>&1 && [[ " ${missing[*]-} " != *" $pkg "* ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "setup-rtl-tools: installing ${missing[*]} (Debian packages iverilog verilator yosys)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y iverilog verilator yosys
  exit 0
fi

# Builtins only from here: this branch must work whatever PATH holds.
{
  echo "setup-rtl-tools: missing ${missing[*]}."
  echo "quarch's RTL tests need Icarus Verilog, Verilator and Yosys. Install the Debian/Ubuntu packages:"
  echo "    sudo apt-get update && sudo apt-get install -y iverilog verilator yosys"
  echo "(or run this script as root: scripts/setup-rtl-tools.sh), then run the tests again."
} >&2
exit 1
