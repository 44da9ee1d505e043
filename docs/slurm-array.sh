#!/bin/bash
# A sharded MedBank build as a Slurm job array on a shared filesystem.
# Every array task converts its share of the samples into the same output folder; a dependent job
# merges once all tasks have ended; the merge itself refuses unless every shard finished.
#
#   sbatch docs/slurm-array.sh             # submits the array and the merge
#
# test/slurm.test.ts submits this very file to a one-node Slurm cluster it starts (3 tasks).
#
# Shards are 0-based: with --array=0-15, `--shard auto` reads SLURM_ARRAY_TASK_ID (minus
# SLURM_ARRAY_TASK_MIN) and SLURM_ARRAY_TASK_COUNT. A failed or preempted task can simply be
# resubmitted (sbatch --array=7 ...): it resumes, keeping the samples it had finished.
#SBATCH --job-name=medbank-build
#SBATCH --array=0-15
#SBATCH --cpus-per-task=8
#SBATCH --mem=8G
#SBATCH --time=04:00:00
#SBATCH --output=medbank-%A_%a.log

set -euo pipefail
# Edit these, or set MEDBANK_RAW and MEDBANK_OUT when submitting (sbatch passes the environment on).
RAW=${MEDBANK_RAW:-/shared/raw}        # one folder per source (see "medbank sources")
OUT=${MEDBANK_OUT:-/shared/medbank}    # the same folder for every shard
# Every node must write PNGs with the native addon (its libdeflate must be installed on the
# compute nodes too), or the task stops: a node falling back to sharp's encoder would write other,
# equally valid, bytes into the same tree.
export MEDBANK_PNG_ENCODER=libdeflate

if [ -z "${MEDBANK_MERGE:-}" ]; then
  if [ "${SLURM_ARRAY_TASK_ID}" = "${SLURM_ARRAY_TASK_MIN}" ]; then
    # The first task queues the merge to run after the whole array.
    MEDBANK_MERGE=1 sbatch --dependency=afterany:"${SLURM_ARRAY_JOB_ID}" --array=0 --job-name=medbank-merge "$0"
  fi
  # Exit code 2 (some raw inputs unusable, listed in the shard record) still counts as done.
  npx medbank build --raw "$RAW" --out "$OUT" --shard auto --workers "${SLURM_CPUS_PER_TASK}" || [ $? -eq 2 ]
else
  # Refuses, naming the missing shards, unless every shard finished.
  npx medbank merge "$OUT"
fi
