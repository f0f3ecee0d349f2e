# The two commands of the README, plus the pieces they are made of.
.PHONY: run test setup web build

run:          ## set up, build and start Mediaport with embedded defaults
	scripts/run.sh

test:         ## every test: formatting, lints, unit, integration, browser
	scripts/test.sh

setup:
	scripts/setup.sh --for-tests

web:
	scripts/build-web.sh

build: web
	cargo build --release --locked -p mediaport-cli
