#!/usr/bin/env bash
# Snakemake cluster-generic status command: prints success, failed or running for SLURM job $1.
# squeue knows recent jobs (MinJobAge); sacct, where accounting runs, knows the older ones.
id="$1"
state=$(squeue -h -j "$id" --states=all -o %T 2>/dev/null | head -n1)
if [ -z "$state" ] && command -v sacct >/dev/null; then
  state=$(sacct -X -n -P -j "$id" -o State 2>/dev/null | head -n1 | cut -d' ' -f1)
fi
case "$state" in
  COMPLETED) echo success ;;
  FAILED | CANCELLED* | TIMEOUT | OUT_OF_MEMORY | NODE_FAIL | BOOT_FAIL | DEADLINE | PREEMPTED) echo failed ;;
  *) echo running ;; # pending, running, or not known yet right after submission
esac
