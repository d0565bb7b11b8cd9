#!/usr/bin/env bash
# The whole config over gRPC vs REST (issue 18): GetConfig vs GET /config, ValidateConfig vs
# POST /config/validate, with COUNT routes loaded, on the set-up of grpc-apply-vs-rest.sh.
# Usage: COUNT=10000 bash bench/grpc-config-vs-rest.sh
CLASS=bench/grpc/GrpcConfigVsRest.java exec bash "$(dirname "$0")/grpc-apply-vs-rest.sh"
