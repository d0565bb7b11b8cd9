#!/usr/bin/env bash
# OCSP stapling cost (issue 23): full TLS 1.3 handshakes from one JDK client on a certificate with
# ocsp_stapling against one without, on the same node (--tls-provider conscrypt), alternating 3 x 0.5 s
# each: first while the OCSP responder accepts and never answers, then once the staple is held.
# Runs TlsOcspStaplingTest#aHungResponderNeverStallsAHandshake (openssl's responder behind a loopback
# HTTP server) and prints its count line; the ratios are stapled/plain in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
nice -n 19 mvn -B -q -o -pl nima-node -am verify -Dtest='TlsOcspStaplingTest#aHungResponderNeverStallsAHandshake' \
    -Dsurefire.failIfNoSpecifiedTests=false
grep -h "ocsp stapling, full" nima-node/target/surefire-reports/stargate.node.TlsOcspStaplingTest-output.txt
