# The end-to-end benchmarks and their sizes, one per line, for run-all.sh and compare.sh. Sourced, not run.
#   bench_runs [quick]
bench_runs() {
  if [ "${1:-}" = quick ]; then
    printf '%s\n' "routed-start.sh 200 20" "scale.sh 1000" "netns-start.sh 100" "bridged-start.sh 200" "first-packet.sh 4" "dataplane.sh 3" "repair.sh 1000 20" "daemon-api.sh 200 1000 20"
  else
    printf '%s\n' "routed-start.sh 1000 100" "scale.sh 1000 10000" "netns-start.sh 100 1000" "bridged-start.sh 1000" "first-packet.sh 8" "dataplane.sh 10" "repair.sh 1000 50" "daemon-api.sh 1000 10000 100"
  fi
}
