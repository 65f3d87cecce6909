# Faultline: prove a Kafka deployment and its pipeline lose and duplicate nothing under failure.
# Every recipe is a thin call into TypeScript; `npx just <recipe>` after `npm ci`.

export PATH := justfile_directory() + "/node_modules/.bin:" + env_var('PATH')
export NODE_OPTIONS := "--no-warnings=ExperimentalWarning"

# list the recipes
default:
    @just --list --unsorted

# fetch and build every artifact into ~/.cache/faultline (idempotent)
[group('cluster')]
setup:
    tsx cluster/cli.ts setup

# set up, start the 3-zone cluster and observability, print status and URLs (--coordination kraft)
[group('cluster')]
deploy *args:
    tsx cluster/cli.ts deploy {{args}}

# per-zone processes and cluster health
[group('cluster')]
status *args:
    tsx cluster/cli.ts status {{args}}

# stop everything gracefully; data is kept
[group('cluster')]
down *args:
    tsx cluster/cli.ts down {{args}}

# stop everything and wipe the deployment's data (the download cache stays)
[group('cluster')]
clean *args:
    tsx cluster/cli.ts clean {{args}}

# the last lines of one component's log (-f to follow)
[group('cluster')]
logs component *args:
    tsx cluster/cli.ts logs {{component}} {{args}}

# write the Grafana dashboards (as code) and provisioning files (--out DIR, default dashboards/out)
[group('observability')]
dashboards *args:
    tsx dashboards/cli.ts {{args}}

# run a chaos experiment (--duration S --rate N --seed N --coordination kraft); `--list` lists them; `controls` runs the negative controls
[group('chaos')]
chaos *args:
    tsx chaos/cli.ts {{args}}

# Kubernetes: `render [--out DIR] [--coordination kraft] [--image IMG] [--faults-only]` writes the manifests offline (default reports/out/k8s), `lint` runs kube-score over them; `apply`, `chaos <experiment>`, `down` act on the current kube context
[group('kubernetes')]
k8s *args:
    tsx chaos/manifests/cli.ts {{args}}

# k6 soak against the deployed pipeline, verified end to end by the chaos checkers, with a report (--duration S --rate N)
[group('load')]
soak *args:
    tsx loadtests/load-cli.ts soak {{args}}

# a k6 scenario (smoke | soak | spike | stress) against the deployed pipeline, verified and reported like a soak
[group('load')]
load scenario *args:
    tsx loadtests/load-cli.ts {{scenario}} {{args}}

# our paths against Kafka's own tools (ProducerPerformance, ConsumerPerformance, EndToEndLatency) and a Kafka Streams app doing our topology, every output checked, ratios, cost model and a report (--quick, --reps N)
[group('load')]
bench *args:
    NODE_OPTIONS="$NODE_OPTIONS --max-old-space-size=12288" tsx loadtests/bench-cli.ts {{args}}

# saturate the deployed pipeline (exactly-once) and print sustained events/s per stage, end-to-end p50/p99 and CPU per process (--duration S --concurrency N --batch N; --rate N offers a fixed rate instead)
[group('load')]
bench-pipeline *args:
    NODE_OPTIONS="$NODE_OPTIONS --max-old-space-size=12288" tsx loadtests/bench-pipeline-cli.ts {{args}}

# set up (the unit tests use promtool and Chromium too), type-check, unit tests, then live tests against a real cluster (ZooKeeper, then KRaft)
[group('test')]
test: setup typecheck test-unit test-live test-containers

# type-check every module (and the k6 script, which k6 runs as TypeScript itself, against k6's types)
[group('test')]
typecheck:
    tsc --noEmit
    tsc --noEmit -p loadtests/k6

# pure unit tests (no cluster)
[group('test')]
test-unit:
    node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects unit

# integration tests against the running system (brings it up, tears down what it started): pages in Chromium, then jest's live tests on ZooKeeper, then KRaft
[group('test')]
test-live:
    #!/usr/bin/env bash
    set -uo pipefail
    # the browser tests hand their deployment over to jest, which puts it back whatever the browser tests said
    FAULTLINE_COORDINATION=zookeeper FAULTLINE_LIVE_KEEP=1 playwright test; browser=$?
    FAULTLINE_COORDINATION=zookeeper node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects live --runInBand --forceExit || exit 1
    [ "$browser" -eq 0 ] || { echo "the browser tests failed: see test-results/playwright-report"; exit 1; }
    set -e
    FAULTLINE_COORDINATION=kraft FAULTLINE_STATE=/var/lib/faultline-test-kraft node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects live --runInBand --forceExit --testPathPattern 'cluster/|dashboards/|chaos/experiments'

# the reports offline and the live dashboard in Debian's Chromium (Playwright's runner); failures' traces and screenshots in test-results/playwright-report
[group('test')]
test-browser *args:
    playwright test {{args}}

# the containers provider end to end: deploys it, runs experiments on it, and removes every container it started
[group('test')]
test-containers:
    node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects containers --runInBand --forceExit

# after changing dependencies: npm install, then record rust-just's other platforms so `npm ci` accepts the lock
[group('dev')]
lock:
    npm install
    node cluster/setup/lockfile-platforms.mjs
