#!/bin/sh
# One-shot (temporalio/admin-tools): the namespace the apps use, once the server answers. The
# worker registers the project's search attributes itself at every start.
set -eu
until temporal operator cluster health --address "$TEMPORAL_ADDRESS"; do sleep 2; done
temporal operator namespace describe -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" \
  || temporal operator namespace create -n "$NAMESPACE" --retention 30d --address "$TEMPORAL_ADDRESS"
