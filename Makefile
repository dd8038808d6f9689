# The two commands of the README. Each installs what it needs first (scripts/setup.sh is
# idempotent and caches its builds in ~/.cache/herdguard).
.PHONY: demo test check setup
setup:
	bash scripts/setup.sh
demo: setup
	npm run demo
test: setup
	npm test
check: setup
	npm run check
