#!/usr/bin/env bash
# Gradescope autograder setup: runs once, when the autograder image is
# built. Installs the Rust toolchain and pre-builds the kit (with the
# reference solution) so that grading a submission compiles only the
# student crate.
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends curl ca-certificates build-essential
curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
source "$HOME/.cargo/env"
cd /autograder/source
cargo build --release -p grader
