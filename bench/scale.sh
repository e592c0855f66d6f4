#!/usr/bin/env bash
# Benchmarks 4 and 5: a server with N routed adapters (tap guests) already in place.
#  4. `hostnet plan` and `hostnet apply` with nothing to do: wall time and peak memory (max RSS).
#  5. One change among N: `adapter add` (a second adapter on one VM) and `adapter rm`: wall time and
#     the netlink round trips (sendto/sendmsg and recvfrom/recvmsg calls, counted by strace), which
#     must not grow with N.
#   bench/scale.sh [N...]   (default: 1000 10000)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root; build_cli
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 10000)

# rss_time LABEL CMD...: runs CMD under /usr/bin/time -v; prints "<wall s> <max RSS MiB>".
rss_time() {
  local out=$WORK/time.out
  # plan --exit-code exits 3 when the kernel is not in sync: that is a failure here too.
  /usr/bin/time -v -o "$out" "$@" >/dev/null || { echo "FAILED(exit $?) -"; return; }
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
              /Maximum resident set size/ { r = $2 / 1024 }
              END { printf "%.3f %.0f\n", s, r }' "$out"
}
# syscalls CMD...: netlink round trips of one command: sendto+sendmsg, recvfrom+recvmsg.
syscalls() {
  local out=$WORK/strace.out
  strace -f -c -o "$out" -e trace=sendto,sendmsg,recvfrom,recvmsg "$@" >/dev/null || { echo "FAILED"; return; }
  # strace -c columns: % time, seconds, usecs/call, calls, [errors,] syscall
  awk '$NF ~ /^(sendto|sendmsg)$/ { s += $4 }
       $NF ~ /^(recvfrom|recvmsg)$/ { r += $4 }
       END { printf "%d sends, %d receives\n", s, r }' "$out"
}

for N in "${SIZES[@]}"; do
  S=$P-s$N; ST=$WORK/st$N; server_up "$S"
  H=("$HOSTNET" --state-dir "$ST" --netns "$S")
  gen_import "$WORK/scale$N.json" "$N" host-routed
  t=$(now); "${H[@]}" import "$WORK/scale$N.json" >/dev/null; "${H[@]}" apply >/dev/null; t_setup=$(since "$t")
  links=$(ip -n "$S" -o link show | grep -c ' vme' || true)
  [ "$links" -eq "$N" ] || { echo "scale: expected $N vme links, found $links" >&2; exit 1; }
  report "4. $N routed adapters: start all (import, then apply: plan, probe, batches)" "${t_setup}s"

  read -r w r < <(rss_time "${H[@]}" plan --exit-code)
  report "4. $N routed adapters: hostnet plan, nothing to do" "${w}s, ${r} MiB max RSS"
  read -r w r < <(rss_time "${H[@]}" apply)
  report "4. $N routed adapters: hostnet apply, nothing to do" "${w}s, ${r} MiB max RSS"

  extra=$(vm_ip $((N + 100000)))
  t=$(now); "${H[@]}" adapter add vm7 --network Net --ip "$extra" --mac 02:aa:00:00:00:07 >/dev/null; t_add=$(since "$t")
  t=$(now); "${H[@]}" adapter rm vm7 net1 >/dev/null; t_rm=$(since "$t")
  report "5. $N routed adapters: adapter add (one more, probe on)" "${t_add}s"
  report "5. $N routed adapters: adapter rm" "${t_rm}s"
  report "5. $N routed adapters: adapter add, netlink calls" "$(syscalls "${H[@]}" adapter add vm7 --network Net --ip "$extra" --mac 02:aa:00:00:00:07)"
  report "5. $N routed adapters: adapter rm, netlink calls" "$(syscalls "${H[@]}" adapter rm vm7 net1)"
  server_down "$S"
done
